/**
 * The one HTTP client of the sources: everything kiji fetches from the web goes through `createFetcher`.
 *
 * Built on node:http / node:https rather than fetch/undici: their `lookup` option lets every
 * connection use exactly the addresses this module checked (a DNS answer that changes between the
 * check and the connect, "DNS rebinding", cannot reach a private address), with no dependency.
 * p-limit (small, widely used) caps the requests in flight to one host.
 *
 * Rules, each with a one-line reason on refusal or failure (a KijiError, FETCH_REFUSED or FETCH_FAILED):
 * - http: and https: only; every address a name resolves to must be public unless private networks
 *   are allowed (see `blockedAddress`), checked again at every redirect;
 * - a connect timeout per connection and a total timeout for the whole fetch, redirects included;
 * - at most `maxRedirects` redirects, and never the same URL twice (a loop);
 * - at most `maxBytes` of body, counted on the wire and again after gzip / deflate / br decoding,
 *   and enforced while streaming, so a compressed bomb stops at the limit;
 * - conditional requests: `etag` / `lastModified` are sent as If-None-Match / If-Modified-Since and a
 *   304 comes back as `notModified`.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import pLimit, { type LimitFunction } from 'p-limit';
import { ErrorCodes, KijiError } from '../errors.js';
import { blockedAddress } from './address.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Name resolution, injectable so tests can check what a name resolving to 10.0.0.1 does without sending traffic there. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface FetcherOptions {
  allowPrivateNetwork: boolean;
  userAgent: string;
  timeoutMs: number;
  connectTimeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  hostConcurrency: number;
  resolve?: Resolver;
  /** What kind of refused address this is, or undefined for an allowed one (default `blockedAddress`); tests narrow it to tell two loopback addresses apart. */
  blockedAddress?: (address: string) => string | undefined;
}

export interface FetchRequest {
  /** Sent as If-None-Match. */
  etag?: string | undefined;
  /** Sent as If-Modified-Since. */
  lastModified?: string | undefined;
  accept?: string;
}

export interface FetchResponse {
  status: number;
  /** True for a 304 answer to a conditional request: nothing changed, `body` is empty. */
  notModified: boolean;
  /** The URL that answered, after redirects. */
  url: string;
  contentType: string | undefined;
  etag: string | undefined;
  lastModified: string | undefined;
  /** Decoded (decompressed) bytes; decoding to text is `decodeText`'s job. */
  body: Buffer;
}

export interface Fetcher {
  fetch(url: string, request?: FetchRequest): Promise<FetchResponse>;
  /** Closes idle connections so a process can exit. */
  close(): void;
}

const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));

const refused = (message: string, hint?: string) => new KijiError(ErrorCodes.FETCH_REFUSED, message, hint === undefined ? {} : { hint });
const failed = (message: string, hint?: string) => new KijiError(ErrorCodes.FETCH_FAILED, message, hint === undefined ? {} : { hint });

const PRIVATE_HINT = 'kiji fetches public addresses only; set INGEST_ALLOW_PRIVATE_NETWORK=true to allow local and private ones (a local feed server, tests).';

/** The URL parsed, with only http: and https: let through. */
export function parseWebUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused(`"${raw}" is not a URL.`, 'Give a full address such as https://example.com/feed.xml.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw refused(`${url.protocol} URLs are not fetched (${raw}).`, 'Use an http:// or https:// address.');
  }
  return url;
}

export function createFetcher(options: FetcherOptions): Fetcher {
  const resolve = options.resolve ?? systemResolver;
  const kindOf = options.blockedAddress ?? blockedAddress;
  const limits = new Map<string, LimitFunction>();
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

  /** `what` names the address in the message: `localhost resolves to 127.0.0.1` -> `..., a loopback address: refused.` */
  const check = (what: string, address: string): void => {
    if (options.allowPrivateNetwork) return;
    const kind = kindOf(address);
    if (kind !== undefined) throw refused(`${what}, ${kind}: refused.`, PRIVATE_HINT);
  };

  /** Resolves, checks every address, and hands only checked addresses to the socket: the connection is pinned to them. */
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (all) => {
        try {
          if (all.length === 0) throw failed(`${hostname} has no address.`);
          for (const { address } of all) check(`${hostname} resolves to ${address}`, address);
          const family = lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : undefined;
          const usable = family === undefined ? all : all.filter((a) => a.family === family);
          if (usable.length === 0) throw failed(`${hostname} has no IPv${family} address.`);
          if (lookupOptions.all) callback(null, usable);
          else callback(null, usable[0]!.address, usable[0]!.family);
        } catch (error) {
          callback(error as NodeJS.ErrnoException, '', 0);
        }
      },
      (error: NodeJS.ErrnoException) => callback(failed(`${hostname} could not be resolved (${error.code ?? error.message}).`) as NodeJS.ErrnoException, '', 0),
    );
  };

  const limitFor = (url: URL): LimitFunction => {
    let limit = limits.get(url.host);
    if (limit === undefined) {
      limit = pLimit(options.hostConcurrency);
      limits.set(url.host, limit);
    }
    return limit;
  };

  async function fetchUrl(raw: string, request: FetchRequest = {}): Promise<FetchResponse> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.timeoutMs);
    const visited = new Set<string>();
    try {
      let url = parseWebUrl(raw);
      for (let redirects = 0; ; redirects++) {
        visited.add(url.href);
        const hop = await limitFor(url)(() => requestOnce(url, request, controller.signal));
        if (hop.location === undefined) return hop.response;
        const next = parseWebUrl(new URL(hop.location, url).href);
        if (visited.has(next.href)) throw failed(`redirect loop: ${url.href} leads back to ${next.href}.`, 'The site is misconfigured; try the final address directly.');
        if (redirects + 1 > options.maxRedirects) throw failed(`more than ${options.maxRedirects} redirects from ${raw}.`);
        url = next;
      }
    } catch (error) {
      if (controller.signal.aborted) throw failed(`no complete answer from ${raw} within ${options.timeoutMs / 1000} s.`, 'The site is slow or down; it is tried again at the next poll.');
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  function requestOnce(url: URL, request: FetchRequest, signal: AbortSignal): Promise<{ response: FetchResponse; location?: string }> {
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    // An address literal is connected to without a lookup, so it is checked here.
    if (isIP(hostname) !== 0) check(`${url.href} is on ${hostname}`, hostname);
    const headers: Record<string, string> = {
      'user-agent': options.userAgent,
      accept: request.accept ?? '*/*',
      'accept-encoding': 'gzip, deflate, br',
    };
    if (request.etag) headers['if-none-match'] = request.etag;
    if (request.lastModified) headers['if-modified-since'] = request.lastModified;
    const secure = url.protocol === 'https:';
    return new Promise((resolvePromise, reject) => {
      const req = (secure ? https : http).request(url, { method: 'GET', headers, lookup, agent: secure ? agents.https : agents.http, signal });
      let connectTimer: NodeJS.Timeout | undefined;
      req.on('socket', (socket) => {
        if (!socket.connecting) return;
        connectTimer = setTimeout(() => req.destroy(failed(`could not connect to ${url.host} within ${options.connectTimeoutMs / 1000} s.`)), options.connectTimeoutMs);
        socket.once('connect', () => clearTimeout(connectTimer));
      });
      req.on('error', (error) => {
        clearTimeout(connectTimer);
        reject(error instanceof KijiError ? error : failed(`could not fetch ${url.href} (${(error as NodeJS.ErrnoException).code ?? error.message}).`));
      });
      req.on('response', (res) => {
        clearTimeout(connectTimer);
        const status = res.statusCode ?? 0;
        const header = (name: string): string | undefined => {
          const value = res.headers[name];
          return Array.isArray(value) ? value[0] : value;
        };
        const response = (body: Buffer): FetchResponse => ({
          status,
          notModified: status === 304,
          url: url.href,
          contentType: header('content-type'),
          etag: header('etag'),
          lastModified: header('last-modified'),
          body,
        });
        if ([301, 302, 303, 307, 308].includes(status) && header('location')) {
          res.resume();
          return resolvePromise({ response: response(Buffer.alloc(0)), location: header('location')! });
        }
        if (status === 304) {
          res.resume();
          return resolvePromise({ response: response(Buffer.alloc(0)) });
        }
        if (status < 200 || status > 299) {
          res.resume();
          return reject(failed(`${url.href} answered HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}.`));
        }
        const declared = Number(header('content-length'));
        if (Number.isFinite(declared) && declared > options.maxBytes) {
          res.destroy();
          return reject(tooLarge(url, options.maxBytes));
        }
        readBody(res, header('content-encoding'), url, options.maxBytes).then((body) => resolvePromise({ response: response(body) }), reject);
      });
      req.end();
    });
  }

  return {
    fetch: fetchUrl,
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

function tooLarge(url: URL, maxBytes: number): KijiError {
  return refused(`${url.href} is larger than the ${formatBytes(maxBytes)} limit.`, 'Raise INGEST_MAX_BYTES if such pages are expected.');
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.round(bytes / 1024)} KB`;
}

function decoderFor(encoding: string | undefined, url: URL): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  switch ((encoding ?? 'identity').trim().toLowerCase()) {
    case 'identity':
    case '':
      return undefined;
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      throw failed(`${url.href} is sent with a compression kiji cannot read (${encoding}).`);
  }
}

/** The body, decompressed, stopping as soon as either the wire bytes or the decoded bytes pass `maxBytes`. */
function readBody(res: http.IncomingMessage, encoding: string | undefined, url: URL, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let decoder: Readable & NodeJS.WritableStream | undefined;
    try {
      decoder = decoderFor(encoding, url);
    } catch (error) {
      res.destroy();
      return reject(error);
    }
    let wire = 0;
    let size = 0;
    const chunks: Buffer[] = [];
    let done = false;
    const fail = (error: Error): void => {
      if (done) return;
      done = true;
      res.destroy();
      decoder?.destroy();
      reject(error instanceof KijiError ? error : failed(`could not read ${url.href} (${error.message}).`));
    };
    res.on('data', (chunk: Buffer) => {
      wire += chunk.length;
      if (wire > maxBytes) fail(tooLarge(url, maxBytes));
    });
    res.on('error', fail);
    const output: Readable = decoder ? res.pipe(decoder) : res;
    output.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) return fail(tooLarge(url, maxBytes));
      chunks.push(chunk);
    });
    output.on('error', fail);
    output.on('end', () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks));
    });
  });
}
