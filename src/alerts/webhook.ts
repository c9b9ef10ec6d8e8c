import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import net from 'node:net';
import { HorisontError } from '../domain/errors.js';
import type { HttpClient } from '../fetch/http-client.js';
import { assertUrlAllowed, guardedLookup, isAllowlisted, ssrfError } from '../fetch/ssrf-guard.js';

/** A Standard Webhooks secret: `whsec_` and 24 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` (Standard Webhooks). */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** What a receiver does; used by the tests and documented for NPO systems. */
export function verifyWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  toleranceSeconds = 300,
  now = Date.now(),
): boolean {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sig = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof sig !== 'string') return false;
  const timestamp = Number(ts);
  if (!Number.isInteger(timestamp) || Math.abs(now / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, id, timestamp, body));
  return sig.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/**
 * Checked when a webhook is saved: http(s) only, https unless the host is allowlisted (test
 * receivers), and neither the literal host nor any address its name resolves to may be private.
 * The guarded client checks again at every delivery, so a name that later resolves to a private
 * address is refused then too.
 */
export async function assertWebhookUrlAllowed(
  value: string,
  allowPrivate: readonly string[],
  lookup: LookupFunction = dns.lookup,
): Promise<URL> {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new HorisontError('parse', 'webhook: ogiltig URL');
  }
  const allowlisted = isAllowlisted(url.hostname, url.port, url.protocol, allowPrivate);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowlisted)) {
    throw ssrfError(`webhook: only https URLs are accepted: ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new HorisontError('parse', 'webhook: URL with user name or password refused');
  }
  assertUrlAllowed(url, [...allowPrivate]);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (allowlisted || net.isIP(host) !== 0) return url;
  const check = guardedLookup(lookup);
  await new Promise<void>((resolve, reject) => {
    check(host, { all: true }, (err) =>
      err
        ? reject(
            err instanceof HorisontError
              ? err
              : new HorisontError('network', `webhook: ${host} could not be resolved`, { cause: err }),
          )
        : resolve(),
    );
  });
  return url;
}

export interface WebhookDelivery {
  url: string;
  secret: string;
  /** Stable across retries: the receiver's idempotency key. */
  id: string;
  body: string;
}

/** One signed POST through the guarded client; throws a classified HorisontError on failure. */
export async function postWebhook(
  http: HttpClient,
  delivery: WebhookDelivery,
  options: { timeoutMs: number; now?: () => number },
): Promise<number> {
  const timestamp = Math.floor((options.now ?? Date.now)() / 1000);
  const result = await http.post(delivery.url, {
    deadlineMs: options.timeoutMs,
    body: delivery.body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': delivery.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(delivery.secret, delivery.id, timestamp, delivery.body),
    },
  });
  return result.status;
}
