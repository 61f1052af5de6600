/**
 * Bytes from the web to text. Node 20's TextDecoder (built with full ICU) decodes Shift_JIS,
 * EUC-JP and ISO-2022-JP and knows the WHATWG labels (`x-sjis`, `windows-31j`, ...), so no
 * iconv library is needed. Which charset: a byte order mark first, then the HTTP header's charset,
 * then what the document declares (`<meta charset>`, `<meta http-equiv>`, `<?xml encoding?>`),
 * else UTF-8: the order the HTML standard's encoding sniffing uses.
 */

export type DocumentKind = 'html' | 'xml' | 'json' | 'text';

const BOMS: ReadonlyArray<[number[], string]> = [
  [[0xef, 0xbb, 0xbf], 'utf-8'],
  [[0xfe, 0xff], 'utf-16be'],
  [[0xff, 0xfe], 'utf-16le'],
];

function bomCharset(bytes: Uint8Array): string | undefined {
  return BOMS.find(([bom]) => bom.every((b, i) => bytes[i] === b))?.[1];
}

/** `text/html; charset=Shift_JIS` -> `Shift_JIS`. */
export function headerCharset(contentType: string | undefined): string | undefined {
  return contentType ? /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1] : undefined;
}

/** What the document says about itself, read from its first 1024 bytes as the HTML standard's prescan does. */
function declaredCharset(bytes: Uint8Array, kind: DocumentKind): string | undefined {
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1');
  if (kind === 'xml') return /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']+)["']/i.exec(head)?.[1];
  if (kind !== 'html') return undefined;
  // Covers `<meta charset="x">` and `<meta http-equiv="Content-Type" content="text/html; charset=x">`.
  for (const [tag] of head.matchAll(/<meta\b[^>]*>/gi)) {
    const charset = /\bcharset\s*=\s*["']?\s*([\w.:-]+)/i.exec(tag)?.[1];
    if (charset) return charset;
  }
  return undefined;
}

function decoderFor(label: string | undefined): InstanceType<typeof TextDecoder> | undefined {
  if (label === undefined) return undefined;
  try {
    const decoder = new TextDecoder(label.trim());
    // A page that says UTF-16 in a meta tag was read as ASCII to find the tag, so it is not UTF-16 (HTML standard).
    return decoder.encoding.startsWith('utf-16') ? new TextDecoder('utf-8') : decoder;
  } catch {
    return undefined;
  }
}

/**
 * Decodes a response body. `kind` says where to look for a declared charset.
 *
 * Example: `decodeText(bytes, 'text/html', 'html')` with bytes of `<meta charset="shift_jis">...記事`
 * -> `{ text: '<meta charset="shift_jis">...記事', charset: 'shift_jis' }`.
 */
export function decodeText(bytes: Uint8Array, contentType: string | undefined, kind: DocumentKind): { text: string; charset: string } {
  const bom = bomCharset(bytes);
  const decoder =
    decoderFor(bom) ??
    (kind === 'json' ? undefined : decoderFor(headerCharset(contentType))) ??
    decoderFor(declaredCharset(bytes, kind)) ??
    new TextDecoder('utf-8');
  // TextDecoder drops a BOM of its own encoding by default.
  return { text: decoder.decode(bytes), charset: decoder.encoding };
}
