import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, KijiError } from '../../src/errors.js';
import { createFetcher, type FetcherOptions } from '../../src/sources/fetch.js';
import { fixture, startTestServer, type TestServer } from './server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const defaults: FetcherOptions = {
  allowPrivateNetwork: true,
  userAgent: 'kiji-test/1',
  timeoutMs: 2000,
  connectTimeoutMs: 1000,
  maxBytes: 1024 * 1024,
  maxRedirects: 3,
  hostConcurrency: 2,
};
const fetcherWith = (options: Partial<FetcherOptions> = {}) => createFetcher({ ...defaults, ...options });

async function failure(promise: Promise<unknown>): Promise<KijiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KijiError);
  return error as KijiError;
}

describe('fetcher', () => {
  it('fetches a page with the configured User-Agent, and the validators for a conditional request', async () => {
    const fetcher = fetcherWith();
    const response = await fetcher.fetch(`${server.base}/feed.xml`);
    expect(response.status).toBe(200);
    expect(response.body.toString()).toContain(`${server.base}/articles/salmon.html`);
    expect(response.etag).toMatch(/^"[0-9a-f]+"$/);
    const again = await fetcher.fetch(`${server.base}/feed.xml`, { etag: response.etag });
    expect(again).toMatchObject({ status: 304, notModified: true });
    expect(again.body.length).toBe(0);
    const since = await fetcher.fetch(`${server.base}/feed.xml`, { lastModified: response.lastModified });
    expect(since.notModified).toBe(true);
    expect((await fetcher.fetch(`${server.base}/echo-user-agent`)).body.toString()).toBe('kiji-test/1');
    fetcher.close();
  });

  it.each(['gzip', 'br', 'deflate'])('decodes a %s body', async (encoding) => {
    const response = await fetcherWith().fetch(`${server.base}/${encoding}/articles/subway.html`);
    expect(response.body.equals(fixture('articles/subway.html'))).toBe(true);
  });

  it.each([
    ['/status/404', /HTTP 404/],
    ['/status/500', /HTTP 500/],
  ])('reports %s as a failed fetch', async (path, message) => {
    const error = await failure(fetcherWith().fetch(`${server.base}${path}`));
    expect(error.code).toBe(ErrorCodes.FETCH_FAILED);
    expect(error.message).toMatch(message);
  });

  it('gives up on a slow response at the total timeout', async () => {
    const started = Date.now();
    const error = await failure(fetcherWith({ timeoutMs: 300 }).fetch(`${server.base}/slow`));
    expect(error.code).toBe(ErrorCodes.FETCH_FAILED);
    expect(error.message).toMatch(/within 0.3 s/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('detects a redirect loop and stops a too long redirect chain', async () => {
    const loop = await failure(fetcherWith().fetch(`${server.base}/loop-a`));
    expect(loop.message).toMatch(/redirect loop/);
    const chain = await failure(fetcherWith({ maxRedirects: 3 }).fetch(`${server.base}/chain/5`));
    expect(chain.message).toMatch(/more than 3 redirects/);
    const followed = await fetcherWith({ maxRedirects: 3 }).fetch(`${server.base}/chain/2`);
    expect(followed.url).toBe(`${server.base}/feed.xml`);
  });

  it.each(['/big', '/big-chunked', '/bomb'])('refuses %s over the size limit, counted while streaming and after decompression', async (path) => {
    const error = await failure(fetcherWith({ maxBytes: 1024 * 1024 }).fetch(`${server.base}${path}`));
    expect(error.code).toBe(ErrorCodes.FETCH_REFUSED);
    expect(error.message).toMatch(/larger than the 1.0 MB limit/);
  });

  it('refuses other schemes and non-URLs', async () => {
    expect((await failure(fetcherWith().fetch('file:///etc/passwd'))).message).toMatch(/file: URLs are not fetched/);
    expect((await failure(fetcherWith().fetch('ftp://example.com/x'))).code).toBe(ErrorCodes.FETCH_REFUSED);
    expect((await failure(fetcherWith().fetch('not a url'))).message).toMatch(/is not a URL/);
  });
});

describe('private addresses', () => {
  it('refuses a URL on 127.0.0.1 when private networks are not allowed, without sending a request', async () => {
    const before = server.hits.get('/feed.xml') ?? 0;
    const error = await failure(fetcherWith({ allowPrivateNetwork: false }).fetch(`${server.base}/feed.xml`));
    expect(error.code).toBe(ErrorCodes.FETCH_REFUSED);
    expect(error.message).toMatch(/feed\.xml is on 127\.0\.0\.1, a loopback address: refused/);
    expect(error.hint).toMatch(/INGEST_ALLOW_PRIVATE_NETWORK=true/);
    expect(server.hits.get('/feed.xml') ?? 0).toBe(before);
  });

  it('refuses a name that resolves to a private address, and a name with any private address among its answers', async () => {
    const port = new URL(server.base).port;
    const resolve = async (host: string) =>
      host === 'metadata.test'
        ? [{ address: '169.254.169.254', family: 4 as const }]
        : [
            { address: '93.184.215.14', family: 4 as const },
            { address: '10.0.0.1', family: 4 as const },
          ];
    const fetcher = fetcherWith({ allowPrivateNetwork: false, resolve });
    expect((await failure(fetcher.fetch(`http://metadata.test:${port}/`))).message).toMatch(/metadata\.test resolves to 169\.254\.169\.254, a link-local/);
    expect((await failure(fetcher.fetch(`http://mixed.test:${port}/`))).message).toMatch(/resolves to 10\.0\.0\.1, a private-network address/);
  });

  it('connects to the address it checked: the name is resolved once, by the fetcher', async () => {
    const port = new URL(server.base).port;
    const asked: string[] = [];
    const fetcher = fetcherWith({
      resolve: async (host) => {
        asked.push(host);
        return [{ address: '127.0.0.1', family: 4 }];
      },
    });
    // No DNS knows this name: it can only be reached through the fetcher's own lookup.
    const response = await fetcher.fetch(`http://feeds.kiji-test.invalid:${port}/feed.xml`);
    expect(response.status).toBe(200);
    expect(asked).toEqual(['feeds.kiji-test.invalid']);
  });

  it('checks the address again after a redirect', async () => {
    const port = new URL(server.base).port;
    // A redirect answer with a Location to a name that resolves to another loopback address, treated as private here.
    const redirecting = await startRedirect(`http://inside.test:${port}/feed.xml`);
    const fetcher = fetcherWith({
      allowPrivateNetwork: false,
      resolve: async () => [{ address: '127.0.0.2', family: 4 }],
      blockedAddress: (address) => (address === '127.0.0.1' ? undefined : 'private in this test'),
    });
    const error = await failure(fetcher.fetch(`${redirecting}/go`));
    expect(error.message).toMatch(/inside\.test resolves to 127\.0\.0\.2, private in this test: refused/);
  });
});

async function startRedirect(location: string): Promise<string> {
  const { startFeedServer } = await import('../../scripts/feed-server.js');
  const redirect = await startFeedServer({
    routes: [
      (_req, res) => {
        res.writeHead(302, { location }).end();
        return true;
      },
    ],
  });
  afterAll(() => redirect.close());
  return redirect.base;
}
