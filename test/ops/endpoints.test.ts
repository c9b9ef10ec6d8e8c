import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createWorld, login } from '../api/world.js';
import type { Session, World } from '../api/world.js';
import { observeJob, recordFetchedBytes } from '../../src/app/metrics.js';
import { buildWebApp } from '../../src/api/app.js';

// The operations endpoints on the workbench app, on a real PostgreSQL schema and Redis prefix of
// the test's own (test/api/world.ts), exercised through inject().
let w: World;
const sessions: Partial<Record<'viewer' | 'admin', Session>> = {};

beforeAll(async () => {
  w = await createWorld();
  sessions.viewer = await login(w.app, 'viewer-test');
  sessions.admin = await login(w.app, 'admin-test');
  // Some shared state to report: one source that succeeded, one that never did, an open run.
  await w.h.query(
    `insert into sources (id, adapter, enabled, health, last_success_at)
     values ('ops-fresh', 'tlv', true, 'ok', now() - interval '90 seconds'),
            ('ops-never', 'tlv', true, 'failing', null)
     on conflict (id) do update set health = excluded.health, last_success_at = excluded.last_success_at`,
  );
  await w.ctx.pipeline.queues.fetch.add('fetch', { probe: true } as never, {
    jobId: 'ops-probe',
    delay: 60_000,
  });
});
afterAll(async () => {
  await w?.close();
});

describe('/healthz and /readyz', () => {
  it('/healthz answers without a session or any dependency', async () => {
    const response = await w.app.inject({ url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 with each check when Redis and PostgreSQL answer and migrations are current', async () => {
    const response = await w.app.inject({ url: '/readyz' });
    expect(response.statusCode).toBe(200);
    const body = response.json<{
      status: string;
      checks: {
        redis: { ok: boolean };
        postgres: { ok: boolean };
        migrations: { ok: boolean; pending: number[] };
      };
    }>();
    expect(body.status).toBe('ready');
    expect(body.checks.redis.ok).toBe(true);
    expect(body.checks.postgres.ok).toBe(true);
    expect(body.checks.migrations).toEqual({ ok: true, pending: [] });
  });

  it('/readyz is 503 naming the migrations when the schema is behind the code', async () => {
    const [last] = await w.h.query<{ version: number; name: string }>(
      'select version, name from schema_migrations order by version desc limit 1',
    );
    await w.h.query('delete from schema_migrations where version = $1', [last!.version]);
    try {
      const response = await w.app.inject({ url: '/readyz' });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({
        status: 'unready',
        reasons: [`migrations pending: ${last!.version}`],
      });
    } finally {
      await w.h.query('insert into schema_migrations (version, name) values ($1, $2)', [
        last!.version,
        last!.name,
      ]);
    }
  });
});

describe('/metrics', () => {
  it('exposes queue depths, job durations and failures, fetched bytes, freshness and runs by status', async () => {
    observeJob({ stage: 'fetch', sourceId: 'ops-fresh', durationMs: 120, outcome: 'completed' });
    observeJob({
      stage: 'parse',
      sourceId: 'ops-fresh',
      durationMs: 30,
      outcome: 'failed',
      errorKind: 'schema',
      final: true,
    });
    recordFetchedBytes('ops-fresh', 4096);
    const response = await w.app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    const text = response.body;
    expect(text).toMatch(/^horisont_queue_jobs\{queue="fetch",state="delayed"\} 1$/m);
    for (const stage of ['scan', 'fetch', 'parse', 'resolve', 'score', 'report', 'nominations']) {
      expect(text).toContain(`horisont_queue_jobs{queue="${stage}",state="waiting"}`);
    }
    expect(text).toMatch(
      /^horisont_job_duration_seconds_count\{stage="fetch",source="ops-fresh",outcome="completed"\} \d+$/m,
    );
    expect(text).toMatch(
      /^horisont_job_failures_total\{stage="parse",source="ops-fresh",kind="schema",final="true"\} \d+$/m,
    );
    expect(text).toMatch(/^horisont_fetched_bytes_total\{source="ops-fresh"\} \d+$/m);
    const age = /^horisont_source_last_success_age_seconds\{source="ops-fresh"\} ([\d.]+)$/m.exec(text);
    expect(Number(age?.[1])).toBeGreaterThanOrEqual(89);
    expect(Number(age?.[1])).toBeLessThan(600);
    expect(text).toMatch(/^horisont_source_last_success_age_seconds\{source="ops-never"\} \+Inf$/m);
    expect(text).toMatch(/^horisont_source_health\{source="ops-never",health="failing"\} 1$/m);
    // The seeded world has one completed run.
    expect(text).toMatch(/^horisont_runs\{status="completed"\} [1-9]\d*$/m);
    expect(text).toMatch(/^horisont_runs\{status="running"\} \d+$/m);
    expect(text).toMatch(/^horisont_up\{dependency="redis"\} 1$/m);
    expect(text).toMatch(/^horisont_up\{dependency="postgres"\} 1$/m);
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('without HORISONT_METRICS_TOKEN it serves direct loopback requests only', async () => {
    const remote = await w.app.inject({ url: '/metrics', remoteAddress: '10.1.2.3' });
    expect(remote.statusCode).toBe(403);
    // A reverse proxy on this machine forwards from loopback, but says so.
    const proxied = await w.app.inject({ url: '/metrics', headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(proxied.statusCode).toBe(403);
    // A viewer is not enough; an admin may look from anywhere.
    const viewer = await w.app.inject({
      url: '/metrics',
      remoteAddress: '10.1.2.3',
      headers: bearer(w.accounts.viewer),
    });
    expect(viewer.statusCode).toBe(403);
    const admin = await w.app.inject({
      url: '/metrics',
      remoteAddress: '10.1.2.3',
      headers: bearer(w.accounts.admin),
    });
    expect(admin.statusCode).toBe(200);
  });

  it('with HORISONT_METRICS_TOKEN it wants the token as the Basic password, from anywhere', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const app = await buildWebApp(w.ctx, {});
    const previous = process.env.HORISONT_METRICS_TOKEN;
    process.env.HORISONT_METRICS_TOKEN = token;
    let guarded: Awaited<ReturnType<typeof buildWebApp>> | undefined;
    try {
      guarded = await buildWebApp(w.ctx, {});
    } finally {
      if (previous === undefined) delete process.env.HORISONT_METRICS_TOKEN;
      else process.env.HORISONT_METRICS_TOKEN = previous;
    }
    try {
      const basic = (password: string) => ({
        authorization: `Basic ${Buffer.from(`prometheus:${password}`).toString('base64')}`,
      });
      const none = await guarded.inject({ url: '/metrics' });
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toContain('Basic');
      const wrong = await guarded.inject({ url: '/metrics', headers: basic('not-the-token-at-all') });
      expect(wrong.statusCode).toBe(401);
      const right = await guarded.inject({
        url: '/metrics',
        remoteAddress: '10.1.2.3',
        headers: basic(token),
      });
      expect(right.statusCode).toBe(200);
      expect(right.body).toContain('horisont_queue_jobs');
      // The open app built without the token is unaffected.
      expect((await app.inject({ url: '/metrics' })).statusCode).toBe(200);
    } finally {
      await guarded.close();
      await app.close();
    }
  });
});

describe('/admin/queues (Bull Board)', () => {
  it('sends the anonymous to sign in and refuses a viewer', async () => {
    const anonymous = await w.app.inject({ url: '/admin/queues' });
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe('/logga-in?next=%2Fadmin%2Fqueues');
    const anonymousApi = await w.app.inject({ url: '/admin/queues/api/queues' });
    expect(anonymousApi.statusCode).toBe(303);
    for (const url of ['/admin/queues', '/admin/queues/api/queues', '/admin/queues/static/images/logo.svg']) {
      const viewer = await w.app.inject({ url, headers: { cookie: sessions.viewer!.cookie } });
      expect(viewer.statusCode, url).toBe(403);
      expect(viewer.body).not.toContain('"queues"');
      const viewerToken = await w.app.inject({ url, headers: bearer(w.accounts.viewer) });
      expect(viewerToken.statusCode, url).toBe(403);
    }
    const reviewer = await w.app.inject({ url: '/admin/queues', headers: bearer(w.accounts.reviewer) });
    expect(reviewer.statusCode).toBe(403);
  });

  it('serves an admin the board page with nonced scripts under its own CSP', async () => {
    const response = await w.app.inject({
      url: '/admin/queues',
      headers: { cookie: sessions.admin!.cookie },
    });
    expect(response.statusCode).toBe(200);
    const csp = String(response.headers['content-security-policy']);
    const nonce = /script-src 'nonce-([^']+)' 'strict-dynamic'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("frame-ancestors 'none'");
    const scripts = [...response.body.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.length).toBeGreaterThan(1);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    expect(response.body).toContain('<base href="/admin/queues/"');
    expect(response.body).not.toContain('fonts.googleapis.com');
    expect(response.body).not.toContain('<%');
    expect(response.body).not.toMatch(/\sstyle="/);
    // Deep links into the board render the same page.
    const deep = await w.app.inject({ url: '/admin/queues/queue/fetch', headers: bearer(w.accounts.admin) });
    expect(deep.statusCode).toBe(200);
  });

  it('serves an admin its static assets and the read-only queue API', async () => {
    const page = await w.app.inject({ url: '/admin/queues', headers: bearer(w.accounts.admin) });
    const script = /src="(static\/js\/main\.[^"]+\.js)"/.exec(page.body)?.[1];
    expect(script).toBeTruthy();
    const js = await w.app.inject({ url: `/admin/queues/${script!}`, headers: bearer(w.accounts.admin) });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toContain('javascript');
    for (const url of [
      '/admin/queues/static/../../../package.json',
      '/admin/queues/static/%2e%2e/%2e%2e/package.json',
      '/admin/queues/static/index.ejs',
    ]) {
      const escaped = await w.app.inject({ url, headers: bearer(w.accounts.admin) });
      expect(escaped.statusCode, url).toBe(404);
    }

    const api = await w.app.inject({ url: '/admin/queues/api/queues', headers: bearer(w.accounts.admin) });
    expect(api.statusCode).toBe(200);
    const body = api.json<{ queues: Array<{ name: string; readOnlyMode: boolean }> }>();
    expect(body.queues.map((q) => q.name).sort()).toEqual(
      ['fetch', 'nominations', 'parse', 'report', 'resolve', 'scan', 'score'].sort(),
    );
    expect(body.queues.every((q) => q.readOnlyMode)).toBe(true);

    // The board's state-changing endpoints do not exist, for an admin either.
    for (const [method, url] of [
      ['PUT', '/admin/queues/api/queues/pause'],
      ['PUT', '/admin/queues/api/queues/fetch/clean/delayed'],
      ['PUT', '/admin/queues/api/queues/fetch/obliterate'],
      ['POST', '/admin/queues/api/queues/fetch/add'],
    ] as const) {
      const response = await w.app.inject({ method, url, headers: bearer(w.accounts.admin), payload: {} });
      expect(response.statusCode, url).toBe(404);
    }
    expect(await w.ctx.pipeline.queues.fetch.getJob('ops-probe')).toBeTruthy();
  });
});
