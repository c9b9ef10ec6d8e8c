import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createWorld, csrfFrom, login, postForm } from './world.js';
import type { Session, World } from './world.js';

// "Skanna nu": an admin starts a scan run from the workbench. Real PostgreSQL and Redis; the
// demo sources are configured but no worker runs, so the run's jobs stay on the queue. Redis
// down is the fault suite's Q7 (test/fault/redis.test.ts).
let w: World;
let admin: Session;
let reviewer: Session;

beforeAll(async () => {
  w = await createWorld({}, { sources: true });
  admin = await login(w.app, 'admin-test');
  reviewer = await login(w.app, 'reviewer-test');
});
afterAll(async () => {
  await w?.close();
});

async function runsStartedFromTheWorkbench() {
  return w.h.query<{ id: string; sources: number; jobs: number }>(
    `select r.id, (select count(*)::int from run_sources s where s.run_id = r.id) as sources,
            (select count(*)::int from run_jobs j where j.run_id = r.id) as jobs
     from runs r where r.trigger = 'workbench' order by r.started_at`,
  );
}

describe('Skanna nu', () => {
  it('starts a run of every enabled source: recorded in PostgreSQL, jobs on the queue, audited', async () => {
    const clientRequestId = randomUUID();
    const response = await w.app.inject({
      method: 'POST',
      url: '/api/runs',
      headers: bearer(w.accounts.admin),
      payload: { clientRequestId },
    });
    expect(response.statusCode).toBe(202);
    const body = response.json<{ runId: string; enqueued: boolean }>();
    expect(body.enqueued).toBe(true);
    const enabled = w.ctx.config.sources.filter((s) => s.enabled).length;
    const [run] = await runsStartedFromTheWorkbench();
    expect(run).toMatchObject({ id: body.runId, sources: enabled });
    expect(run!.jobs).toBeGreaterThanOrEqual(enabled);
    const waiting = await w.ctx.pipeline.queues.fetch.getJobs(['waiting', 'prioritized', 'delayed']);
    expect(waiting.filter((job) => job.data.runId === body.runId)).toHaveLength(run!.jobs);
    const [audit] = await w.h.query<{ actor_name: string; subject_id: string }>(
      `select actor_name, subject_id from audit_log where action = 'run.start'`,
    );
    expect(audit).toEqual({ actor_name: 'Adam Admin', subject_id: body.runId });

    // The same request again (a double click, a retried call) is the same run, recorded once.
    const again = await w.app.inject({
      method: 'POST',
      url: '/api/runs',
      headers: bearer(w.accounts.admin),
      payload: { clientRequestId },
    });
    expect(again.statusCode).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toMatchObject({ runId: body.runId });
    expect(await runsStartedFromTheWorkbench()).toHaveLength(1);
    expect(await w.h.query(`select 1 from audit_log where action = 'run.start'`)).toHaveLength(1);
  });

  it('refuses an unknown source with the error shape', async () => {
    const response = await w.app.inject({
      method: 'POST',
      url: '/api/runs',
      headers: bearer(w.accounts.admin),
      payload: { clientRequestId: randomUUID(), sources: ['finns-inte'] },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'validation_failed' } });
  });

  it('shows the button to admins only; the form needs the CSRF token and lands on the run', async () => {
    const asReviewer = await w.app.inject({ url: '/kallor', headers: { cookie: reviewer.cookie } });
    expect(asReviewer.body).not.toContain('Skanna nu');
    const refused = await postForm(w.app, reviewer, '/kallor/skanna', { client_request_id: randomUUID() });
    expect(refused.statusCode).toBe(403);

    const page = await w.app.inject({ url: '/kallor', headers: { cookie: admin.cookie } });
    expect(page.body).toContain('action="/kallor/skanna"');
    const clientRequestId = /name="client_request_id" value="([^"]+)"/.exec(page.body)![1]!;
    const forged = await postForm(w.app, { ...admin, csrf: 'fel-token' }, '/kallor/skanna', {
      client_request_id: clientRequestId,
    });
    expect(forged.statusCode).toBe(403);

    const before = (await runsStartedFromTheWorkbench()).length;
    const posted = await postForm(w.app, { ...admin, csrf: csrfFrom(page.body) }, '/kallor/skanna', {
      client_request_id: clientRequestId,
    });
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toMatch(/^\/korningar\/[0-9a-f-]{36}\?klart=startad$/);
    expect(await runsStartedFromTheWorkbench()).toHaveLength(before + 1);
    const run = await w.app.inject({
      url: posted.headers.location as string,
      headers: { cookie: admin.cookie },
    });
    expect(run.body).toContain('Skanningen är startad.');
  });
});
