import type { LookupAddress, LookupOptions } from 'node:dns';
import http from 'node:http';
import type { AddressInfo, LookupFunction, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HorisontError } from '../domain/errors.js';
import { MemoryHostThrottle } from './host-throttle.js';
import { HttpClient } from './http-client.js';
import {
  assertUrlAllowed,
  guardedConnector,
  guardedLookup,
  isAllowlisted,
  isBlockedAddress,
} from './ssrf-guard.js';

const BLOCKED_LITERALS = [
  '127.0.0.1',
  '[::1]',
  '10.0.0.1',
  '169.254.169.254',
  '0.0.0.0',
  '100.64.0.1',
  '[::ffff:127.0.0.1]',
  '[::ffff:7f00:1]',
  '017700000001',
  '2130706433',
  '127.1',
  '0x7f.1',
  '[64:ff9b::7f00:1]',
  '[2002:7f00:1::]',
  '[fc00::1]',
  '[fe80::1]',
  // beyond the required table
  '172.16.0.1',
  '192.168.1.1',
  '198.18.0.1',
  '224.0.0.1',
  '240.0.0.1',
  '255.255.255.255',
  '[::]',
  '[::7f00:1]',
  '[::a00:1]',
  '[64:ff9b::a9fe:a9fe]',
  '[2002:a9fe:a9fe::]',
  '[ff02::1]',
];

function ssrfKind(fn: () => void): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof HorisontError ? error.kind : 'not-horisont';
  }
  return undefined;
}

describe('isBlockedAddress / assertUrlAllowed', () => {
  it.each(BLOCKED_LITERALS)('blocks http://%s/ before connecting', (literal) => {
    const url = new URL(`http://${literal}/`);
    expect(isBlockedAddress(url.hostname)).toBe(true);
    expect(ssrfKind(() => assertUrlAllowed(url, []))).toBe('ssrf-blocked');
  });

  it.each(['93.184.216.34', '[2606:2800:220:1:248:1893:25c8:1946]', '[64:ff9b::5db8:d822]'])(
    'allows public %s',
    (literal) => {
      const url = new URL(`http://${literal}/`);
      expect(isBlockedAddress(url.hostname)).toBe(false);
      expect(ssrfKind(() => assertUrlAllowed(url, []))).toBeUndefined();
    },
  );

  it('fails closed on anything that is not an address', () => {
    expect(isBlockedAddress('')).toBe(true);
    expect(isBlockedAddress('example.org')).toBe(true);
  });

  it.each(['file:///etc/passwd', 'gopher://example.org/', 'ftp://example.org/', 'data:,x'])(
    'refuses the scheme of %s',
    (href) => {
      expect(ssrfKind(() => assertUrlAllowed(new URL(href), []))).toBe('ssrf-blocked');
    },
  );

  it('refuses localhost names without asking DNS', () => {
    for (const href of ['http://localhost/', 'http://LOCALHOST./', 'http://api.localhost:8080/']) {
      expect(
        ssrfKind(() => assertUrlAllowed(new URL(href), [])),
        href,
      ).toBe('ssrf-blocked');
    }
  });

  it('lets only exact allowlist entries through', () => {
    const allow = ['127.0.0.1:4870', '[::1]:4871', 'fixture.local'];
    expect(isAllowlisted('127.0.0.1', '4870', 'http:', allow)).toBe(true);
    expect(isAllowlisted('127.0.0.1', '4871', 'http:', allow)).toBe(false);
    expect(isAllowlisted('127.0.0.1', '', 'http:', allow)).toBe(false);
    expect(isAllowlisted('[::1]', '4871', 'http:', allow)).toBe(true);
    expect(isAllowlisted('::1', '4871', 'http:', allow)).toBe(true);
    expect(isAllowlisted('fixture.local', '9999', 'https:', allow)).toBe(true);
    expect(isAllowlisted('evil.fixture.local', '80', 'http:', allow)).toBe(false);
    expect(isAllowlisted('127.0.0.1', '80', 'http:', ['127.0.0.1:80'])).toBe(true);
    expect(() => assertUrlAllowed(new URL('http://127.0.0.1:4870/x'), allow)).not.toThrow();
    expect(ssrfKind(() => assertUrlAllowed(new URL('http://127.0.0.1:4871/'), allow))).toBe('ssrf-blocked');
  });
});

function fakeLookup(table: Record<string, string[]>): LookupFunction {
  return (hostname: string, _options: LookupOptions, callback) => {
    const addresses = table[hostname];
    if (addresses === undefined) {
      const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
        code: 'ENOTFOUND',
      });
      return callback(error, []);
    }
    const all: LookupAddress[] = addresses.map((address) => ({
      address,
      family: address.includes(':') ? 6 : 4,
    }));
    return callback(null, all);
  };
}

function lookupOnce(
  lookup: LookupFunction,
  hostname: string,
  options: LookupOptions,
): Promise<LookupAddress[] | string> {
  return new Promise((resolve, reject) => {
    lookup(hostname, options, (err, address) => (err ? reject(err) : resolve(address)));
  });
}

describe('guardedLookup', () => {
  const lookup = guardedLookup(
    fakeLookup({
      'evil.test': ['127.0.0.1'],
      'mixed.test': ['93.184.216.34', '10.0.0.5'],
      'public.test': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
      'mapped.test': ['::ffff:169.254.169.254'],
    }),
  );

  it.each(['evil.test', 'mixed.test', 'mapped.test'])('refuses %s', async (name) => {
    await expect(lookupOnce(lookup, name, { all: true })).rejects.toMatchObject({
      kind: 'ssrf-blocked',
    });
  });

  it('passes public answers through in the shape asked for', async () => {
    expect(await lookupOnce(lookup, 'public.test', { all: true })).toHaveLength(2);
    expect(await lookupOnce(lookup, 'public.test', {})).toBe('93.184.216.34');
  });

  it('refuses localhost as resolved by the system resolver', async () => {
    await expect(lookupOnce(guardedLookup(), 'localhost', { all: true })).rejects.toMatchObject({
      kind: 'ssrf-blocked',
    });
  });
});

describe('connect-time layers against a sentinel server', () => {
  let sentinel: http.Server;
  let port = 0;
  const hits: string[] = [];

  beforeAll(async () => {
    sentinel = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('secret');
    });
    await new Promise<void>((resolve) => sentinel.listen(0, '127.0.0.1', resolve));
    port = (sentinel.address() as AddressInfo).port;
  });

  afterAll(async () => {
    sentinel.closeAllConnections();
    await new Promise((resolve) => sentinel.close(resolve));
  });

  function client(lookup?: LookupFunction): HttpClient {
    return new HttpClient({
      userAgent: 'Horisont-test',
      allowPrivate: [],
      deadlineMs: 3000,
      connectTimeoutMs: 1000,
      headersTimeoutMs: 2000,
      bodyTimeoutMs: 2000,
      maxBodyBytes: 1024,
      maxRedirects: 5,
      throttle: new MemoryHostThrottle(),
      minIntervalMs: () => 0,
      ...(lookup === undefined ? {} : { lookup }),
    });
  }

  it('blocks a name whose injected DNS answer is loopback', async () => {
    const c = client(fakeLookup({ 'evil.test': ['127.0.0.1'] }));
    try {
      const error = (await c.get(`http://evil.test:${port}/secret`).catch((e: unknown) => e)) as {
        kind: string;
        message: string;
      };
      expect(error.kind).toBe('ssrf-blocked');
      expect(error.message).toMatch(/^fetch: .*127\.0\.0\.1/);
      expect(error.message).toContain(`http://evil.test:${port}/secret`);
    } finally {
      await c.close();
    }
    expect(hits).toHaveLength(0);
  });

  it('leaves no gap for DNS rebinding: one lookup per connection, and its answer is the one checked and used', async () => {
    // A rebinding name: public on the first answer, the sentinel's loopback on every later one. A
    // check-then-connect client would pass the check on the first answer and connect on the second.
    let lookups = 0;
    const rebinding: LookupFunction = (hostname, options, callback) => {
      lookups++;
      fakeLookup({ 'rebind.test': [lookups === 1 ? '93.184.216.34' : '127.0.0.1'] })(
        hostname,
        options,
        callback,
      );
    };
    const c = client(rebinding);
    try {
      // The public answer is used as given: a connection to it (unreachable or refused on this
      // port), never to the sentinel.
      const first = (await c.get(`http://rebind.test:${port}/secret`).catch((e: unknown) => e)) as {
        kind: string;
      };
      expect(['network', 'timeout']).toContain(first.kind);
      expect(lookups).toBe(1);
      // The next connection looks up again, sees loopback and is refused before connecting.
      await expect(c.get(`http://rebind.test:${port}/secret`)).rejects.toMatchObject({
        kind: 'ssrf-blocked',
      });
      expect(lookups).toBe(2);
    } finally {
      await c.close();
    }
    expect(hits).toHaveLength(0);
  });

  it('blocks a localhost name', async () => {
    const c = client();
    try {
      await expect(c.get(`http://localhost:${port}/secret`)).rejects.toMatchObject({
        kind: 'ssrf-blocked',
      });
    } finally {
      await c.close();
    }
    expect(hits).toHaveLength(0);
  });

  it('re-checks the peer address after connect (IP literals skip lookup)', async () => {
    const connect = guardedConnector({ allowPrivate: [], connectTimeoutMs: 1000 });
    const result = await new Promise<{ err: Error | null; socket: Socket | null }>((resolve) =>
      connect({ hostname: '127.0.0.1', protocol: 'http:', port: String(port) }, (err, socket) =>
        resolve({ err, socket }),
      ),
    );
    expect(result.socket).toBeNull();
    expect(result.err).toMatchObject({ kind: 'ssrf-blocked' });
    expect(hits).toHaveLength(0);
  });

  it('connects when the host:port is allowlisted', async () => {
    const connect = guardedConnector({
      allowPrivate: [`127.0.0.1:${port}`],
      connectTimeoutMs: 1000,
    });
    const socket = await new Promise<Socket>((resolve, reject) =>
      connect({ hostname: '127.0.0.1', protocol: 'http:', port: String(port) }, (err, s) =>
        err ? reject(err) : resolve(s),
      ),
    );
    expect(socket.remoteAddress).toBe('127.0.0.1');
    socket.destroy();
  });
});
