import type { ErrorKind } from '../domain/errors.js';

export type RetryPolicy = 'retry' | 'fail';

/**
 * The one place that decides what a failure means for a job. Transient faults (network,
 * timeouts, 5xx, 429) are retried with exponential backoff honouring Retry-After; everything
 * a retry cannot fix (4xx, parse, schema, a block page, policy refusals) fails at once.
 */
export const RETRY_POLICY: Record<ErrorKind, RetryPolicy> = {
  network: 'retry',
  timeout: 'retry',
  'http-5xx': 'retry',
  'rate-limited': 'retry',
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
  config: 'fail',
};

export interface BackoffSettings {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Exponential backoff with jitter-free doubling; a server's Retry-After wins when longer. */
export function backoffDelay(
  attemptsMade: number,
  retryAfterMs: number | undefined,
  settings: BackoffSettings,
): number {
  const exponential = Math.min(
    settings.maxDelayMs,
    settings.baseDelayMs * 2 ** Math.max(0, attemptsMade - 1),
  );
  return retryAfterMs === undefined ? exponential : Math.min(Math.max(exponential, retryAfterMs), 3_600_000);
}
