import { describe, expect, it } from 'vitest';
import { ErrorCodes, KijiError } from '../../src/errors.js';
import { loadSourceSettings, sourceDefaults } from '../../src/config/sources.js';
import { articleFromUpload } from '../../src/sources/upload.js';
import { fixture } from './server.js';

function thrown(f: () => unknown): KijiError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(KijiError);
    return error as KijiError;
  }
  throw new Error('expected an error');
}

describe('articleFromUpload', () => {
  it('reads an HTML upload (Shift_JIS) as data: the article, not its scripts', () => {
    const [article] = articleFromUpload('subway.html', fixture('articles/subway.html'), { maxBytes: 1_000_000 });
    expect(article).toMatchObject({ id: 'upload-subway', title: '大阪メトロ御堂筋線に新型車両、4月から運行開始', published: '2026-01-21T06:00:00.000Z', sourcePath: 'subway.html' });
    expect(article!.paragraphs).toHaveLength(4);
    expect(JSON.stringify(article)).not.toContain('scripts never run');
  });

  it('reads Markdown and JSONL through the article parsers', () => {
    expect(articleFromUpload('note.md', Buffer.from('# 見出し\n\n本文です。\n'), { maxBytes: 1000 })[0]).toMatchObject({ title: '見出し', paragraphs: [{ text: '本文です。' }] });
    expect(articleFromUpload('a.jsonl', Buffer.from('{"id":"x","title":"t","body":"b"}\n'), { maxBytes: 1000 })).toHaveLength(1);
  });

  it('refuses an oversized file, another file type, and a page without an article', () => {
    expect(thrown(() => articleFromUpload('big.txt', Buffer.alloc(2048, 'a'), { maxBytes: 1024 })).message).toBe('big.txt is larger than the 1 KB limit.');
    expect(thrown(() => articleFromUpload('x.pdf', Buffer.from('%PDF'), { maxBytes: 1024 })).code).toBe(ErrorCodes.FETCH_REFUSED);
    expect(thrown(() => articleFromUpload('index.html', fixture('articles/index.html'), { maxBytes: 100_000 })).code).toBe(ErrorCodes.NO_ARTICLE);
  });
});

describe('loadSourceSettings', () => {
  it('uses the defaults, reads the environment, and names a bad variable', () => {
    expect(loadSourceSettings({})).toMatchObject({ ...sourceDefaults, feedsFileNamed: false });
    expect(loadSourceSettings({ INGEST_ALLOW_PRIVATE_NETWORK: 'true', INGEST_MAX_BYTES: '2048', FEEDS_FILE: '/tmp/f.json' })).toMatchObject({
      allowPrivateNetwork: true,
      maxBytes: 2048,
      feedsFile: '/tmp/f.json',
      feedsFileNamed: true,
    });
    const error = thrown(() => loadSourceSettings({ INGEST_TIMEOUT_SECONDS: '0' }));
    expect(error.code).toBe(ErrorCodes.CONFIG_INVALID);
    expect(error.message).toMatch(/^INGEST_TIMEOUT_SECONDS="0" is not valid/);
  });
});
