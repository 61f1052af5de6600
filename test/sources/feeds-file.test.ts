import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, KijiError } from '../../src/errors.js';
import { loadFeedsFile } from '../../src/sources/feeds-file.js';

function file(content: string): string {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-feeds-')), 'feeds.json');
  fs.writeFileSync(f, content);
  return f;
}

async function rejection(promise: Promise<unknown>): Promise<KijiError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(KijiError);
  expect((error as KijiError).code).toBe(ErrorCodes.CONFIG_INVALID);
  return error as KijiError;
}

describe('loadFeedsFile', () => {
  it('reads feeds with their defaults', async () => {
    const feeds = await loadFeedsFile(file('[{"url":"https://news.example/rss.xml","name":"みなと"},{"url":"https://b.example/f","intervalMinutes":5,"fetchFullText":false}]'), { required: true });
    expect(feeds).toEqual([
      { url: 'https://news.example/rss.xml', name: 'みなと', intervalMinutes: 30, fetchFullText: true },
      { url: 'https://b.example/f', intervalMinutes: 5, fetchFullText: false },
    ]);
  });

  it('a missing default file is no feeds; a missing named one is an error', async () => {
    expect(await loadFeedsFile('/nonexistent/feeds.json', { required: false })).toEqual([]);
    expect((await rejection(loadFeedsFile('/nonexistent/feeds.json', { required: true }))).message).toMatch(/cannot be read \(ENOENT\)/);
  });

  it.each([
    ['[{"url":"file:///etc/passwd"}]', /\[0\]\.url: must be an http:\/\/ or https:\/\/ address/],
    ['[{"url":"https://a.example/","intervalMinutes":0}]', /\[0\]\.intervalMinutes: /],
    ['[{"url":"https://a.example/"},{"url":"https://a.example/"}]', /\[1\]\.url: https:\/\/a\.example\/ is listed twice/],
    ['{"url":"https://a.example/"}', /: Invalid input/],
    ['[{"url": ', /is not valid JSON/],
  ])('names the bad entry of %s', async (content, message) => {
    expect((await rejection(loadFeedsFile(file(content), { required: true }))).message).toMatch(message);
  });
});
