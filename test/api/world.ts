import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type pg from 'pg';
import { parseEnv } from '../../src/env.js';
import { createLogger } from '../../src/log.js';
import { createDb } from '../../src/store/db.js';
import { runLedger } from '../../src/store/runs.js';
import { migrate } from '../../src/store/migrate.js';
import { Pipeline } from '../../src/queue/pipeline.js';
import { STAGES, NOMINATION_QUEUE } from '../../src/queue/names.js';
import type { AppContext } from '../../src/app/context.js';
import type { HttpClient } from '../../src/fetch/http-client.js';
import { buildWebApp } from '../../src/api/app.js';
import type { WebOptions } from '../../src/api/app.js';
import { createApiToken, createUser } from '../../src/store/users.js';
import type { Role } from '../../src/store/users.js';
import { seedCandidates } from './seed.js';
import { loadAppConfig, syncSources } from '../../src/app/build.js';
import { DEMO_CONFIG } from '../helpers/harness.js';
import type { Seeded } from './seed.js';

export const PASSWORD = 'korrekt-häst-batteri-häftklammer';

export interface Account {
  username: string;
  role: Role;
  token: string;
}

/** Direct SQL on the world's schema. */
export interface Sql {
  query<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/**
 * One isolated world per test file: its own PostgreSQL schema (all migrations applied) and
 * BullMQ prefix on the real Redis and PostgreSQL, the workbench built on it, seeded candidates
 * and one account plus API token per role. The web layer reads only the database and the
 * nomination queue, so the source configuration and HTTP client are not built here: a change
 * to sources elsewhere cannot break these tests.
 */
export interface World {
  h: Sql;
  ctx: AppContext;
  app: FastifyInstance;
  seeded: Seeded;
  accounts: Record<Role, Account>;
  close(): Promise<void>;
}

export interface WorldOptions {
  /**
   * Mirror the demo's sources into the `sources` table, for routes that start scan runs. Off by
   * default, so a change to sources cannot break tests that do not need them.
   */
  sources?: boolean;
}

export async function createWorld(options: WebOptions = {}, world: WorldOptions = {}): Promise<World> {
  const id = randomUUID().replace(/-/g, '').slice(0, 12);
  const env = parseEnv({
    ...process.env,
    HORISONT_DB_SCHEMA: `w_${id}`,
    HORISONT_QUEUE_PREFIX: `w-${id}`,
    NODE_ENV: 'test',
  });
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const db = createDb(
    { url: env.DATABASE_URL, schema: env.HORISONT_DB_SCHEMA, applicationName: 'horisont-web-test' },
    log,
  );
  await migrate(db, env.HORISONT_DB_SCHEMA);
  const pipeline = new Pipeline({
    connection: { url: env.REDIS_URL, maxRetriesPerRequest: null },
    prefix: env.HORISONT_QUEUE_PREFIX,
    db,
    ledger: runLedger,
    log,
    attempts: 1,
    backoff: { baseDelayMs: 100, maxDelayMs: 1000 },
  });
  const ctx: AppContext = {
    // The workbench names sources and describes candidates with the configuration's sources.
    config: await loadAppConfig(env, DEMO_CONFIG),
    http: undefined as unknown as HttpClient,
    db,
    pipeline,
    log,
    reportDir: '/nonexistent',
  };
  const h: Sql = {
    query: async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) =>
      (await db.query<T>(sql, params)).rows,
  };
  if (world.sources) await syncSources(ctx);
  const seeded = await seedCandidates(ctx);
  const accounts = {} as Record<Role, Account>;
  for (const role of ['viewer', 'reviewer', 'admin'] as const) {
    const username = `${role}-test`;
    const user = await createUser(ctx.db, {
      username,
      role,
      password: PASSWORD,
      displayName: { viewer: 'Vera Läsare', reviewer: 'Greta Granskare', admin: 'Adam Admin' }[role],
    });
    accounts[role] = { username, role, token: (await createApiToken(ctx.db, user.id, 'test')).token };
  }
  const app = await buildWebApp(ctx, { loginThrottle: { accountFreeFailures: 5 }, ...options });
  return {
    h,
    ctx,
    app,
    seeded,
    accounts,
    async close() {
      await app.close();
      await pipeline.close();
      await Promise.all(
        [...STAGES, NOMINATION_QUEUE].map(async (name) => {
          const queue = new Queue(name, {
            connection: { url: env.REDIS_URL },
            prefix: env.HORISONT_QUEUE_PREFIX,
          });
          await queue.obliterate({ force: true });
          await queue.close();
        }),
      );
      await db.query(`drop schema if exists ${env.HORISONT_DB_SCHEMA} cascade`);
      await db.end();
    },
  };
}

export interface Session {
  cookie: string;
  csrf: string;
}

export function setCookieOf(response: LightMyRequestResponse): string | undefined {
  const header = response.headers['set-cookie'];
  return Array.isArray(header) ? header[0] : header;
}

export function csrfFrom(body: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(body);
  if (!match) throw new Error('no CSRF token on the page');
  return match[1]!;
}

/** Signs in through the login form like a browser would, returning cookie and CSRF token. */
export async function login(app: FastifyInstance, username: string, password = PASSWORD): Promise<Session> {
  const page = await app.inject({ method: 'GET', url: '/logga-in' });
  const anonymous = setCookieOf(page)!.split(';')[0]!;
  const response = await app.inject({
    method: 'POST',
    url: '/logga-in',
    headers: {
      cookie: anonymous,
      origin: 'http://localhost:80',
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: new URLSearchParams({
      username,
      password,
      _csrf: csrfFrom(page.body),
      next: '/kandidater',
    }).toString(),
  });
  if (response.statusCode !== 303) throw new Error(`login failed: ${response.statusCode}`);
  const cookie = setCookieOf(response)!.split(';')[0]!;
  const me = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie } });
  return { cookie, csrf: me.json<{ csrfToken: string }>().csrfToken };
}

/** Posts a form as the signed-in browser would (same origin, CSRF token in the body). */
export function postForm(
  app: FastifyInstance,
  session: Session,
  url: string,
  fields: Record<string, string | number>,
  headers: Record<string, string> = {},
) {
  const form = new URLSearchParams(
    Object.entries({ _csrf: session.csrf, ...fields }).map(([k, v]): [string, string] => [k, String(v)]),
  );
  return app.inject({
    method: 'POST',
    url,
    headers: {
      cookie: session.cookie,
      origin: 'http://localhost:80',
      'sec-fetch-site': 'same-origin',
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    },
    payload: form.toString(),
  });
}

export function bearer(account: Account): Record<string, string> {
  return { authorization: `Bearer ${account.token}` };
}
