import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/settings.js';

interface Pair {
  id: string;
  articleId: string;
  first: string;
  second: string;
  original: string;
  gold: string[];
}

const pairs: Pair[] = fs
  .readFileSync(path.join(projectRoot, 'data', 'eval', 'followups.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Pair);

describe('data/eval/followups.jsonl (scripts/make-followups.ts)', () => {
  it('holds a couple of hundred distinct pairs over many articles', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(150);
    expect(new Set(pairs.map((pair) => pair.id)).size).toBe(pairs.length);
    expect(new Set(pairs.map((pair) => pair.articleId)).size).toBeGreaterThanOrEqual(40);
  });

  it('rewrites every second question with a pronoun in place of its topic, and keeps the gold paragraph', () => {
    for (const pair of pairs) {
      expect(pair.first.length).toBeGreaterThan(0);
      expect(pair.second).not.toBe(pair.original);
      expect(pair.second).toMatch(/それ|その|彼/);
      expect(pair.gold.length).toBeGreaterThan(0);
      expect(pair.gold.every((paragraph) => paragraph.length > 0)).toBe(true);
    }
  });
});
