import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';

/**
 * A scripted source server on 127.0.0.1, placed in front of the fixture server: requests are
 * passed through to the recordings unless a rule matching the path says to misbehave (hang,
 * drip, fail with a status, truncate, oversize, gzip bomb, encoding chain, redirect, reset, serve
 * another body, or rewrite the recording's bytes and Content-Type). Rules can apply a limited
 * number of times, so a source can fail and then recover. Every request is recorded with its time.
 */
export type Behaviour =
  | { kind: 'hang' }
  | { kind: 'drip'; intervalMs: number }
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'truncate'; declared: number; sent: number }
  | { kind: 'oversize'; bytes: number; withLength: boolean }
  | { kind: 'bomb'; megabytes: number }
  | { kind: 'encoding-chain' }
  | { kind: 'body'; body: string | Buffer; contentType: string; status?: number }
  | { kind: 'redirect'; location: string; status?: number }
  | { kind: 'reset' }
  | {
      kind: 'rewrite';
      rewrite: (body: Buffer, contentType: string) => { body: Buffer; contentType: string };
    };

interface Rule {
  match: string;
  behaviour: Behaviour;
  remaining: number;
}

export interface ScriptedSource {
  origin: string;
  port: number;
  hits: Array<{ path: string; at: number; scripted: boolean }>;
  /** Adds a rule; the first matching rule with uses left applies. */
  on(match: string, behaviour: Behaviour, times?: number): void;
  clear(): void;
  hitsOn(fragment: string): number;
  close(): Promise<void>;
}

export interface Sentinel {
  origin: string;
  port: number;
  hits: string[];
  close(): Promise<void>;
}

function gzipBomb(megabytes: number): Buffer {
  const gzip = zlib.gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
  // Concatenated gzip members decode as one stream: N × 1 MiB of zeros from a few KiB.
  return Buffer.concat(Array.from({ length: megabytes }, () => gzip));
}

function apply(behaviour: Behaviour, req: IncomingMessage, res: ServerResponse): void {
  switch (behaviour.kind) {
    case 'hang':
      return; // connection accepted, headers never sent
    case 'drip': {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.write('<');
      const timer = setInterval(() => res.write('x'), behaviour.intervalMs);
      res.on('close', () => clearInterval(timer));
      return;
    }
    case 'status':
      res.writeHead(behaviour.status, { 'content-type': 'text/plain', ...(behaviour.headers ?? {}) });
      res.end(behaviour.body ?? `status ${behaviour.status}`);
      return;
    case 'truncate':
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': String(behaviour.declared) });
      res.write(Buffer.alloc(behaviour.sent, 'x'));
      setTimeout(() => res.socket?.destroy(), 50);
      return;
    case 'oversize': {
      const chunk = Buffer.alloc(256 * 1024, 'a');
      res.writeHead(200, {
        'content-type': 'application/rss+xml',
        ...(behaviour.withLength ? { 'content-length': String(behaviour.bytes) } : {}),
      });
      let sent = 0;
      const pump = (): void => {
        while (sent < behaviour.bytes && !res.destroyed) {
          const piece = chunk.subarray(0, Math.min(chunk.length, behaviour.bytes - sent));
          sent += piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => (sent = behaviour.bytes));
      return pump();
    }
    case 'bomb': {
      const body = gzipBomb(behaviour.megabytes);
      res.writeHead(200, {
        'content-type': 'text/html',
        'content-encoding': 'gzip',
        'content-length': String(body.length),
      });
      res.end(body);
      return;
    }
    case 'encoding-chain': {
      let body = Buffer.from('<html><body>nested</body></html>');
      for (let i = 0; i < 10; i++) body = zlib.gzipSync(body);
      res.writeHead(200, {
        'content-type': 'text/html',
        'content-encoding': Array.from({ length: 10 }, () => 'gzip').join(', '),
      });
      res.end(body);
      return;
    }
    case 'body':
      res.writeHead(behaviour.status ?? 200, { 'content-type': behaviour.contentType });
      res.end(req.method === 'HEAD' ? undefined : behaviour.body);
      return;
    case 'redirect':
      res.writeHead(behaviour.status ?? 302, { location: behaviour.location });
      res.end();
      return;
    case 'reset':
      res.socket?.resetAndDestroy();
      return;
    case 'rewrite':
      throw new Error('rewrite rules are served by rewritten()');
  }
}

/**
 * The recording as the rule rewrites it, always in full: the conditional request headers are
 * dropped and no validators are sent back, so the client parses what it gets.
 */
function rewritten(
  target: URL,
  rewrite: Extract<Behaviour, { kind: 'rewrite' }>['rewrite'],
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const headers = { ...req.headers, host: target.host };
  delete headers['if-none-match'];
  delete headers['if-modified-since'];
  delete headers['accept-encoding'];
  const upstream = http.request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
    (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const out = rewrite(Buffer.concat(chunks), String(answer.headers['content-type'] ?? ''));
        res.writeHead(answer.statusCode ?? 502, {
          'content-type': out.contentType,
          'content-length': String(out.body.length),
        });
        res.end(req.method === 'HEAD' ? undefined : out.body);
      });
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(upstream);
}

function passThrough(target: URL, req: IncomingMessage, res: ServerResponse): void {
  const upstream = http.request(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: target.host },
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(upstream);
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function closer(server: http.Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

export async function startScriptedSource(fixtureOrigin: string): Promise<ScriptedSource> {
  const target = new URL(fixtureOrigin);
  const rules: Rule[] = [];
  const hits: ScriptedSource['hits'] = [];
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    const rule = rules.find((r) => r.remaining > 0 && path.includes(r.match));
    hits.push({ path, at: performance.now(), scripted: rule !== undefined });
    if (!rule) return passThrough(target, req, res);
    rule.remaining -= 1;
    if (rule.behaviour.kind === 'rewrite') return rewritten(target, rule.behaviour.rewrite, req, res);
    return apply(rule.behaviour, req, res);
  });
  const port = await listen(server);
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    hits,
    on(match, behaviour, times = Number.POSITIVE_INFINITY) {
      rules.push({ match, behaviour, remaining: times });
    },
    clear() {
      rules.length = 0;
    },
    hitsOn(fragment) {
      return hits.filter((hit) => hit.path.includes(fragment)).length;
    },
    close: closer(server),
  };
}

/** Stands for every "internal" target: whatever reaches it is a private egress (invariant I5). */
export async function startSentinel(): Promise<Sentinel> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    res.end('internal secret');
  });
  const port = await listen(server);
  return { origin: `http://127.0.0.1:${port}`, port, hits, close: closer(server) };
}
