import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HorisontError } from '../domain/errors.js';
import { MemoryHostThrottle } from './host-throttle.js';
import { HttpClient } from './http-client.js';
import { RobotsChecker, parseRobotsTxt } from './robots.js';

const BASE = 'https://www.tlv.se';

describe('parseRobotsTxt', () => {
  const text = [
    '\uFEFFUser-agent: *',
    'Disallow: /sok',
    'Disallow: /intern/',
    'Allow: /intern/publikt',
    'Disallow:',
    '',
    '# our own group',
    'user-agent: Horisont/0.1',
    'User-Agent: OtherBot',
    'disallow: /privat  # trailing comment',
    'Disallow: /*.pdf$',
    'Disallow: /arkiv/*/gammal',
    'Allow: /privat/oppet',
    'Disallow: /sök',
    'Crawl-delay: 2',
    '',
    'User-agent: Horisont',
    'Disallow: /extra',
    '',
    'Sitemap: https://www.tlv.se/sitemap.xml',
  ].join('\r\n');
  const ours = parseRobotsTxt(text, 'Horisont');
  const other = parseRobotsTxt(text, 'SomeCrawler');

  it.each([
    ['/', true],
    ['/privat', false],
    ['/privat/oppet/x', true],
    ['/privatliv', false],
    ['/extra/page', false],
    ['/dokument/rapport.pdf', false],
    ['/dokument/rapport.pdf?x=1', true],
    ['/arkiv/2020/gammal/a', false],
    ['/arkiv/2020/ny', true],
    ['/s%C3%B6k?q=x', false],
    ['/s%c3%b6k', false],
    ['/sok', true],
    ['/robots.txt', true],
  ])('our group: %s → %s', (path, allowed) => {
    expect(ours.isAllowed(`${BASE}${path}`)).toBe(allowed);
  });

  it('falls back to the * group for other agents', () => {
    expect(other.isAllowed(`${BASE}/sok`)).toBe(false);
    expect(other.isAllowed(`${BASE}/intern/x`)).toBe(false);
    expect(other.isAllowed(`${BASE}/intern/publikt/y`)).toBe(true);
    expect(other.isAllowed(`${BASE}/privat`)).toBe(true);
  });

  it('reads Crawl-delay of the matched group', () => {
    expect(ours.crawlDelayMs).toBe(2000);
    expect(other.crawlDelayMs).toBeUndefined();
  });

  it('lets Allow win a tie and the longest match win otherwise', () => {
    const tie = parseRobotsTxt('User-agent: *\nDisallow: /a\nAllow: /a\n', 'Horisont');
    expect(tie.isAllowed(`${BASE}/a/b`)).toBe(true);
    const longest = parseRobotsTxt('User-agent: *\nAllow: /a\nDisallow: /a/b\n', 'Horisont');
    expect(longest.isAllowed(`${BASE}/a/b/c`)).toBe(false);
    expect(longest.isAllowed(`${BASE}/a/c`)).toBe(true);
  });

  it('allows everything without rules and ignores rules outside groups', () => {
    expect(parseRobotsTxt('', 'Horisont').isAllowed(`${BASE}/x`)).toBe(true);
    expect(parseRobotsTxt('Disallow: /\n', 'Horisont').isAllowed(`${BASE}/x`)).toBe(true);
  });

  it('matches hostile wildcard patterns without blowing up', () => {
    const hostile = parseRobotsTxt(`User-agent: *\nDisallow: /${'*a'.repeat(500)}b\n`, 'Horisont');
    const started = performance.now();
    expect(hostile.isAllowed(`${BASE}/${'a'.repeat(5000)}`)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('RobotsChecker against a loopback server', () => {
  let server: http.Server;
  let origin = '';
  let client: HttpClient;
  const mode = { value: 'rules' as 'rules' | '404' | '500' };
  let robotsHits = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url !== '/robots.txt') return void res.end('page');
      robotsHits++;
      if (mode.value === '404') {
        res.writeHead(404);
        return void res.end();
      }
      if (mode.value === '500') {
        res.writeHead(500);
        return void res.end();
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.end('User-agent: *\nDisallow: /hemligt\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    origin = `http://127.0.0.1:${port}`;
    client = new HttpClient({
      userAgent: 'Mozilla/5.0 (compatible; Horisont/0.1; +https://github.com/horisont)',
      allowPrivate: [`127.0.0.1:${port}`],
      deadlineMs: 3000,
      connectTimeoutMs: 1000,
      headersTimeoutMs: 2000,
      bodyTimeoutMs: 2000,
      maxBodyBytes: 512 * 1024,
      maxRedirects: 5,
      throttle: new MemoryHostThrottle(),
      minIntervalMs: () => 0,
    });
  });

  afterAll(async () => {
    await client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function checker(now: () => number): RobotsChecker {
    return new RobotsChecker({
      fetch: (url) => client.get(url, { accept: 'text/plain' }),
      productToken: 'Horisont',
      now,
    });
  }

  it('respects Disallow and caches robots.txt for at most 24 h', async () => {
    mode.value = 'rules';
    robotsHits = 0;
    let now = 0;
    const robots = checker(() => now);
    await Promise.all([robots.assertAllowed(`${origin}/ok`), robots.assertAllowed(`${origin}/a`)]);
    await expect(robots.assertAllowed(`${origin}/hemligt/x`)).rejects.toMatchObject({
      kind: 'robots-disallowed',
    });
    expect(robotsHits).toBe(1);
    now += 24 * 60 * 60 * 1000 + 1;
    await robots.assertAllowed(`${origin}/ok`);
    expect(robotsHits).toBe(2);
  });

  it('treats 404 as allow-all and 5xx as disallow-all', async () => {
    mode.value = '404';
    await checker(() => 0).assertAllowed(`${origin}/hemligt/x`);
    mode.value = '500';
    await expect(checker(() => 0).assertAllowed(`${origin}/ok`)).rejects.toMatchObject({
      kind: 'robots-disallowed',
    });
  });

  it('passes a refused server (tls, ssrf-blocked) on with its own kind and remembers nothing', async () => {
    let calls = 0;
    let failure: HorisontError | undefined = new HorisontError(
      'tls',
      `fetch: certificate has expired: ${origin}/robots.txt`,
    );
    const robots = new RobotsChecker({
      fetch: (url) => {
        calls++;
        return failure ? Promise.reject(failure) : client.get(url, { accept: 'text/plain' });
      },
      productToken: 'Horisont',
      now: () => 0,
    });
    await expect(robots.assertAllowed(`${origin}/ok`)).rejects.toMatchObject({ kind: 'tls' });
    failure = new HorisontError('ssrf-blocked', 'fetch: blocked');
    await expect(robots.assertAllowed(`${origin}/ok`)).rejects.toMatchObject({ kind: 'ssrf-blocked' });
    // The certificate is fixed: the very next check reads the file.
    failure = undefined;
    mode.value = 'rules';
    await robots.assertAllowed(`${origin}/ok`);
    expect(calls).toBe(3);
  });

  it('keeps the last good file while robots.txt is unreachable', async () => {
    let now = 0;
    const robots = checker(() => now);
    mode.value = 'rules';
    await robots.assertAllowed(`${origin}/ok`);
    mode.value = '500';
    now += 25 * 60 * 60 * 1000;
    await robots.assertAllowed(`${origin}/ok`);
    await expect(robots.assertAllowed(`${origin}/hemligt`)).rejects.toMatchObject({
      kind: 'robots-disallowed',
    });
  });
});
