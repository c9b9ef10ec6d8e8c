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
  /** 503 Service Unavailable: the server is in trouble (maintenance, overload), not limiting us. */
  'server-error',
  /** 429 Too Many Requests, or our own politeness holding a host back. */
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
  /**
   * A structured source's records no longer carry the fields its adapter needs, or changed type,
   * or far more of them fail than usual: the source's format moved under us (src/sources/drift.ts).
   */
  'schema-drift',
  // the system of record
  /** PostgreSQL aborted the transaction to break a deadlock or a serialisation conflict. */
  'db-conflict',
  /** PostgreSQL could not be reached or refused the connection (down, restarting, out of connections). */
  'db-unavailable',
  /** No space left: PostgreSQL's disk (SQLSTATE 53100) or the report directory's (ENOSPC, EDQUOT). */
  'disk-full',
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

/** SQLSTATEs of a transaction PostgreSQL rolled back to let others go on; running it again succeeds. */
const DB_CONFLICT_CODES: ReadonlySet<string> = new Set(['40001', '40P01']);
/**
 * SQLSTATEs and client error codes meaning the database was not there to ask: connection
 * exceptions (class 08), the server shutting down or starting (57P01–57P03), too many
 * connections (53300), refused or dropped sockets.
 */
const DB_UNAVAILABLE_CODES: ReadonlySet<string> = new Set([
  '53300',
  '57P01',
  '57P02',
  '57P03',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
]);
const DB_UNAVAILABLE_MESSAGE =
  /Connection terminated|not queryable|timeout exceeded when trying to connect|connect ECONNREFUSED|too many clients/i;

/** True when an error says the database could not be reached or refused a connection. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof HorisontError) return error.kind === 'db-unavailable';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (DB_UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  return DB_UNAVAILABLE_MESSAGE.test(error instanceof Error ? error.message : '');
}

/** PostgreSQL's disk_full and the file system's "no space" and "quota exceeded". */
const DISK_FULL_CODES: ReadonlySet<string> = new Set(['53100', 'ENOSPC', 'EDQUOT']);

/**
 * Classifies anything thrown into a kind. Errors of our own carry theirs; the database's
 * conflicts, outages and full disks are told apart by SQLSTATE (the driver's errors are plain
 * objects with a `code`), a full file system by its errno code; everything else is `internal`.
 */
export function errorKindOf(error: unknown): ErrorKind {
  if (error instanceof HorisontError) return error.kind;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && DB_CONFLICT_CODES.has(code)) return 'db-conflict';
  if (typeof code === 'string' && DISK_FULL_CODES.has(code)) return 'disk-full';
  return isDatabaseUnavailable(error) ? 'db-unavailable' : 'internal';
}

export function errorMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
