import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createWorld, login } from './world.js';
import type { Session, World } from './world.js';

// Real PostgreSQL and Redis (harness); the workbench is exercised through inject().
let w: World;
const sessions: Partial<Record<'viewer' | 'reviewer' | 'admin', Session>> = {};

beforeAll(async () => {
  w = await createWorld({}, { sources: true });
  for (const role of ['viewer', 'reviewer', 'admin'] as const) {
    sessions[role] = await login(w.app, `${role}-test`);
  }
});
afterAll(async () => {
  await w?.close();
});

type Who = 'anonymous' | 'viewer' | 'reviewer' | 'admin';
const RANK: Record<Who, number> = { anonymous: -1, viewer: 0, reviewer: 1, admin: 2 };
const MIN: Record<string, number> = { viewer: 0, reviewer: 1, admin: 2 };

interface Endpoint {
  method: 'GET' | 'POST';
  url: (w: World) => string;
  min: 'viewer' | 'reviewer' | 'admin';
  body?: (w: World) => unknown;
}

const API: Endpoint[] = [
  { method: 'GET', url: () => '/api/me', min: 'viewer' },
  { method: 'GET', url: () => '/api/filters', min: 'viewer' },
  { method: 'GET', url: () => '/api/candidates', min: 'viewer' },
  { method: 'GET', url: (x) => `/api/candidates/${x.seeded.optune.id}`, min: 'viewer' },
  { method: 'GET', url: (x) => `/api/candidates/${x.seeded.optune.id}/decisions`, min: 'viewer' },
  { method: 'GET', url: (x) => `/api/candidates/${x.seeded.optune.id}/notes`, min: 'viewer' },
  { method: 'GET', url: (x) => `/api/candidates/${x.seeded.optune.id}/report`, min: 'viewer' },
  { method: 'GET', url: () => '/api/nominations', min: 'viewer' },
  { method: 'GET', url: () => '/api/sources', min: 'viewer' },
  { method: 'GET', url: () => '/api/runs', min: 'viewer' },
  { method: 'GET', url: (x) => `/api/runs/${x.seeded.runId}`, min: 'viewer' },
  { method: 'GET', url: () => '/api/audit', min: 'reviewer' },
  { method: 'GET', url: () => '/api/audit/verify', min: 'admin' },
  { method: 'GET', url: () => '/api/users', min: 'admin' },
  {
    method: 'POST',
    url: (x) => `/api/candidates/${x.seeded.optune.id}/decisions`,
    min: 'reviewer',
    // A valid body, so a refusal can only come from the role check; allowed roles get 201 or 409.
    body: () => ({ action: 'watch', version: 0, clientRequestId: randomUUID() }),
  },
  {
    method: 'POST',
    url: (x) => `/api/candidates/${x.seeded.optune.id}/notes`,
    min: 'reviewer',
    body: () => ({ body: 'Rollmatris', clientRequestId: randomUUID() }),
  },
  {
    method: 'POST',
    url: () => '/api/users',
    min: 'admin',
    body: () => ({
      username: `u-${randomUUID().slice(0, 8)}`,
      role: 'viewer',
      password: 'långt-lösenord-123',
    }),
  },
  {
    method: 'POST',
    url: () => '/api/users/viewer-test/tokens',
    min: 'admin',
    body: () => ({ name: 'matris' }),
  },
  {
    method: 'POST',
    url: (x) => `/api/candidates/${x.seeded.optune.id}/merge`,
    min: 'reviewer',
    // A stale version: allowed roles get 409, so nothing is merged by the matrix.
    body: (x) => ({
      otherId: x.seeded.app.id,
      reason: 'matris',
      version: 'gammal',
      clientRequestId: randomUUID(),
    }),
  },
  {
    method: 'POST',
    url: (x) => `/api/candidates/${x.seeded.optune.id}/split`,
    min: 'reviewer',
    body: () => ({ itemIds: [1], reason: 'matris', version: 'gammal', clientRequestId: randomUUID() }),
  },
  { method: 'GET', url: () => '/api/subscriptions', min: 'viewer' },
  {
    method: 'POST',
    url: () => '/api/subscriptions',
    min: 'viewer',
    body: () => ({ name: 'Rollmatris', channel: 'atom', filter: {} }),
  },
  {
    method: 'POST',
    url: () => '/api/runs',
    min: 'admin',
    body: () => ({ clientRequestId: randomUUID(), sources: ['tlv'] }),
  },
];

const WHO: Who[] = ['anonymous', 'viewer', 'reviewer', 'admin'];

describe('role matrix of the JSON API (bearer tokens)', () => {
  const cases = API.flatMap((endpoint) => WHO.map((who) => ({ endpoint, who })));
  it.each(
    cases.map(
      (c) =>
        [
          `${c.who} ${c.endpoint.method} ${c.endpoint.url({ seeded: { optune: { id: ':id' }, runId: ':id' } } as unknown as World)}`,
          c,
        ] as const,
    ),
  )('%s', async (_name, { endpoint, who }) => {
    const response = await w.app.inject({
      method: endpoint.method,
      url: endpoint.url(w),
      headers: who === 'anonymous' ? {} : bearer(w.accounts[who]),
      ...(endpoint.body ? { payload: endpoint.body(w) as object } : {}),
    });
    if (who === 'anonymous') {
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    } else if (RANK[who] < MIN[endpoint.min]!) {
      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({
        error: { code: 'forbidden', details: { required: endpoint.min } },
      });
    } else {
      expect([200, 201, 202, 409]).toContain(response.statusCode);
    }
  });

  it('refused attempts are in the audit log', async () => {
    const rows = await w.h.query<{
      action: string;
      actor_name: string;
      details: { path: string; required: string };
    }>(
      `select action, actor_name, details from audit_log where action = 'access.denied' and actor_name = 'Vera Läsare'`,
    );
    expect(
      rows.some(
        (r) => r.details.path === '/api/candidates/:id/decisions' && r.details.required === 'reviewer',
      ),
    ).toBe(true);
  });

  it('an unknown or revoked token is refused', async () => {
    const response = await w.app.inject({
      url: '/api/candidates',
      headers: { authorization: 'Bearer hrs_not-a-real-token' },
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toContain('Bearer');
    await w.h.query(
      `update api_tokens set revoked_at = now() where user_id = (select id from users where username = 'viewer-test')`,
    );
    const revoked = await w.app.inject({ url: '/api/candidates', headers: bearer(w.accounts.viewer) });
    expect(revoked.statusCode).toBe(401);
  });
});

describe('role matrix of the pages (cookie sessions)', () => {
  const PAGES: Array<{ url: (w: World) => string; min: 'viewer' | 'reviewer' | 'admin' }> = [
    { url: () => '/kandidater', min: 'viewer' },
    { url: (x) => `/kandidater/${x.seeded.libre.id}`, min: 'viewer' },
    { url: (x) => `/kandidater/${x.seeded.libre.id}/rapport.md`, min: 'viewer' },
    { url: () => '/kallor', min: 'viewer' },
    { url: (x) => `/korningar/${x.seeded.runId}`, min: 'viewer' },
    { url: () => '/prenumerationer', min: 'viewer' },
    { url: () => '/granskningslogg', min: 'reviewer' },
    { url: () => '/admin/anvandare', min: 'admin' },
  ];
  it.each(PAGES.flatMap((page) => WHO.map((who) => [who, page] as const)))(
    '%s GET page',
    async (who, page) => {
      const response = await w.app.inject({
        url: page.url(w),
        headers: who === 'anonymous' ? {} : { cookie: sessions[who]!.cookie },
      });
      if (who === 'anonymous') {
        expect(response.statusCode).toBe(303);
        expect(response.headers.location).toMatch(/^\/logga-in\?next=/);
      } else if (RANK[who] < MIN[page.min]!) {
        expect(response.statusCode).toBe(403);
        expect(response.body).toContain('Åtkomst nekad');
      } else {
        expect(response.statusCode).toBe(200);
      }
    },
  );

  it('a viewer cannot post a decision form (403) and nothing is recorded', async () => {
    const viewer = sessions.viewer!;
    const before = await w.h.query<{ n: number }>('select count(*)::int as n from decisions');
    const response = await w.app.inject({
      method: 'POST',
      url: `/kandidater/${w.seeded.minimed.id}/beslut`,
      headers: {
        cookie: viewer.cookie,
        origin: 'http://localhost:80',
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({
        _csrf: viewer.csrf,
        action: 'watch',
        version: '0',
        client_request_id: randomUUID(),
      }).toString(),
    });
    expect(response.statusCode).toBe(403);
    expect(await w.h.query('select count(*)::int as n from decisions')).toEqual(before);
  });

  it('the viewer sees no decision forms; the reviewer does', async () => {
    const url = `/kandidater/${w.seeded.foundation.id}`;
    const asViewer = await w.app.inject({ url, headers: { cookie: sessions.viewer!.cookie } });
    expect(asViewer.body).not.toContain('/beslut"');
    const asReviewer = await w.app.inject({ url, headers: { cookie: sessions.reviewer!.cookie } });
    expect(asReviewer.body).toContain(`action="/kandidater/${w.seeded.foundation.id}/beslut"`);
  });
});
