/** A copy without the keys whose value is undefined (for optional fields under exactOptionalPropertyTypes-style output). */
export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
