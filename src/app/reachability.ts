import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { connectOnce } from '../store/db.js';
import { errorMessageOf } from '../domain/errors.js';
import type { Logger } from '../log.js';

/** The two servers every command needs, and the fixture server a world scanning recordings reads. */
export type Service = 'postgres' | 'redis' | 'fixtures';

/** How long a probe waits for a server before it counts as unreachable (a command answers within 5 s). */
export const PROBE_TIMEOUT_MS = 3_000;

/** A URL fit for a message: any password replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
}

export interface Unreachable {
  service: Service;
  url: string;
  reason: string;
}

const HOW_TO_START: Record<Service, { name: string; variable: string; lines: string[] }> = {
  postgres: {
    name: 'PostgreSQL',
    variable: 'DATABASE_URL',
    lines: [
      'docker compose up -d postgres',
      'Debian/Ubuntu: sudo apt-get install postgresql && sudo systemctl start postgresql',
      'macOS (Homebrew): brew install postgresql@16 && brew services start postgresql@16',
    ],
  },
  redis: {
    name: 'Redis',
    variable: 'REDIS_URL',
    lines: [
      'docker compose up -d redis',
      'Debian/Ubuntu: sudo apt-get install redis-server && sudo systemctl start redis-server',
      'macOS (Homebrew): brew install redis && brew services start redis',
    ],
  },
  fixtures: {
    name: 'fixturservern (fixture server)',
    variable: 'HORISONT_FIXTURE_ORIGIN',
    lines: ['npx horisont fixtures serve   (i en egen terminal / in a terminal of its own; port 4870)'],
  },
};

/** The Swedish and English message for servers that did not answer, with ways to start them. */
export function unreachableMessage(problems: Unreachable[]): string {
  const lines: string[] = [];
  for (const problem of problems) {
    const how = HOW_TO_START[problem.service];
    lines.push(
      `Horisont når inte ${how.name} på ${redactUrl(problem.url)} (${problem.reason}).`,
      `Horisont cannot reach ${how.name} at ${redactUrl(problem.url)}.`,
      'Starta den / start it:',
      ...how.lines.map((line) => `  - ${line}`),
      `  - eller peka ${how.variable} på en server som körs / or point ${how.variable} at a running server`,
      '',
    );
  }
  return lines.join('\n').trimEnd();
}

export class ServiceUnreachableError extends Error {
  constructor(readonly problems: Unreachable[]) {
    super(unreachableMessage(problems));
    this.name = 'ServiceUnreachableError';
  }
}

function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

/**
 * Undefined when PostgreSQL answers at `url`; the reason otherwise. A server that answers but
 * refuses (wrong password, unknown database) is reachable: that error surfaces where it occurs.
 */
export async function probePostgres(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<string | undefined> {
  const error = await connectOnce(url, timeoutMs);
  if (error === undefined) return undefined;
  const code = (error as { code?: unknown }).code;
  // SQLSTATE codes (28P01 auth, 3D000 no database, …) come from a server that answered.
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08')) return undefined;
  return reasonOf(error);
}

/** Undefined when Redis answers PING at `url` (or asks for a password); the reason otherwise. */
export async function probeRedis(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<string | undefined> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    // A failed socket otherwise holds the process for ioredis's default 2 s before exit.
    disconnectTimeout: 50,
  });
  // With no retries, connect() only says "Connection is closed"; the cause arrives as an event.
  let cause: unknown;
  client.on('error', (error) => {
    cause ??= error;
  });
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    const reason = reasonOf(cause ?? error);
    return /NOAUTH|WRONGPASS|LOADING/.test(reason) ? undefined : reason;
  } finally {
    client.disconnect();
  }
}

/** Undefined when something accepts a TCP connection at the HTTP origin `url`; the reason otherwise. */
export async function probeOrigin(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<string | undefined> {
  const { hostname, port, protocol } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({
      host: hostname.replace(/^\[|\]$/g, ''),
      port: Number(port || (protocol === 'https:' ? 443 : 80)),
    });
    const done = (reason: string | undefined) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (error) => done(reasonOf(error)));
  });
}

/** Which of the given servers do not answer, probed in parallel. */
export async function unreachableServices(
  urls: Partial<Record<Service, string>>,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<Unreachable[]> {
  const probes = { postgres: probePostgres, redis: probeRedis, fixtures: probeOrigin };
  const results = await Promise.all(
    (Object.entries(urls) as [Service, string][]).map(async ([service, url]) => {
      const reason = await probes[service](url, timeoutMs);
      return reason === undefined ? undefined : { service, url, reason };
    }),
  );
  return results.filter((result) => result !== undefined);
}

/**
 * Fails fast, with a message that says what to start, when a server a command needs does not
 * answer: without it ioredis retries forever and the command hangs.
 */
export async function assertReachable(
  env: { DATABASE_URL: string; REDIS_URL: string; HORISONT_FIXTURE_ORIGIN?: string | undefined },
  services: readonly Service[],
): Promise<void> {
  const urls: Partial<Record<Service, string>> = {};
  if (services.includes('postgres')) urls.postgres = env.DATABASE_URL;
  if (services.includes('redis')) urls.redis = env.REDIS_URL;
  // A world that scans recordings (the demo's env file names one) fetches nothing else.
  if (services.includes('fixtures') && env.HORISONT_FIXTURE_ORIGIN) {
    urls.fixtures = env.HORISONT_FIXTURE_ORIGIN;
  }
  const problems = await unreachableServices(urls);
  if (problems.length > 0) throw new ServiceUnreachableError(problems);
}

/**
 * SQLSTATEs of a server that answers but takes no connection for now: every slot taken (53300),
 * starting up or recovering after a crash (57P03).
 */
const NO_SLOT_YET: ReadonlySet<string> = new Set(['53300', '57P03']);

/**
 * Waits while PostgreSQL answers but takes no connection yet, so a service started then waits
 * for a slot instead of exiting and being restarted in a loop by its supervisor. Any other
 * outcome returns at once: the caller's own connection reports it.
 */
export async function waitForPostgresSlot(url: string, log: Logger, maxDelayMs = 5_000): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const error = await connectOnce(url, PROBE_TIMEOUT_MS); // eslint-disable-line no-await-in-loop
    if (error === undefined) {
      if (attempt > 1) log.info({ attempts: attempt }, 'start: a database connection is free');
      return;
    }
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || !NO_SLOT_YET.has(code)) return;
    log.warn(
      { err: errorMessageOf(error), code, error_kind: 'db-unavailable', attempt },
      'start: waiting for a database connection',
    );
    // eslint-disable-next-line no-await-in-loop
    await sleep(Math.min(maxDelayMs, 250 * 2 ** attempt));
  }
}
