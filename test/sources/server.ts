import { readFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fixtureFeedsDir, startFeedServer, type FeedServer, type Route } from '../../scripts/feed-server.js';

export interface TestServer extends FeedServer {
  /** Responses a test sets at run time: path -> body and content type (served without validators). */
  dynamic: Map<string, { body: string | Buffer; type: string; status?: number }>;
}

export const fixture = (name: string): Buffer => readFileSync(path.join(fixtureFeedsDir, name));

/**
 * The fixture feed server plus the misbehaving responses the fetcher must survive: error statuses,
 * a slow answer, redirect loops and chains, oversized and compressed bodies.
 */
export async function startTestServer(): Promise<TestServer> {
  const dynamic: TestServer['dynamic'] = new Map();
  const routes: Route[] = [
    (req, res) => {
      const entry = dynamic.get(req.url ?? '');
      if (!entry) return false;
      res.writeHead(entry.status ?? 200, { 'content-type': entry.type }).end(entry.body);
      return true;
    },
    (req, res) => {
      if (req.url !== '/echo-user-agent') return false;
      res.writeHead(200, { 'content-type': 'text/plain' }).end(req.headers['user-agent'] ?? '');
      return true;
    },
    (req, res) => {
      const status = /^\/status\/(\d{3})$/.exec(req.url ?? '')?.[1];
      if (!status) return false;
      res.writeHead(Number(status), { 'content-type': 'text/plain' }).end(`status ${status}`);
      return true;
    },
    (req, res) => {
      if (req.url !== '/slow') return false;
      res.writeHead(200, { 'content-type': 'text/html' });
      res.write('<html>');
      const timer = setTimeout(() => res.end('</html>'), 10_000);
      res.on('close', () => clearTimeout(timer));
      return true;
    },
    (req, res, base) => {
      const loop = { '/loop-a': '/loop-b', '/loop-b': '/loop-a' }[req.url ?? ''];
      if (!loop) return false;
      res.writeHead(302, { location: `${base}${loop}` }).end();
      return true;
    },
    (req, res) => {
      // /chain/3 -> /chain/2 -> /chain/1 -> /chain/0 -> the RSS fixture.
      const n = /^\/chain\/(\d+)$/.exec(req.url ?? '')?.[1];
      if (n === undefined) return false;
      res.writeHead(301, { location: Number(n) === 0 ? '/feed.xml' : `/chain/${Number(n) - 1}` }).end();
      return true;
    },
    (req, res) => {
      if (req.url !== '/big' && req.url !== '/big-chunked') return false;
      const body = Buffer.alloc(3 * 1024 * 1024, 'a');
      res.writeHead(200, { 'content-type': 'text/html', ...(req.url === '/big' ? { 'content-length': body.length } : {}) });
      res.end(body);
      return true;
    },
    (req, res) => {
      const name = /^\/(gzip|br|deflate)\/(.+)$/.exec(req.url ?? '');
      if (!name) return false;
      const [, encoding, file] = name;
      const bytes = fixture(file!);
      const encoded = encoding === 'gzip' ? zlib.gzipSync(bytes) : encoding === 'br' ? zlib.brotliCompressSync(bytes) : zlib.deflateSync(bytes);
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': encoding! }).end(encoded);
      return true;
    },
    (req, res) => {
      // 3 MB of zeros, about 3 KB on the wire.
      if (req.url !== '/bomb') return false;
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }).end(zlib.gzipSync(Buffer.alloc(3 * 1024 * 1024)));
      return true;
    },
  ];
  const server = await startFeedServer({ routes });
  return { ...server, dynamic };
}

/** Requests the server saw for paths starting with `prefix`. */
export function hitsUnder(server: FeedServer, prefix: string): number {
  let n = 0;
  for (const [url, count] of server.hits) if (url.startsWith(prefix)) n += count;
  return n;
}
