/**
 * Serves the fixture feed shipped in test/fixtures/feeds/ on 127.0.0.1, so `npm run ingest` can be
 * tried without the internet (README, "Feeds"), and the tests use the same server.
 *
 *   npm run feed-server -- [--port 8787]
 *
 * `{{BASE}}` in a served file becomes the server's own address. Every file gets an ETag and a
 * Last-Modified, and a conditional request that matches gets 304, as a well-behaved news site does.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export const fixtureFeedsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'feeds');

const TYPES: Readonly<Record<string, string>> = {
  '.xml': 'application/xml',
  '.rss': 'application/rss+xml',
  '.json': 'application/feed+json',
  '.html': 'text/html',
};

/** A route of one's own, answered before the files: return true when it answered. */
export type Route = (req: http.IncomingMessage, res: http.ServerResponse, base: string) => boolean | Promise<boolean>;

export interface FeedServer {
  /** `http://127.0.0.1:PORT` */
  base: string;
  /** Requests served, by path (query included), for tests that count fetches. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

/** When the fixtures "changed": fixed, so Last-Modified and ETags stay the same across restarts. */
const LAST_MODIFIED = 'Thu, 22 Jan 2026 01:00:00 GMT';

export async function startFeedServer(options: { dir?: string; port?: number; routes?: Route[] } = {}): Promise<FeedServer> {
  const dir = options.dir ?? fixtureFeedsDir;
  const hits = new Map<string, number>();
  let base = '';
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    hits.set(url, (hits.get(url) ?? 0) + 1);
    void (async () => {
      for (const route of options.routes ?? []) if (await route(req, res, base)) return;
      const pathname = decodeURIComponent(new URL(url, base).pathname);
      const file = path.resolve(dir, `.${pathname === '/' ? '/feed.xml' : pathname}`);
      if (!file.startsWith(dir + path.sep)) return void res.writeHead(403).end();
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch {
        return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
      // Byte-level replacement: Shift_JIS and EUC-JP files stay in their encoding.
      bytes = Buffer.from(bytes.toString('latin1').replaceAll('{{BASE}}', base), 'latin1');
      const etag = `"${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}"`;
      const headers = { etag, 'last-modified': LAST_MODIFIED, 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' };
      if (req.headers['if-none-match'] === etag || (!req.headers['if-none-match'] && req.headers['if-modified-since'] === LAST_MODIFIED)) {
        return void res.writeHead(304, headers).end();
      }
      res.writeHead(200, { ...headers, 'content-length': bytes.length }).end(bytes);
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const usage = 'npm run feed-server -- [--port 8787]';
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8787' } } });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`kiji: --port must be a port number from 0 to 65535, got "${values.port}". Usage: ${usage}`);
    process.exit(2);
  }
  const server = await startFeedServer({ port }).catch((error: NodeJS.ErrnoException) => {
    const reason = error.code === 'EADDRINUSE' ? `port ${port} is already in use (a feed server started earlier?)` : error.message;
    console.error(`kiji: The feed server could not start: ${reason}. Stop the other one, or pick another port with ${usage} and use it in --feed.`);
    process.exit(1);
  });
  console.log(`Serving the fixture feed: ${server.base}/feed.xml (also atom.xml, rdf.xml, feed.json). Ctrl-C stops.`);
  console.log(`Try: INGEST_ALLOW_PRIVATE_NETWORK=true npm run ingest -- --once --feed ${server.base}/feed.xml`);
}
