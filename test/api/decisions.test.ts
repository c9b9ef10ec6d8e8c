import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createWorld, login, postForm } from './world.js';
import type { Session, World } from './world.js';
import { NominationPayload } from '../../src/domain/nomination.js';

// Real PostgreSQL and Redis (BullMQ `nominations` queue under this file's prefix); nothing mocked.
let w: World;
let browser: Session;

beforeAll(async () => {
  w = await createWorld();
  browser = await login(w.app, 'reviewer-test');
});
afterAll(async () => {
  await w?.close();
});

function decide(
  candidateId: string,
  body: Record<string, unknown>,
  account: 'reviewer' | 'admin' = 'reviewer',
) {
  return w.app.inject({
    method: 'POST',
    url: `/api/candidates/${candidateId}/decisions`,
    headers: bearer(w.accounts[account]),
    payload: body,
  });
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  return (await w.h.query<{ n: number }>(sql, params))[0]!.n;
}

describe('nominating', () => {
  it('records the decision, writes a nomination with the latest report and puts it on the nomination queue', async () => {
    const id = w.seeded.libre.id;
    const response = await decide(id, {
      action: 'nominate',
      version: 0,
      clientRequestId: randomUUID(),
      comment: 'Stor patientgrupp, ojämlik användning mellan regionerna.',
    });
    expect(response.statusCode).toBe(201);
    const body = response.json<{
      decision: { id: string; version: number; nominationId: string; actorName: string };
      state: { status: string; version: number };
    }>();
    expect(body.state).toMatchObject({ status: 'nominated', version: 1 });
    expect(body.decision).toMatchObject({ version: 1, actorName: 'Greta Granskare' });

    const [nomination] = await w.h.query<{
      id: string;
      origin: string;
      nominated_by: string;
      report_id: string | null;
      queue_job_id: string;
      enqueued_at: Date | null;
    }>(
      'select id, origin, nominated_by, report_id, queue_job_id, enqueued_at from nominations where id = $1',
      [body.decision.nominationId],
    );
    expect(nomination).toMatchObject({ origin: 'scan', nominated_by: 'Greta Granskare' });
    expect(nomination!.report_id).not.toBeNull();
    expect(nomination!.queue_job_id).toBe(`nomination-${id}-manual-${nomination!.id}`);
    expect(nomination!.enqueued_at).not.toBeNull();

    const job = await w.ctx.pipeline.nominations.getJob(nomination!.queue_job_id);
    expect(job).toBeDefined();
    const payload = NominationPayload.parse(job!.data);
    expect(payload).toMatchObject({ origin: 'scan', nominatedBy: 'Greta Granskare', candidate: { id } });
    expect(payload.report?.version).toBe(1);
    expect(payload.report?.markdown).toContain('Tidig bedömningsrapport');
    expect(payload.score).toMatchObject({ total: 82, band: 'hög', council: 'MTP-rådet' });
  });

  it('a nomination on behalf of a region says so; region/NPO require who', async () => {
    const id = w.seeded.minimed.id;
    const missing = await decide(id, {
      action: 'nominate',
      version: 0,
      clientRequestId: randomUUID(),
      origin: 'region',
    });
    expect(missing.statusCode).toBe(400);
    const response = await decide(id, {
      action: 'nominate',
      version: 0,
      clientRequestId: randomUUID(),
      origin: 'region',
      onBehalfOf: 'Region Halland',
    });
    expect(response.statusCode).toBe(201);
    const nominationId = response.json<{ decision: { nominationId: string } }>().decision.nominationId;
    const [row] = await w.h.query<{
      origin: string;
      nominated_by: string;
      report_id: string | null;
      payload: unknown;
    }>('select origin, nominated_by, report_id, payload from nominations where id = $1', [nominationId]);
    expect(row).toMatchObject({ origin: 'region', nominated_by: 'Region Halland', report_id: null });
    // No report yet: the payload carries the current score and no report.
    expect(NominationPayload.parse(row!.payload)).toMatchObject({
      report: null,
      score: { total: 55, band: 'medel' },
    });
  });
});

describe('optimistic concurrency', () => {
  it('a stale version gets 409 with the current state, records nothing and is audited', async () => {
    const id = w.seeded.optune.id;
    const first = await decide(id, { action: 'watch', version: 0, clientRequestId: randomUUID() });
    expect(first.statusCode).toBe(201);
    const before = await count('select count(*)::int as n from decisions where candidate_id = $1', [id]);
    const stale = await decide(
      id,
      { action: 'dismiss', version: 0, clientRequestId: randomUUID(), reasonCode: 'already-established' },
      'admin',
    );
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({
      error: {
        code: 'version_conflict',
        details: { current: { status: 'open', watched: true, version: 1 } },
      },
    });
    expect(await count('select count(*)::int as n from decisions where candidate_id = $1', [id])).toBe(
      before,
    );
    const [audit] = await w.h.query<{
      actor_name: string;
      details: { attempted: string; expectedVersion: number; reason: string };
    }>(`select actor_name, details from audit_log where action = 'decision.conflict' and subject_id = $1`, [
      id,
    ]);
    expect(audit).toMatchObject({
      actor_name: 'Adam Admin',
      details: { attempted: 'dismiss', expectedVersion: 0, reason: 'stale-version' },
    });
  });

  it('two reviewers acting on the same version at once: exactly one wins, the other gets 409', async () => {
    const id = w.seeded.foundation.id;
    const [a, b] = await Promise.all([
      decide(id, {
        action: 'dismiss',
        version: 0,
        clientRequestId: randomUUID(),
        reasonCode: 'handled-by-tlv',
      }),
      decide(id, { action: 'nominate', version: 0, clientRequestId: randomUUID() }, 'admin'),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
    expect(await count('select count(*)::int as n from decisions where candidate_id = $1', [id])).toBe(1);
    const nominations = await count('select count(*)::int as n from nominations where candidate_id = $1', [
      id,
    ]);
    expect(nominations).toBe(b.statusCode === 201 ? 1 : 0);
  });

  it('an action that makes no sense in the current state is a 409 too', async () => {
    const id = w.seeded.libre.id; // nominated above
    const again = await decide(id, { action: 'nominate', version: 1, clientRequestId: randomUUID() });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: 'invalid_transition' } });
  });

  it('the HTML form shows the conflict and the current state (409)', async () => {
    const id = w.seeded.app.id;
    expect(
      (await decide(id, { action: 'watch', version: 0, clientRequestId: randomUUID() })).statusCode,
    ).toBe(201);
    const response = await postForm(w.app, browser, `/kandidater/${id}/beslut`, {
      action: 'dismiss',
      version: 0,
      reason_code: 'not-medical-device',
      client_request_id: randomUUID(),
    });
    expect(response.statusCode).toBe(409);
    expect(response.body).toContain('Ditt beslut sparades inte.');
    // The current state in words (watched), never an internal version counter.
    expect(response.body).toMatch(
      /Aktuellt läge:\s*<span class="badge status-open">Ej beslutad<\/span> <span class="badge status-open">Bevakas<\/span>/,
    );
    expect(response.body).not.toContain('beslutsversion');
    expect(response.body).toContain('name="version" value="1"');
  });
});

describe('double submission', () => {
  it('the same client request id twice records once and answers the same', async () => {
    const id = w.seeded.drug.id;
    const body = { action: 'nominate', version: 0, clientRequestId: randomUUID(), comment: 'Dubbelklick' };
    const first = await decide(id, body);
    const second = await decide(id, body);
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.json()).toEqual(first.json());
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(
      await count('select count(*)::int as n from decisions where client_request_id = $1', [
        body.clientRequestId,
      ]),
    ).toBe(1);
    expect(await count('select count(*)::int as n from nominations where candidate_id = $1', [id])).toBe(1);
    const jobs = await w.ctx.pipeline.nominations.getJobs(['waiting', 'active', 'completed', 'delayed']);
    expect(jobs.filter((j) => (j.data as { candidate: { id: string } }).candidate.id === id)).toHaveLength(1);
  });

  it('also when both arrive at once', async () => {
    const id = w.seeded.xss.id;
    const body = { action: 'nominate', version: 0, clientRequestId: randomUUID() };
    const responses = await Promise.all([decide(id, body), decide(id, body), decide(id, body)]);
    expect(responses.map((r) => r.statusCode)).toEqual([201, 201, 201]);
    expect(new Set(responses.map((r) => r.body)).size).toBe(1);
    expect(await count('select count(*)::int as n from decisions where candidate_id = $1', [id])).toBe(1);
    expect(await count('select count(*)::int as n from nominations where candidate_id = $1', [id])).toBe(1);
  });

  it('a double-submitted form records once', async () => {
    const id = w.seeded.optune.id;
    const [state] = await w.h.query<{ version: number }>(
      'select version from candidate_state where candidate_id = $1',
      [id],
    );
    const fields = { action: 'unwatch', version: state!.version, client_request_id: randomUUID() };
    const [a, b] = await Promise.all([
      postForm(w.app, browser, `/kandidater/${id}/beslut`, fields),
      postForm(w.app, browser, `/kandidater/${id}/beslut`, fields),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([303, 303]);
    expect(
      await count('select count(*)::int as n from decisions where client_request_id = $1', [
        fields.client_request_id,
      ]),
    ).toBe(1);
  });

  it('reusing a client request id for another action is refused (422)', async () => {
    const clientRequestId = randomUUID();
    expect(
      (await decide(w.seeded.minimed.id, { action: 'watch', version: 1, clientRequestId })).statusCode,
    ).toBe(201);
    const reused = await decide(w.seeded.drug.id, { action: 'watch', version: 1, clientRequestId });
    expect(reused.statusCode).toBe(422);
    expect(reused.json()).toMatchObject({ error: { code: 'request_id_reused' } });
  });

  it('notes are idempotent too', async () => {
    const body = { body: 'Kontakta HTA-centrum om underlaget.', clientRequestId: randomUUID() };
    const url = `/api/candidates/${w.seeded.optune.id}/notes`;
    const a = await w.app.inject({
      method: 'POST',
      url,
      headers: bearer(w.accounts.reviewer),
      payload: body,
    });
    const b = await w.app.inject({
      method: 'POST',
      url,
      headers: bearer(w.accounts.reviewer),
      payload: body,
    });
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(b.json()).toEqual(a.json());
    expect(
      await count('select count(*)::int as n from candidate_notes where client_request_id = $1', [
        body.clientRequestId,
      ]),
    ).toBe(1);
  });
});

describe('dismissal', () => {
  it('needs a reason code, and "other" needs a comment', async () => {
    const id = w.seeded.app.id;
    const [state] = await w.h.query<{ version: number }>(
      'select version from candidate_state where candidate_id = $1',
      [id],
    );
    const none = await decide(id, {
      action: 'dismiss',
      version: state!.version,
      clientRequestId: randomUUID(),
    });
    expect(none.statusCode).toBe(400);
    const other = await decide(id, {
      action: 'dismiss',
      version: state!.version,
      clientRequestId: randomUUID(),
      reasonCode: 'other',
    });
    expect(other.statusCode).toBe(400);
    const ok = await decide(id, {
      action: 'dismiss',
      version: state!.version,
      clientRequestId: randomUUID(),
      reasonCode: 'already-established',
      comment: 'Etablerad i alla regioner sedan 2024.',
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ state: { status: 'dismissed', reasonCode: 'already-established' } });
  });
});

describe('the record cannot be changed', () => {
  it.each([
    ['update decisions set comment = $$ändrad$$'],
    ['delete from decisions'],
    ['truncate decisions cascade'],
    ['update audit_log set actor_name = $$någon annan$$'],
    ['delete from audit_log'],
    ['update candidate_notes set body = $$ändrad$$'],
    ['delete from candidate_notes'],
  ])('the database refuses: %s', async (sql) => {
    await expect(w.h.query(sql)).rejects.toThrow(/append-only/);
  });

  it('every decision is in the audit log with who, role, when, before and after; the hash chain is intact', async () => {
    const decisions = await count('select count(*)::int as n from decisions');
    const audited = await w.h.query<{
      actor_name: string;
      actor_role: string;
      before: { version: number };
      after: { version: number };
      at: Date;
    }>(
      `select actor_name, actor_role, before, after, at from audit_log where action like 'decision.%' and action <> 'decision.conflict'`,
    );
    expect(audited).toHaveLength(decisions);
    for (const row of audited) {
      expect(row.actor_name).toBeTruthy();
      expect(['reviewer', 'admin']).toContain(row.actor_role);
      expect(row.after.version).toBe(row.before.version + 1);
    }
    const verify = await w.app.inject({ url: '/api/audit/verify', headers: bearer(w.accounts.admin) });
    expect(verify.json()).toEqual({ intact: true, problems: [] });
  });

  it('the audit log API and page show the nomination', async () => {
    const api = await w.app.inject({
      url: '/api/audit?action=decision.nominate',
      headers: bearer(w.accounts.reviewer),
    });
    const items = api.json<{
      items: Array<{ actorName: string; subjectId: string; after: { status: string } }>;
    }>().items;
    expect(items.find((i) => i.subjectId === w.seeded.libre.id)).toMatchObject({
      actorName: 'Greta Granskare',
      after: { status: 'nominated' },
    });
    const page = await w.app.inject({
      url: '/granskningslogg?action=decision.nominate',
      headers: { cookie: browser.cookie },
    });
    expect(page.body).toContain('FreeStyle Libre 3');
    expect(page.body).toContain('Nominerade');
    expect(page.body).toContain('Greta Granskare');
  });
});
