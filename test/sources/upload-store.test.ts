import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { articleFromUpload } from '../../src/sources/upload.js';
import { UploadStore } from '../../src/sources/upload-store.js';

const upload = (name: string, text: string) => articleFromUpload(name, Buffer.from(text), { maxBytes: 100_000 })[0]!;
const open = () => UploadStore.open(mkdtempSync(path.join(os.tmpdir(), 'kiji-uploads-')));

describe('UploadStore ids and outcomes', () => {
  it('keeps two different files that share a name as two articles, each with its own id', async () => {
    const store = await open();
    const first = store.put(upload('notes.md', '# 港の朝市、毎週日曜に\n\n朝市が始まる。\n'), 'notes.md');
    const second = store.put(upload('notes.md', '# 山の駅、冬季休業へ\n\n駅が休業する。\n'), 'notes.md');
    expect(first).toMatchObject({ kind: 'added', namesakes: [] });
    expect(second.kind).toBe('added');
    expect(second.kind === 'added' && second.namesakes.map((n) => n.title)).toEqual(['港の朝市、毎週日曜に']);
    expect(first.article.id).toMatch(/^upload-notes-[0-9a-f]{8}$/);
    expect(second.article.id).toMatch(/^upload-notes-[0-9a-f]{8}$/);
    expect(second.article.id).not.toBe(first.article.id);
    expect(store.all().map((a) => a.title)).toEqual(['港の朝市、毎週日曜に', '山の駅、冬季休業へ']);
  });

  it('replaces an upload of the same name and title under its id (changed), and stores the same bytes once', async () => {
    const store = await open();
    const v1 = store.put(upload('report.txt', '市議会、予算案を可決\n\n総額は120億円。\n\n賛成多数だった。\n'), 'report.txt');
    const v2 = store.put(upload('report.txt', '市議会、予算案を可決\n\n総額は125億円。\n\n賛成多数だった。\n'), 'report.txt');
    expect(v2).toMatchObject({ kind: 'changed', article: { id: v1.article.id, body: '総額は125億円。\n\n賛成多数だった。' } });
    expect(store.put(upload('report.txt', '市議会、予算案を可決\n\n総額は125億円。\n\n賛成多数だった。\n'), 'report.txt')).toMatchObject({ kind: 'unchanged', article: { id: v1.article.id } });
    expect(store.put(upload('copy.txt', '市議会、予算案を可決\n\n総額は125億円。\n\n賛成多数だった。\n'), 'copy.txt')).toMatchObject({ kind: 'duplicate', article: { id: v1.article.id } });
    expect(store.all()).toHaveLength(1);
  });

  it('keeps its ids across a save and a reopen', async () => {
    const store = await open();
    const a = store.put(upload('a.md', '# 一\n\n本文一。\n'), 'a.md');
    const b = store.put(upload('a.md', '# 二\n\n本文二。\n'), 'a.md');
    await store.save();
    const reopened = await UploadStore.open(path.dirname(path.dirname(store.file)));
    expect(reopened.all().map((r) => r.id)).toEqual([a.article.id, b.article.id]);
    expect(readFileSync(store.file, 'utf8').trim().split('\n')).toHaveLength(2);
    expect(reopened.put(upload('a.md', '# 二\n\n本文二、訂正。\n'), 'a.md')).toMatchObject({ kind: 'changed', article: { id: b.article.id } });
  });
});
