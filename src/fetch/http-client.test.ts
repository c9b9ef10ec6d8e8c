import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HorisontError } from '../domain/errors.js';
import { MemoryHostThrottle } from './host-throttle.js';
import { HttpClient, parseRetryAfter, resolveRedirect, SlotDeferred } from './http-client.js';
import type { HttpClientOptions } from './http-client.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface TestServer {
  port: number;
  origin: string;
  hits: { path: string; at: number; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

async function startServer(handler: Handler, tls?: { key: Buffer; cert: Buffer }): Promise<TestServer> {
  const hits: TestServer['hits'] = [];
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    hits.push({ path: req.url ?? '', at: performance.now(), headers: req.headers });
    handler(req, res);
  };
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function clientFor(servers: TestServer[], overrides: Partial<HttpClientOptions> = {}): HttpClient {
  return new HttpClient({
    userAgent: 'Mozilla/5.0 (compatible; Horisont/0.1; +https://github.com/horisont)',
    allowPrivate: servers.map((s) => `127.0.0.1:${s.port}`),
    deadlineMs: 5000,
    connectTimeoutMs: 2000,
    headersTimeoutMs: 5000,
    bodyTimeoutMs: 5000,
    maxBodyBytes: 1024 * 1024,
    maxRedirects: 5,
    throttle: new MemoryHostThrottle(),
    minIntervalMs: () => 0,
    ...overrides,
  });
}

async function fetchError(promise: Promise<unknown>): Promise<HorisontError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HorisontError);
    return error as HorisontError;
  }
  throw new Error('expected the fetch to fail');
}

const PAGE = '<rss><channel><title>Nyheter</title></channel></rss>';

describe('HttpClient against loopback servers', () => {
  let main: TestServer;
  let sentinel: TestServer;
  let client: HttpClient;
  let bomb: Buffer;

  beforeAll(async () => {
    // 50 MB of zeros, compressed in slices so the test itself never holds the expanded form.
    const gzip = zlib.createGzip({ level: 9 });
    const parts: Buffer[] = [];
    gzip.on('data', (chunk: Buffer) => parts.push(chunk));
    const done = new Promise((resolve) => gzip.on('end', resolve));
    const zeros = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 50; i++) gzip.write(zeros);
    gzip.end();
    await done;
    bomb = Buffer.concat(parts);

    sentinel = await startServer((_req, res) => res.end('sentinel'));
    main = await startServer((req, res) => {
      const path = req.url ?? '/';
      const redirect = /^\/r\/(\d+)$/.exec(path);
      if (redirect) {
        const n = Number(redirect[1]);
        if (n >= 6) return void res.end('landed');
        res.writeHead(302, { location: `/r/${n + 1}` });
        return void res.end();
      }
      switch (path) {
        case '/gzip': {
          res.writeHead(200, { 'content-type': 'application/rss+xml', 'content-encoding': 'gzip' });
          return void res.end(zlib.gzipSync(PAGE));
        }
        case '/br': {
          res.writeHead(200, { 'content-encoding': 'br' });
          return void res.end(zlib.brotliCompressSync(PAGE));
        }
        case '/deflate': {
          res.writeHead(200, { 'content-encoding': 'deflate' });
          return void res.end(zlib.deflateSync(PAGE));
        }
        case '/double-gzip': {
          res.writeHead(200, { 'content-encoding': 'gzip, gzip' });
          return void res.end(zlib.gzipSync(zlib.gzipSync(PAGE)));
        }
        case '/etag': {
          if (req.headers['if-none-match'] === '"v1"') {
            res.writeHead(304, { etag: '"v1"' });
            return void res.end();
          }
          res.writeHead(200, { etag: '"v1"', 'last-modified': 'Wed, 01 Jan 2025 00:00:00 GMT' });
          return void res.end(PAGE);
        }
        case '/429': {
          res.writeHead(429, { 'retry-after': '60' });
          return void res.end('slow down');
        }
        case '/503-date': {
          res.writeHead(503, { 'retry-after': new Date(Date.now() + 120_000).toUTCString() });
          return void res.end();
        }
        case '/500': {
          res.writeHead(500);
          return void res.end('secret stack trace');
        }
        case '/404': {
          res.writeHead(404);
          return void res.end('nope');
        }
        case '/big-with-length': {
          const big = Buffer.alloc(2 * 1024 * 1024, 'a');
          res.writeHead(200, { 'content-length': big.length });
          return void res.end(big);
        }
        case '/big-chunked': {
          res.writeHead(200, { 'content-type': 'text/plain' });
          const chunk = Buffer.alloc(64 * 1024, 'a');
          let sent = 0;
          const pump = (): void => {
            while (sent < 80 && !res.destroyed) {
              sent++;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
            res.end();
          };
          res.on('close', () => (sent = 80));
          return pump();
        }
        case '/bomb': {
          res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': bomb.length });
          return void res.end(bomb);
        }
        case '/truncated': {
          res.writeHead(200, { 'content-length': 100 });
          res.write(Buffer.alloc(50, 'x'));
          setTimeout(() => res.socket?.destroy(), 50);
          return;
        }
        case '/drip': {
          res.writeHead(200, { 'content-type': 'text/plain' });
          const timer = setInterval(() => res.write('x'), 200);
          res.on('close', () => clearInterval(timer));
          return;
        }
        case '/silent':
          return; // accepts, never answers
        case '/to-sentinel': {
          res.writeHead(301, { location: `http://127.0.0.1:${sentinel.port}/secret` });
          return void res.end();
        }
        case '/to-sentinel-by-name': {
          res.writeHead(307, { location: `http://localhost:${sentinel.port}/secret` });
          return void res.end();
        }
        case '/to-metadata': {
          res.writeHead(308, { location: 'http://169.254.169.254/latest/meta-data/' });
          return void res.end();
        }
        case '/to-file': {
          res.writeHead(302, { location: 'file:///etc/passwd' });
          return void res.end();
        }
        case '/echo-headers': {
          res.writeHead(200, { 'content-type': 'application/json' });
          return void res.end(JSON.stringify(req.headers));
        }
        default:
          res.writeHead(200, { 'content-type': 'text/plain' });
          return void res.end('ok');
      }
    });
    client = clientFor([main]);
  });

  afterAll(async () => {
    await client.close();
    await main.close();
    await sentinel.close();
  });

  it('decodes a gzip body and returns lower-case headers', async () => {
    const outcome = await client.get(`${main.origin}/gzip`);
    expect(outcome.kind).toBe('fetched');
    if (outcome.kind !== 'fetched') return;
    expect(outcome.status).toBe(200);
    expect(outcome.body.toString('utf8')).toBe(PAGE);
    expect(outcome.headers['content-type']).toBe('application/rss+xml');
    expect(outcome.headers['content-encoding']).toBe('gzip');
  });

  it('decodes br and deflate bodies', async () => {
    for (const path of ['/br', '/deflate']) {
      const outcome = await client.get(`${main.origin}${path}`);
      expect(outcome.kind === 'fetched' && outcome.body.toString('utf8')).toBe(PAGE);
    }
  });

  it('sends the identifying headers', async () => {
    const outcome = await client.get(`${main.origin}/echo-headers`, { accept: 'application/json' });
    if (outcome.kind !== 'fetched') throw new Error('expected fetched');
    const sent = JSON.parse(outcome.body.toString('utf8')) as Record<string, string>;
    expect(sent['user-agent']).toContain('Horisont/0.1');
    expect(sent['accept']).toBe('application/json');
    expect(sent['accept-encoding']).toBe('gzip, deflate, br');
  });

  it('refuses a chained content-encoding', async () => {
    const error = await fetchError(client.get(`${main.origin}/double-gzip`));
    expect(error.kind).toBe('parse');
    expect(error.message).toMatch(/^fetch: unsupported content-encoding/);
  });

  it('returns not-modified for a matching ETag', async () => {
    const first = await client.get(`${main.origin}/etag`);
    expect(first.kind).toBe('fetched');
    const second = await client.get(`${main.origin}/etag`, {
      conditional: { etag: first.headers['etag']!, lastModified: first.headers['last-modified']! },
    });
    expect(second).toEqual({
      kind: 'not-modified',
      url: `${main.origin}/etag`,
      status: 304,
      headers: expect.objectContaining({ etag: '"v1"' }),
    });
    const conditionalHit = main.hits.filter((h) => h.path === '/etag').at(-1)!;
    expect(conditionalHit.headers['if-modified-since']).toBe('Wed, 01 Jan 2025 00:00:00 GMT');
  });

  it('classifies 429 as rate-limited with Retry-After in ms', async () => {
    const error = await fetchError(client.get(`${main.origin}/429`));
    expect(error.kind).toBe('rate-limited');
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBe(60_000);
    expect(error.message).toBe(`fetch: HTTP 429 (rate limited): ${main.origin}/429`);
    expect(error.message).not.toContain('slow down');
  });

  it('classifies 503 as server-error, not rate-limited, and reads its HTTP-date Retry-After', async () => {
    const error = await fetchError(client.get(`${main.origin}/503-date`));
    expect(error.kind).toBe('server-error');
    expect(error.message).toBe(`fetch: HTTP 503 (service unavailable): ${main.origin}/503-date`);
    expect(error.status).toBe(503);
    expect(error.retryAfterMs).toBeGreaterThan(100_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(120_000);
  });

  it('classifies 500 and 404', async () => {
    const server = await fetchError(client.get(`${main.origin}/500`));
    expect(server.kind).toBe('http-5xx');
    expect(server.status).toBe(500);
    expect(server.retryAfterMs).toBeUndefined();
    expect(server.message).not.toContain('secret');
    const missing = await fetchError(client.get(`${main.origin}/404`));
    expect(missing.kind).toBe('http-4xx');
    expect(missing.status).toBe(404);
  });

  it('stops oversized bodies with and without Content-Length', async () => {
    const declared = await fetchError(client.get(`${main.origin}/big-with-length`));
    expect(declared.kind).toBe('too-large');
    expect(declared.message).toContain('Content-Length');
    const streamed = await fetchError(client.get(`${main.origin}/big-chunked`));
    expect(streamed.kind).toBe('too-large');
  });

  it('stops a gzip bomb at the decompressed cap with bounded memory', async () => {
    const baseline = process.memoryUsage().arrayBuffers;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }, 1);
    try {
      const error = await fetchError(client.get(`${main.origin}/bomb`));
      expect(error.kind).toBe('too-large');
      expect(error.message).toContain('after decompression');
    } finally {
      clearInterval(sampler);
    }
    // The expanded bomb is 50 MB; the cap is 1 MB. Allow generous slack for sampling and GC.
    expect(peak - baseline).toBeLessThan(20 * 1024 * 1024);
  });

  it('reports a truncated body as a network failure', async () => {
    const error = await fetchError(client.get(`${main.origin}/truncated`));
    expect(error.kind).toBe('network');
    expect(error.message).toContain(`${main.origin}/truncated`);
  });

  it('aborts a slow drip at the overall deadline', async () => {
    const strict = clientFor([main], { deadlineMs: 1000 });
    const started = performance.now();
    try {
      const error = await fetchError(strict.get(`${main.origin}/drip`));
      expect(error.kind).toBe('timeout');
      expect(performance.now() - started).toBeLessThan(4000);
    } finally {
      await strict.close();
    }
  });

  it('times out on a server that never answers', async () => {
    const strict = clientFor([main], { deadlineMs: 1000 });
    try {
      const error = await fetchError(strict.get(`${main.origin}/silent`));
      expect(error.kind).toBe('timeout');
    } finally {
      await strict.close();
    }
  });

  it('follows up to maxRedirects hops and refuses the next', async () => {
    const landed = await client.get(`${main.origin}/r/1`);
    expect(landed.kind === 'fetched' && landed.url).toBe(`${main.origin}/r/6`);
    const error = await fetchError(client.get(`${main.origin}/r/0`));
    expect(error.kind).toBe('too-many-redirects');
  });

  it('re-validates every redirect hop and never reaches the sentinel', async () => {
    for (const path of ['/to-sentinel', '/to-sentinel-by-name', '/to-metadata', '/to-file']) {
      const error = await fetchError(client.get(`${main.origin}${path}`));
      expect(error.kind, path).toBe('ssrf-blocked');
      expect(error.message).toMatch(/^fetch: /);
    }
    expect(sentinel.hits).toHaveLength(0);
  });

  it('refuses the sentinel when asked directly', async () => {
    const error = await fetchError(client.get(`${sentinel.origin}/secret`));
    expect(error.kind).toBe('ssrf-blocked');
    expect(sentinel.hits).toHaveLength(0);
  });

  it('reports connection refused as network', async () => {
    const gone = await startServer((_req, res) => res.end());
    await gone.close();
    const refused = clientFor([gone]);
    try {
      const error = await fetchError(refused.get(`${gone.origin}/`));
      expect(error.kind).toBe('network');
    } finally {
      await refused.close();
    }
  });

  it('spaces two concurrent requests to one host by minIntervalMs', async () => {
    const polite = clientFor([main], { minIntervalMs: () => 300 });
    try {
      const before = main.hits.length;
      await Promise.all([polite.get(`${main.origin}/spaced-a`), polite.get(`${main.origin}/spaced-b`)]);
      const [a, b] = main.hits.slice(before);
      expect(Math.abs(b!.at - a!.at)).toBeGreaterThanOrEqual(250);
    } finally {
      await polite.close();
    }
  });

  it("spaces a request from the host's last actual send, not only from its slot", async () => {
    const throttle = new MemoryHostThrottle();
    const polite = clientFor([main], { minIntervalMs: () => 300, throttle });
    try {
      // Another request to the host left just now, later than its own slot: this one holds the
      // slot for now (it was deferred to it) and must still leave an interval after that send.
      expect(await throttle.claim('127.0.0.1', 300)).toBe(0);
      const sentAt = performance.now();
      const before = main.hits.length;
      await polite.get(`${main.origin}/late-neighbour`, { slotAt: Date.now() });
      expect(main.hits[before]!.at - sentAt).toBeGreaterThanOrEqual(290);
    } finally {
      await polite.close();
    }
  });

  it('tells the throttle when a claimed request is actually written', async () => {
    const throttle = new MemoryHostThrottle();
    const sent: Array<{ host: string; at: number }> = [];
    const record = throttle.sent.bind(throttle);
    throttle.sent = (host, spacing) => {
      sent.push({ host, at: performance.now() });
      return record(host, spacing);
    };
    const polite = clientFor([main], { minIntervalMs: () => 50, throttle });
    try {
      const before = main.hits.length;
      await polite.get(`${main.origin}/written?page=2`);
      await polite.get(`${main.origin}/written?page=3`);
      expect(sent.map((s) => s.host)).toEqual(['127.0.0.1', '127.0.0.1']);
      const hits = main.hits.slice(before);
      expect(hits.map((hit) => hit.path)).toEqual(['/written?page=2', '/written?page=3']);
      for (const [index, hit] of hits.entries()) expect(hit.at).toBeGreaterThanOrEqual(sent[index]!.at);
    } finally {
      await polite.close();
    }
  });

  it('hands a slot further away than holdSlotMs back to the caller, still reserved for it', async () => {
    const polite = clientFor([main], { minIntervalMs: () => 400 });
    try {
      const before = main.hits.length;
      const [first, second] = await Promise.allSettled([
        polite.get(`${main.origin}/held-a`, { holdSlotMs: 100 }),
        polite.get(`${main.origin}/held-b`, { holdSlotMs: 100 }),
      ]);
      expect(first.status).toBe('fulfilled');
      const deferred = (second as PromiseRejectedResult).reason as SlotDeferred;
      expect(deferred).toBeInstanceOf(SlotDeferred);
      expect(deferred.kind).toBe('rate-limited');
      expect(deferred.slotAt - Date.now()).toBeGreaterThan(100);
      expect(main.hits.length - before).toBe(1);
      // A third request queues behind the deferred one's slot, which stays its own.
      const third = polite.get(`${main.origin}/held-c`);
      await polite.get(`${main.origin}/held-b`, { slotAt: deferred.slotAt });
      await third;
      const times = main.hits.slice(before).map((hit) => hit.at);
      expect(main.hits.slice(before).map((hit) => hit.path)).toEqual(['/held-a', '/held-b', '/held-c']);
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(390);
      expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(390);
    } finally {
      await polite.close();
    }
  });
});

describe('HttpClient over TLS', () => {
  let dir: string;
  let server: TestServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'horisont-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    server = await startServer((_req, res) => res.end('should never be served'), {
      key: readFileSync(join(dir, 'key.pem')),
      cert: readFileSync(join(dir, 'cert.pem')),
    });
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails hard on a self-signed certificate', async () => {
    const client = clientFor([server]);
    try {
      const error = await fetchError(client.get(`${server.origin}/`));
      expect(error.kind).toBe('tls');
      expect(error.message).toContain(server.origin);
      expect(server.hits).toHaveLength(0);
    } finally {
      await client.close();
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it.each([
    [undefined, undefined],
    ['60', 60_000],
    ['0', 0],
    ['999999', 3_600_000],
    ['Wed, 01 Jan 2025 00:02:00 GMT', 120_000],
    ['Tue, 31 Dec 2024 23:00:00 GMT', 0],
    ['soon', undefined],
  ])('%s → %s', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('resolveRedirect', () => {
  const from = new URL('https://www.tlv.se/beslut/index.html?page=2');

  it('resolves relative locations against the current URL', () => {
    expect(resolveRedirect(from, '../nyheter/', 301).href).toBe('https://www.tlv.se/nyheter/');
    expect(resolveRedirect(from, '//cdn.tlv.se/x', 302).href).toBe('https://cdn.tlv.se/x');
  });

  it('refuses an https→http downgrade', () => {
    expect(() => resolveRedirect(from, 'http://www.tlv.se/beslut/', 301)).toThrow(
      expect.objectContaining({ kind: 'ssrf-blocked' }),
    );
  });

  it('refuses a redirect without a usable Location', () => {
    expect(() => resolveRedirect(from, undefined, 302)).toThrow(
      expect.objectContaining({ kind: 'parse', status: 302 }),
    );
    expect(() => resolveRedirect(from, 'http://[bad', 302)).toThrow(
      expect.objectContaining({ kind: 'parse' }),
    );
  });
});
