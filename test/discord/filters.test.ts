import { describe, expect, it } from 'vitest';
import { dayChoices, filterFromTag, filterTag, resolveFilter } from '../../src/discord/filters.js';
import { stringsFor } from '../../src/discord/strings.js';
import { FakeLibrary, sampleArticles } from './fake-library.js';

const library = new FakeLibrary(sampleArticles);
const en = stringsFor('en-US');
const ja = stringsFor('ja');

describe('dayChoices', () => {
  // 20:00 UTC on the 7th is already the 8th in Japan, where kiji dates articles.
  const now = new Date('2026-01-07T20:00:00Z');

  it('counts the ranges back from today in Japan time', () => {
    expect(dayChoices(library, '', 'since', en, now).slice(0, 3)).toEqual([
      { name: 'Today (2026-01-08)', value: '2026-01-08' },
      { name: 'Last 7 days (since 2026-01-02)', value: '2026-01-02' },
      { name: 'Last 30 days (since 2025-12-10)', value: '2025-12-10' },
    ]);
    expect(dayChoices(library, '', 'until', ja, now)[1]).toEqual({ name: '昨日まで（2026-01-07）', value: '2026-01-07' });
  });

  it('offers a typed date first and the days articles were published that start with what is typed', () => {
    expect(dayChoices(library, '2026-01-0', 'since', en, now).map((c) => c.value)).toEqual(['2026-01-08', '2026-01-02', '2026-01-07', '2026-01-05']);
    expect(dayChoices(library, ' 2025-02-28 ', 'until', en, now)[0]).toEqual({ name: '2025-02-28', value: '2025-02-28' });
    expect(dayChoices(library, 'last 30', 'since', en, now).map((c) => c.value)).toEqual(['2025-12-10']);
  });
});

describe('resolveFilter and filter tags', () => {
  it('reads the options into the core filter and back from a tag', () => {
    const resolved = resolveFilter({ source: 'ロイター', article: '有志連合', since: '2026-01-01', until: ' 2026-01-31 ' }, library, en);
    expect(resolved).toEqual({ filter: { sources: ['ロイター'], articleIds: ['reuters-coalition'], since: '2026-01-01', until: '2026-01-31' } });
    const { filter } = resolved as { filter: NonNullable<unknown> };
    const tag = filterTag(filter);
    expect(tag).toMatch(/^n[0-9a-f]{8}\.i[0-9a-f]{10}\.f20260101\.t20260131$/);
    expect(filterFromTag(tag, library)).toEqual({ filter });
  });

  it('gives no filter for no options, and a problem for an ambiguous title or a leap day that is not one', () => {
    expect(resolveFilter({ source: '  ' }, library, en)).toEqual({ filter: undefined });
    expect(resolveFilter({ article: 'ウクライナ' }, library, en)).toEqual({ problem: '2 indexed titles contain "ウクライナ". Pick one of the suggestions while typing.' });
    expect(resolveFilter({ until: '2026-02-29' }, library, ja)).toMatchObject({ problem: expect.stringContaining('「2026-02-29」は日付ではありません') });
  });

  it('reads no tag it did not make, nor one naming what this build lacks', () => {
    const gone = filterTag({ sources: ['Gone Wire'], articleIds: ['gone-article'] }).split('.');
    for (const tag of [...gone, 's0', 'a0', 'n123', 'f20261301', 'q1', 'n', 'x']) expect(filterFromTag(tag, library)).toBeUndefined();
    expect(filterFromTag('', library)).toEqual({});
  });
});
