/**
 * The closed set of failure kinds. Every failure anywhere in the pipeline is classified as one
 * of these; `src/queue/retry-policy.ts` maps each kind to a retry policy in one place.
 */
export const ERROR_KINDS = [
  // transport
  'network',
  'timeout',
  'tls',
  'http-4xx',
  'http-5xx',
  'rate-limited',
  'too-large',
  'too-many-redirects',
  'ssrf-blocked',
  'robots-disallowed',
  // content
  'empty-body',
  'blocked',
  'parse',
  'layout-changed',
  'schema',
  // our own
  'config',
  'internal',
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

export function isErrorKind(value: unknown): value is ErrorKind {
  return typeof value === 'string' && (ERROR_KINDS as readonly string[]).includes(value);
}

export interface HorisontErrorOptions {
  cause?: unknown;
  /** Server-requested delay before the next attempt (429/503 Retry-After), in ms. */
  retryAfterMs?: number;
  /** HTTP status, when the failure came from a response. */
  status?: number;
}

/**
 * An error with a `kind` discriminant. Messages start with the component that raised them
 * (`fetch: …`, `parse(sbu-publications): …`) and never include response bodies.
 */
export class HorisontError extends Error {
  readonly kind: ErrorKind;
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;

  constructor(kind: ErrorKind, message: string, options: HorisontErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HorisontError';
    this.kind = kind;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
  }
}

/** Classifies anything thrown into a kind; unknown errors are `internal`. */
export function errorKindOf(error: unknown): ErrorKind {
  return error instanceof HorisontError ? error.kind : 'internal';
}

export function errorMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
