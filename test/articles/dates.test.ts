import { describe, expect, it } from 'vitest';
import { calendarDate, toIsoDate } from '../../src/articles/dates.js';

describe('toIsoDate', () => {
  it.each([
    ['2026-01-06', '2026-01-06T00:00:00.000Z'],
    ['2026-01-06T23:58:00.000Z', '2026-01-06T23:58:00.000Z'],
    ['2026-01-07T08:58:00+09:00', '2026-01-06T23:58:00.000Z'],
    ['2026-01-07 08:58+0900', '2026-01-06T23:58:00.000Z'],
    ['2026-01-06T12:00', '2026-01-06T12:00:00.000Z'],
    ['2026/1/6', '2026-01-06T00:00:00.000Z'],
    ['2026年1月7日午前 8:58 GMT+9', '2026-01-06T23:58:00.000Z'],
    ['2026年1月7日午前 3:21 GMT+9', '2026-01-06T18:21:00.000Z'],
    ['2026年1月6日午後 12:31 GMT+9', '2026-01-06T03:31:00.000Z'],
    ['2026年1月6日午前 12:31 GMT+9', '2026-01-05T15:31:00.000Z'],
    ['2026年1月7日', '2026-01-06T15:00:00.000Z'],
    ['Wed, 07 Jan 2026 08:58:00 +0900', '2026-01-06T23:58:00.000Z'],
    ['6 Jan 2026 23:58 GMT', '2026-01-06T23:58:00.000Z'],
    ['Tue, 6 Jan 2026 18:58:00 -0500', '2026-01-06T23:58:00.000Z'],
    ['Jan 6, 2026', '2026-01-06T00:00:00.000Z'],
    ['January 6 2026', '2026-01-06T00:00:00.000Z'],
    ['Sept. 30, 2026', '2026-09-30T00:00:00.000Z'],
  ])('%s -> %s', (input, expected) => {
    expect(toIsoDate(input)).toBe(expected);
  });

  it.each(['', 'tomorrow', '2026-02-30', '2026-13-01', '2026-01-06T24:00', '01/06/2026', '2026年1月6日午後 13:00', 'Tue, 06 Jan 2026 08:58:00', '30 Feb 2026 10:00 GMT', 'Foo 6, 2026', 'Junk 6, 2026'])(
    'refuses %j',
    (input) => {
      expect(toIsoDate(input)).toBeUndefined();
    },
  );

  it('dates an instant as readers in Japan do, whatever the machine zone, and leaves an unparsable one as given', () => {
    expect(calendarDate('2026-01-06T23:58:00.000Z')).toBe('2026-01-07');
    expect(calendarDate('2026-01-06T14:59:00.000Z')).toBe('2026-01-06');
    expect(calendarDate('someday')).toBe('someday');
  });
});
