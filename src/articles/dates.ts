/**
 * Turns the dates users and scrapers write into ISO 8601 UTC strings. Deliberately strict: a string
 * that matches none of the shapes below is reported rather than guessed at (Date.parse would read
 * `01/02/2026` in the machine's local zone, so the same file could get different dates on two machines).
 */

/** Assumed offset for Japanese-style dates that name no zone (the articles are Japanese news). */
const JAPAN_OFFSET_MINUTES = 9 * 60;

/** `2026-01-06`, `2026-01-06T08:58`, `2026-01-06 08:58:00.5+09:00`, `2026-01-06T08:58:00Z`; no zone means UTC. */
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/** `2026/1/6` (UTC midnight). */
const SLASHED = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/;

/** `2026年1月7日`, `2026年1月7日午前 8:58 GMT+9`, `2026年1月6日 午後12:31`; no zone means Japan time. */
const JAPANESE =
  /^(\d{4})年\s*(\d{1,2})月\s*(\d{1,2})日\s*(?:(午前|午後)?\s*(\d{1,2})[:：](\d{2})\s*(?:(?:GMT|UTC)\s*([+-]\d{1,2}(?::?\d{2})?)?|(JST))?)?$/i;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH = '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';

/**
 * RSS and e-mail dates (RFC 2822), which feeds and scrapers keep as they come: `Tue, 06 Jan 2026
 * 08:58:00 +0900`, `6 Jan 2026 08:58 GMT`. The zone is required: without one the instant is unknown.
 */
const RFC_2822 = new RegExp(`^(?:[a-z]{3},?\\s+)?(\\d{1,2})\\s+${MONTH}\\s+(\\d{4})\\s+(\\d{2}):(\\d{2})(?::(\\d{2}))?\\s+(?:([+-]\\d{4})|gmt|ut|utc|z)$`, 'i');

/** `Jan 6, 2026`, `January 6, 2026` (UTC midnight, as an ISO date alone). */
const ENGLISH_DATE = new RegExp(`^${MONTH}\\s+(\\d{1,2}),?\\s+(\\d{4})$`, 'i');

const monthNumber = (name: string): number => MONTHS.indexOf(name.slice(0, 3).toLowerCase()) + 1;

/** `+9`, `+09`, `+0900`, `-05:30`, `Z` -> minutes east of UTC. */
function offsetMinutes(zone: string | undefined, fallback: number): number {
  if (zone === undefined || zone === '') return fallback;
  if (zone.toUpperCase() === 'Z') return 0;
  const match = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(zone);
  if (!match) return Number.NaN;
  const sign = match[1] === '-' ? -1 : 1;
  return sign * (Number(match[2]) * 60 + Number(match[3] ?? 0));
}

interface DateParts {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
  millisecond?: number;
  offset: number;
}

/** Builds the instant, refusing out-of-range fields instead of letting Date roll them over (Feb 30 -> Mar 2). */
function toIso(parts: DateParts): string | undefined {
  const { year, month, day, hour = 0, minute = 0, second = 0, millisecond = 0, offset } = parts;
  if (!Number.isFinite(offset) || hour > 23 || minute > 59 || second > 59) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
  const check = new Date(local);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  return new Date(local - offset * 60_000).toISOString();
}

/** 12-hour clock: 午前 12:xx is 00:xx, 午後 12:xx stays 12:xx, 午後 1:xx is 13:xx. */
function to24Hour(hour: number, meridiem: string | undefined): number {
  if (meridiem === undefined) return hour;
  if (hour < 1 || hour > 12) return Number.NaN;
  const base = hour % 12;
  return meridiem === '午後' ? base + 12 : base;
}

/**
 * The ISO form of a date, or undefined when it cannot be read.
 * Example: `2026年1月7日午前 8:58 GMT+9` -> `2026-01-06T23:58:00.000Z`; `2026-01-06` -> `2026-01-06T00:00:00.000Z`.
 */
export function toIsoDate(input: string): string | undefined {
  const text = input.normalize('NFC').trim();
  let m = ISO.exec(text);
  if (m) {
    const fraction = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
    return toIso({
      year: Number(m[1]),
      month: Number(m[2]),
      day: Number(m[3]),
      hour: Number(m[4] ?? 0),
      minute: Number(m[5] ?? 0),
      second: Number(m[6] ?? 0),
      millisecond: fraction,
      offset: offsetMinutes(m[8], 0),
    });
  }
  m = RFC_2822.exec(text);
  if (m) {
    return toIso({
      year: Number(m[3]),
      month: monthNumber(m[2]!),
      day: Number(m[1]),
      hour: Number(m[4]),
      minute: Number(m[5]),
      second: Number(m[6] ?? 0),
      offset: offsetMinutes(m[7], 0),
    });
  }
  m = ENGLISH_DATE.exec(text);
  if (m) return toIso({ year: Number(m[3]), month: monthNumber(m[1]!), day: Number(m[2]), offset: 0 });
  m = SLASHED.exec(text);
  if (m) return toIso({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), offset: 0 });
  m = JAPANESE.exec(text);
  if (m) {
    const hasTime = m[5] !== undefined;
    return toIso({
      year: Number(m[1]),
      month: Number(m[2]),
      day: Number(m[3]),
      hour: hasTime ? to24Hour(Number(m[5]), m[4]) : 0,
      minute: Number(m[6] ?? 0),
      offset: m[8] !== undefined ? JAPAN_OFFSET_MINUTES : offsetMinutes(m[7], JAPAN_OFFSET_MINUTES),
    });
  }
  return undefined;
}

/**
 * Articles are dated as their readers in Japan date them (the corpus is Japanese news): 08:58 on
 * 7 January in Tokyo is 7 January, also on a server or a terminal in UTC. The bot and the CLI both
 * show dates this way, so the REPL shows what the bot will.
 */
export const DISPLAY_TIME_ZONE = 'Asia/Tokyo';

let calendar: Intl.DateTimeFormat | undefined;

/** The YYYY-MM-DD an ISO instant falls on in `DISPLAY_TIME_ZONE`; anything unparsable as given. */
export function calendarDate(published: string): string {
  const date = new Date(published);
  if (Number.isNaN(date.getTime())) return published;
  calendar ??= new Intl.DateTimeFormat('sv-SE', { timeZone: DISPLAY_TIME_ZONE });
  return calendar.format(date);
}
