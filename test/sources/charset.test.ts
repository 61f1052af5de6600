import { describe, expect, it } from 'vitest';
import { decodeText, headerCharset } from '../../src/sources/charset.js';

const JA = '日本語の記事「新型車両」';
// Node has no encoder for these charsets: the bytes were made with `printf '...' | iconv -f UTF-8 -t SHIFT_JIS` (and EUC-JP, ISO-2022-JP).
const SJIS = Buffer.from('93fa967b8cea82cc8b4c8e96817590568c5e8ed497bc8176', 'hex');
const EUCJP = Buffer.from('c6fccbdcb8eca4ceb5adbbf6a1d6bfb7b7bfbcd6cebea1d7', 'hex');
const ISO2022JP = Buffer.from('1b2442467c4b5c386c244e352d3b7621563f37373f3c564e3e21571b2842', 'hex');

describe('decodeText', () => {
  it('the test bytes are the text in each encoding', () => {
    expect(new TextDecoder('shift_jis').decode(SJIS)).toBe(JA);
    expect(new TextDecoder('euc-jp').decode(EUCJP)).toBe(JA);
    expect(new TextDecoder('iso-2022-jp').decode(ISO2022JP)).toBe(JA);
  });

  it('uses the HTTP header charset', () => {
    expect(decodeText(SJIS, 'text/html; charset=Shift_JIS', 'html')).toEqual({ text: JA, charset: 'shift_jis' });
    expect(decodeText(EUCJP, 'text/html; charset="euc-jp"', 'html')).toEqual({ text: JA, charset: 'euc-jp' });
  });

  it('reads <meta charset> and <meta http-equiv> when the header names none', () => {
    const page = (meta: string, body: Buffer) => Buffer.concat([Buffer.from(`<html><head>${meta}</head><body>`), body]);
    expect(decodeText(page('<meta charset="Shift_JIS">', SJIS), 'text/html', 'html').text).toContain(JA);
    expect(decodeText(page('<meta http-equiv="Content-Type" content="text/html; charset=EUC-JP">', EUCJP), undefined, 'html').text).toContain(JA);
    expect(decodeText(page('<meta charset="iso-2022-jp">', ISO2022JP), undefined, 'html').charset).toBe('iso-2022-jp');
  });

  it('reads the XML declaration of a feed', () => {
    const xml = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="EUC-JP"?><rss><title>'), EUCJP, Buffer.from('</title></rss>')]);
    expect(decodeText(xml, 'application/rss+xml', 'xml').text).toContain(JA);
  });

  it('a byte order mark wins over the header, and is not part of the text', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JA)]);
    expect(decodeText(bytes, 'text/html; charset=shift_jis', 'html')).toEqual({ text: JA, charset: 'utf-8' });
  });

  it('falls back to UTF-8 for an unknown or missing charset, and JSON is always UTF-8', () => {
    expect(decodeText(Buffer.from(JA), 'text/html; charset=x-no-such', 'html').text).toBe(JA);
    expect(decodeText(Buffer.from(JA), undefined, 'html').text).toBe(JA);
    expect(decodeText(Buffer.from(`{"t":"${JA}"}`), 'application/json; charset=shift_jis', 'json').text).toContain(JA);
  });

  it('headerCharset', () => {
    expect(headerCharset('text/html; charset=UTF-8')).toBe('UTF-8');
    expect(headerCharset('text/html')).toBeUndefined();
    expect(headerCharset(undefined)).toBeUndefined();
  });
});
