import { HorisontError, errorKindOf } from '../domain/errors.js';
import type { FetchOutcome } from './http-client.js';
import type { ErrorKind } from '../domain/errors.js';

/**
 * robots.txt per RFC 9309. Written here rather than pulled in as a dependency because the part we
 * need is small and the failure semantics (what an unreachable robots.txt means) are the part that
 * matters and that crawlers get wrong.
 */

export interface RobotsPolicy {
  /** Whether the path and query of `url` may be fetched. */
  isAllowed(url: URL | string): boolean;
  /** Non-standard `Crawl-delay` of the matched group, for callers that want to honour it. */
  readonly crawlDelayMs: number | undefined;
}

/** RFC 9309 §2.5: crawlers must parse at least 500 KiB; anything beyond may be ignored. */
export const ROBOTS_PARSE_LIMIT_BYTES = 512 * 1024;

/** Longest accepted pattern; longer lines are junk and only cost matching time. */
const MAX_PATTERN_LENGTH = 2048;

interface Rule {
  allow: boolean;
  pattern: string;
  anchored: boolean;
  /** Length used for "most specific match wins" (RFC 9309 §2.2.2), in octets of the pattern. */
  specificity: number;
}

interface Group {
  agents: string[];
  rules: Rule[];
  crawlDelayMs: number | undefined;
}

class Policy implements RobotsPolicy {
  constructor(
    private readonly rules: readonly Rule[],
    readonly crawlDelayMs: number | undefined,
  ) {}

  isAllowed(url: URL | string): boolean {
    const parsed = typeof url === 'string' ? new URL(url) : url;
    const target = normalizeEncoding(parsed.pathname + parsed.search);
    // §2.2.2: /robots.txt itself is always allowed.
    if (parsed.pathname === '/robots.txt') return true;
    let best: Rule | undefined;
    for (const rule of this.rules) {
      if (!matches(target, rule)) continue;
      if (
        best === undefined ||
        rule.specificity > best.specificity ||
        (rule.specificity === best.specificity && rule.allow && !best.allow)
      ) {
        best = rule;
      }
    }
    return best === undefined || best.allow;
  }
}

export const ALLOW_ALL: RobotsPolicy = new Policy([], undefined);
export const DISALLOW_ALL: RobotsPolicy = new Policy(
  [{ allow: false, pattern: '/', anchored: false, specificity: 1 }],
  undefined,
);

/**
 * Parses robots.txt for one crawler. `productToken` is the name in our User-Agent (`Horisont`);
 * a group applies when one of its `User-agent` lines names it case-insensitively, otherwise the
 * `*` groups apply, otherwise nothing is restricted.
 */
export function parseRobotsTxt(text: string, productToken: string): RobotsPolicy {
  const token = productToken.toLowerCase();
  const groups: Group[] = [];
  let current: Group | undefined;
  let lastWasAgent = false;

  const body = text.length > ROBOTS_PARSE_LIMIT_BYTES ? text.slice(0, ROBOTS_PARSE_LIMIT_BYTES) : text;
  for (const rawLine of body.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    const line = rawLine.replace(/#.*$/, '').trim();
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();

    if (key === 'user-agent') {
      if (current === undefined || !lastWasAgent) {
        current = { agents: [], rules: [], crawlDelayMs: undefined };
        groups.push(current);
      }
      current.agents.push(agentToken(value));
      lastWasAgent = true;
      continue;
    }
    lastWasAgent = false;
    // Rules before any User-agent line belong to no group (§2.1).
    if (current === undefined) continue;

    if (key === 'allow' || key === 'disallow') {
      // An empty Disallow means "nothing disallowed"; it must not match everything.
      if (value === '' || value.length > MAX_PATTERN_LENGTH) continue;
      current.rules.push(compileRule(key === 'allow', value));
    } else if (key === 'crawl-delay') {
      const seconds = Number(value);
      if (Number.isFinite(seconds) && seconds >= 0) current.crawlDelayMs = seconds * 1000;
    }
  }

  const own = groups.filter((g) => g.agents.includes(token));
  const chosen = own.length > 0 ? own : groups.filter((g) => g.agents.includes('*'));
  // §2.2.1: several groups for the same agent are combined into one.
  const rules = chosen.flatMap((g) => g.rules);
  const delays = chosen.map((g) => g.crawlDelayMs).filter((d): d is number => d !== undefined);
  return new Policy(rules, delays.length > 0 ? Math.max(...delays) : undefined);
}

/** `Googlebot/2.1 (+http://…)` → `googlebot`; `*` stays `*`. */
function agentToken(value: string): string {
  if (value.startsWith('*')) return '*';
  const match = /^[A-Za-z_-]+/.exec(value);
  return (match?.[0] ?? value).toLowerCase();
}

function compileRule(allow: boolean, value: string): Rule {
  const anchored = value.endsWith('$');
  const raw = anchored ? value.slice(0, -1) : value;
  const pattern = normalizeEncoding(raw).replace(/\*+/g, '*');
  return { allow, pattern, anchored, specificity: Buffer.byteLength(value) };
}

/**
 * Brings patterns and paths to one encoding (§2.2.2): non-ASCII characters such as `å` and `ö` in
 * Swedish paths are percent-encoded as UTF-8 and hex digits upper-cased, so `Disallow: /sök`
 * matches `/s%C3%B6k` and `/s%c3%b6k`.
 */
function normalizeEncoding(value: string): string {
  return value
    .replace(/[^\x21-\x7e]/gu, (ch) => percentEncode(ch))
    .replace(/%[0-9a-f]{2}/gi, (hex) => hex.toUpperCase());
}

/** Like encodeURIComponent, but a lone surrogate becomes U+FFFD instead of throwing. */
function percentEncode(ch: string): string {
  let out = '';
  for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/**
 * Wildcard match without regular expressions: the greedy two-pointer algorithm is O(n·m) at worst,
 * so a hostile robots.txt with `*a*a*a…` patterns cannot cause catastrophic backtracking.
 */
function matches(target: string, rule: Rule): boolean {
  const pattern = rule.anchored ? rule.pattern : `${rule.pattern}*`;
  let t = 0;
  let p = 0;
  let star = -1;
  let mark = 0;
  while (t < target.length) {
    const pc = pattern[p];
    if (pc !== undefined && pc !== '*' && pc === target[t]) {
      t++;
      p++;
    } else if (pc === '*') {
      star = p++;
      mark = t;
    } else if (star !== -1) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

export interface RobotsCheckerOptions {
  /**
   * Fetches a robots.txt URL; normally `(url) => client.get(url, { accept: 'text/plain' })` on the
   * guarded HttpClient, so robots.txt gets the same SSRF, size and politeness limits (and its
   * redirects, at least five per §2.3.1.2, are followed there). Give that client a body cap of at
   * least ROBOTS_PARSE_LIMIT_BYTES, or large files count as unreachable.
   */
  fetch: (url: string) => Promise<FetchOutcome>;
  /** The product token in our User-Agent, e.g. `Horisont`. */
  productToken: string;
  /** How long a fetched robots.txt is trusted. §2.4: at most 24 h. */
  ttlMs?: number;
  /** How long an unreachable robots.txt is remembered before it is tried again. */
  unreachableTtlMs?: number;
  now?: () => number;
}

interface CacheEntry {
  policy: RobotsPolicy;
  expiresAt: number;
  /** Whether `policy` came from an actual robots.txt (and may stand in while it is unreachable). */
  fromFile: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Per-origin robots.txt cache with the RFC 9309 failure semantics. */
const REFUSALS: ReadonlySet<ErrorKind> = new Set<ErrorKind>(['tls', 'ssrf-blocked']);

export class RobotsChecker {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<RobotsPolicy>>();
  private readonly ttlMs: number;
  private readonly unreachableTtlMs: number;
  private readonly now: () => number;

  constructor(private readonly options: RobotsCheckerOptions) {
    this.ttlMs = Math.min(options.ttlMs ?? DAY_MS, DAY_MS);
    this.unreachableTtlMs = options.unreachableTtlMs ?? 60 * 60 * 1000;
    this.now = options.now ?? Date.now;
  }

  /** Throws `robots-disallowed` when robots.txt of the URL's origin forbids it. */
  async assertAllowed(url: string): Promise<void> {
    const policy = await this.policyFor(url);
    if (!policy.isAllowed(url)) {
      // DISALLOW_ALL stands only for an unreachable robots.txt; a file never parses to it.
      const why =
        policy === DISALLOW_ALL
          ? 'robots.txt could not be read (5xx or unreachable), which means disallow all (RFC 9309)'
          : 'disallowed by robots.txt';
      throw new HorisontError('robots-disallowed', `fetch: ${why}: ${url}`);
    }
  }

  async policyFor(url: string): Promise<RobotsPolicy> {
    const origin = new URL(url).origin;
    const cached = this.cache.get(origin);
    if (cached !== undefined && cached.expiresAt > this.now()) return cached.policy;
    // Concurrent checks for one origin share one robots.txt request.
    let pending = this.inFlight.get(origin);
    if (pending === undefined) {
      pending = this.refresh(origin, cached).finally(() => this.inFlight.delete(origin));
      this.inFlight.set(origin, pending);
    }
    return pending;
  }

  private async refresh(origin: string, previous: CacheEntry | undefined): Promise<RobotsPolicy> {
    const entry = await this.load(origin, previous);
    this.cache.set(origin, entry);
    return entry.policy;
  }

  private async load(origin: string, previous: CacheEntry | undefined): Promise<CacheEntry> {
    const now = this.now();
    try {
      const outcome = await this.options.fetch(`${origin}/robots.txt`);
      if (outcome.kind === 'not-modified' && previous?.fromFile === true) {
        return { ...previous, expiresAt: now + this.ttlMs };
      }
      if (outcome.kind === 'fetched') {
        const text = outcome.body.subarray(0, ROBOTS_PARSE_LIMIT_BYTES).toString('utf8');
        return {
          policy: parseRobotsTxt(text, this.options.productToken),
          expiresAt: now + this.ttlMs,
          fromFile: true,
        };
      }
    } catch (error) {
      const kind = errorKindOf(error);
      // Refusing the server (a certificate we cannot trust, an address the SSRF policy forbids) is
      // not the server being unreachable: say so with the real kind, which the page would meet
      // too, and remember nothing, so a fixed certificate is used at once and not an hour later.
      if (REFUSALS.has(kind)) throw error;
      // §2.3.1.3: 4xx means "unavailable", and the crawler may access everything. §2.3.1.2: beyond
      // the redirects we follow, the file may also be treated as unavailable. 429 is excluded:
      // it says the server is overloaded, which is the "unreachable" case.
      if (kind === 'http-4xx' || kind === 'too-many-redirects') {
        return { policy: ALLOW_ALL, expiresAt: now + this.ttlMs, fromFile: false };
      }
    }
    // §2.3.1.4: server errors, network failures and anything else we could not read mean complete
    // disallow; a previously fetched file may stand in while the server is unreachable (§2.4).
    if (previous?.fromFile === true) {
      return { ...previous, expiresAt: now + this.unreachableTtlMs };
    }
    return { policy: DISALLOW_ALL, expiresAt: now + this.unreachableTtlMs, fromFile: false };
  }
}
