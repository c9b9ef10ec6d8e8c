import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import type { AppContext } from '../../src/app/context.js';
import { buildWebApp } from '../../src/api/app.js';
import type { WebOptions } from '../../src/api/app.js';
import { createApiToken, createUser } from '../../src/store/users.js';
import type { Role } from '../../src/store/users.js';
import { seedCandidates } from './seed.js';
import type { Seeded } from './seed.js';

export const PASSWORD = 'korrekt-häst-batteri-häftklammer';

export interface Account {
  username: string;
  role: Role;
  token: string;
}

/**
 * One isolated world per test file: the shared harness (own PostgreSQL schema and BullMQ
 * prefix; real Redis and PostgreSQL), the workbench built on it, seeded candidates and one
 * account plus API token per role.
 */
export interface World {
  h: Harness;
  ctx: AppContext;
  app: FastifyInstance;
  seeded: Seeded;
  accounts: Record<Role, Account>;
  close(): Promise<void>;
}

export async function createWorld(options: WebOptions = {}): Promise<World> {
  const h = await createHarness({ workers: false });
  const ctx = await h.app();
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
  const app = await buildWebApp(ctx, { loginRateLimit: { max: 5, windowMs: 60_000 }, ...options });
  return {
    h,
    ctx,
    app,
    seeded,
    accounts,
    async close() {
      await app.close();
      await h.close();
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
  return { cookie, csrf: (me.json() as { csrfToken: string }).csrfToken };
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
    Object.entries({ _csrf: session.csrf, ...fields }).map(([k, v]) => [k, String(v)]),
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
