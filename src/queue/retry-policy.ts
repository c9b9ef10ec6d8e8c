import type { ErrorKind } from '../domain/errors.js';

export type RetryPolicy = 'retry' | 'fail';

/**
 * The one place that decides what a failure means for a job. Transient faults (network,
 * timeouts, 5xx and 503, 429, a deadlock, the database out of reach, a full disk) are retried with exponential backoff, or after Retry-After when given; everything
 * a retry cannot fix (4xx, parse, schema, a block page, policy refusals) fails at once.
 */
export const RETRY_POLICY: Record<ErrorKind, RetryPolicy> = {
  network: 'retry',
  timeout: 'retry',
  'http-5xx': 'retry',
  'server-error': 'retry',
  'rate-limited': 'retry',
  'db-conflict': 'retry',
  'db-unavailable': 'retry',
  'disk-full': 'retry',
  internal: 'retry',
  tls: 'fail',
  'http-4xx': 'fail',
  'too-large': 'fail',
  'too-many-redirects': 'fail',
  'ssrf-blocked': 'fail',
  'robots-disallowed': 'fail',
  'empty-body': 'fail',
  blocked: 'fail',
  parse: 'fail',
  'layout-changed': 'fail',
  schema: 'fail',
  'schema-drift': 'fail',
  config: 'fail',
};

export interface BackoffSettings {
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Exponential backoff with jitter-free doubling, unless the server said when to come back: its
 * Retry-After is the delay then (at most an hour), shorter or longer than ours. Taking the longer
 * of the two turned a 503 with `Retry-After: 1` into a 5 s pause (the production base delay), and
 * in the W5 night that one retry made its host the last to answer, 1.6 s after the busiest one.
 */
export function backoffDelay(
  attemptsMade: number,
  retryAfterMs: number | undefined,
  settings: BackoffSettings,
): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), 3_600_000);
  return Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.max(0, attemptsMade - 1));
}
