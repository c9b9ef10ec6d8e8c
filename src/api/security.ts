import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** A fresh nonce per response: scripts and styles without it do not run (CSP Level 3). */
export function newNonce(): string {
  return randomBytes(18).toString('base64');
}

export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "img-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** For JSON and file downloads: nothing may load or run, and nothing may frame it. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export function setSecurityHeaders(reply: FastifyReply, options: { csp: string; https: boolean }): void {
  reply.header('content-security-policy', options.csp);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on our own form posts,
  // which would defeat the Origin check. External sites still get no referrer.
  reply.header('referrer-policy', 'same-origin');
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('cross-origin-resource-policy', 'same-origin');
  reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()');
  // Pages hold unpublished assessments and personal names: never in shared caches.
  reply.header('cache-control', 'no-store');
  if (options.https) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
}

// --- redirect targets -------------------------------------------------------------------------

/**
 * Characters no redirect target may hold: C0 and C1 controls, space and every other Unicode
 * space, zero-width and bidirectional formatting characters, the BOM and backslash. Browsers
 * drop tab and newline anywhere in a URL and read `\` as `/` (WHATWG URL), so `/\t/evil.example`
 * and `/\\evil.example` leave the site although they start with one slash; a line break in a
 * Location header is a 500 at best and a header injection at worst.
 */
const UNSAFE_IN_TARGET =
  // eslint-disable-next-line no-control-regex -- the control characters are what it finds
  /[\u0000-\u0020\u007f-\u00a0\u00ad\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff\\]/;
/** Encoded slash, backslash or control character in the path: refused, however harmless today. */
const ENCODED_IN_PATH = /%(2f|5c|[01][0-9a-f]|7f)/i;

/**
 * The same-site path, query and fragment `value` names, or undefined when it is anything else.
 * The value is parsed as a URL relative to the workbench's own origin and must resolve to that
 * origin; what is returned is the parser's own serialisation of it, never the raw input, so the
 * Location header holds exactly what the comparison saw.
 */
export function sameSiteTarget(value: unknown, ownOrigin: string): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2000) return undefined;
  if (!value.startsWith('/') || UNSAFE_IN_TARGET.test(value)) return undefined;
  const pathPart = value.split(/[?#]/, 1)[0]!;
  if (ENCODED_IN_PATH.test(pathPart)) return undefined;
  let origin: string;
  let parsed: URL;
  try {
    origin = new URL(ownOrigin).origin;
    parsed = new URL(value, origin);
  } catch {
    return undefined;
  }
  if (parsed.origin !== origin) return undefined;
  return `${parsed.pathname}${parsed.search}${parsed.hash}`;
}

// --- cookies ----------------------------------------------------------------------------------

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    // The first occurrence wins (RFC 6265 §5.4: more specific paths come first).
    if (!cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

export interface CookieNames {
  session: string;
}

/**
 * `__Host-` makes the browser refuse the cookie unless it is Secure, host-only and Path=/, so a
 * sibling subdomain cannot plant a session. Plain http (local development, tests) cannot use it.
 */
export function cookieNames(https: boolean): CookieNames {
  return { session: https ? '__Host-horisont-session' : 'horisont-session' };
}

export function serializeCookie(
  name: string,
  value: string,
  options: { https: boolean; maxAgeSeconds?: number; sameSite?: 'Lax' | 'Strict' },
): string {
  const parts = [`${name}=${value}`, 'Path=/', 'HttpOnly', `SameSite=${options.sameSite ?? 'Lax'}`];
  if (options.https) parts.push('Secure');
  if (options.maxAgeSeconds !== undefined) {
    parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`);
  }
  return parts.join('; ');
}

// --- CSRF -------------------------------------------------------------------------------------

export function tokensEqual(a: string | undefined, b: string | undefined): boolean {
  if (typeof a !== 'string' || typeof b !== 'string' || a.length === 0) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type OriginVerdict = { ok: true } | { ok: false; reason: string };

/**
 * The Fetch-metadata / Origin half of CSRF defence (OWASP CSRF Prevention Cheat Sheet): a
 * cross-site request is refused before the token is even looked at. Requests from old clients
 * without either header still need the synchronizer token.
 */
function originOf(value: string): string | undefined {
  try {
    // Normalises default ports and case: `http://Host:80` and `http://host` are one origin.
    return new URL(value).origin;
  } catch {
    return undefined;
  }
}

export function checkOrigin(request: FastifyRequest, expectedOrigin: string): OriginVerdict {
  const expected = originOf(expectedOrigin);
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') {
    return { ok: false, reason: `sec-fetch-site ${site}` };
  }
  const origin = request.headers.origin;
  if (typeof origin === 'string') {
    if (origin === 'null' || originOf(origin) !== expected) return { ok: false, reason: 'origin mismatch' };
    return { ok: true };
  }
  const referer = request.headers.referer;
  if (typeof referer === 'string') {
    if (originOf(referer) !== expected) return { ok: false, reason: 'referer mismatch' };
  }
  return { ok: true };
}
