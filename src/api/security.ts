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
