import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';

/**
 * Writes `text` to `file` through a hidden temporary file in the same folder and a rename, so a
 * reader (an index build, a second ingest) sees the old file or the new one, never half of one.
 * The temporary name starts with a dot and has no article extension: the article loader skips it.
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, text);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * The lines of a store's JSONL file, each with its record when it is one of the store's own (valid
 * JSON matching `schema`), or alone when it is not: a store keeps such lines as they are, so a line a
 * person wrote into the file is never lost when the store rewrites it.
 */
export function* storeLines<S extends z.ZodTypeAny>(text: string, schema: S): Generator<{ line: string; record: z.infer<S> | undefined }> {
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let record: z.infer<S> | undefined;
    try {
      const parsed = schema.safeParse(JSON.parse(line));
      record = parsed.success ? parsed.data : undefined;
    } catch {
      record = undefined;
    }
    yield { line, record };
  }
}
