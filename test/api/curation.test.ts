import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createWorld, csrfFrom, login, postForm } from './world.js';
import type { Account, Session, World } from './world.js';

// Merge and split from the workbench, through src/app/curation.ts (the CLI's code), on the real
// PostgreSQL with the demo scoring configuration.
let w: World;
let reviewer: Session;

beforeAll(async () => {
  w = await createWorld({}, { sources: true });
  reviewer = await login(w.app, 'reviewer-test');
});
afterAll(async () => {
  await w?.close();
});

interface Detail {
  candidate: { updatedAt: string; mergedInto: string | null; timeline: Array<{ itemId: string }> };
}

async function detail(id: string): Promise<Detail['candidate']> {
  const response = await w.app.inject({ url: `/api/candidates/${id}`, headers: bearer(w.accounts.viewer) });
  return response.json<Detail>().candidate;
}

function post(account: Account, url: string, payload: object) {
  return w.app.inject({ method: 'POST', url, headers: bearer(account), payload });
}

async function mergedInto(id: string): Promise<string | null> {
  const [row] = await w.h.query<{ merged_into: string | null }>(
    'select merged_into from candidates where id = $1',
    [id],
  );
  return row!.merged_into;
}

describe('merge', () => {
  it('needs the reviewer role', async () => {
    const body = { otherId: w.seeded.minimed.id, reason: 'x', version: 'v', clientRequestId: randomUUID() };
    const url = `/api/candidates/${w.seeded.libre.id}/merge`;
    expect((await w.app.inject({ method: 'POST', url, payload: body })).statusCode).toBe(401);
    const asViewer = await post(w.accounts.viewer, url, body);
    expect(asViewer.statusCode).toBe(403);
    expect(await mergedInto(w.seeded.minimed.id)).toBeNull();
  });

  it('refuses a stale version with 409 and the current one; nothing changes', async () => {
    const response = await post(w.accounts.reviewer, `/api/candidates/${w.seeded.libre.id}/merge`, {
      otherId: w.seeded.minimed.id,
      reason: 'Samma produkt',
      version: '2020-01-01T00:00:00.000Z',
      clientRequestId: randomUUID(),
    });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({
      error: {
        code: 'version_conflict',
        details: { current: { version: (await detail(w.seeded.libre.id)).updatedAt } },
      },
    });
    expect(await mergedInto(w.seeded.minimed.id)).toBeNull();
  });

  it('merges, audited; the same request again is recorded once', async () => {
    const version = (await detail(w.seeded.libre.id)).updatedAt;
    const body = {
      otherId: w.seeded.minimed.id,
      reason: 'Samma produkt under två namn',
      version,
      clientRequestId: randomUUID(),
    };
    const first = await post(w.accounts.reviewer, `/api/candidates/${w.seeded.libre.id}/merge`, body);
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({
      action: 'merge',
      candidateId: w.seeded.libre.id,
      otherCandidateId: w.seeded.minimed.id,
    });
    expect(await mergedInto(w.seeded.minimed.id)).toBe(w.seeded.libre.id);

    const again = await post(w.accounts.reviewer, `/api/candidates/${w.seeded.libre.id}/merge`, body);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(
      await w.h.query('select 1 from resolution_log where client_request_id = $1', [body.clientRequestId]),
    ).toHaveLength(1);
    const audit = await w.h.query<{ actor_name: string; details: { reason: string } }>(
      `select actor_name, details from audit_log where action = 'candidate.merge'`,
    );
    expect(audit).toEqual([
      { actor_name: 'Greta Granskare', details: { reason: 'Samma produkt under två namn' } },
    ]);
    const log = await w.app.inject({
      url: '/granskningslogg?action=candidate.merge',
      headers: { cookie: reviewer.cookie },
    });
    expect(log.body).toContain('Slog ihop kandidater');
    expect(log.body).toContain('Orsak: Samma produkt under två namn');
  });

  it('refuses merging a candidate that is already merged (409) and a reused request id (422)', async () => {
    const version = (await detail(w.seeded.libre.id)).updatedAt;
    const again = await post(w.accounts.reviewer, `/api/candidates/${w.seeded.libre.id}/merge`, {
      otherId: w.seeded.minimed.id,
      reason: 'igen',
      version,
      clientRequestId: randomUUID(),
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: 'invalid_transition' } });
    const [used] = await w.h.query<{ client_request_id: string }>(
      `select client_request_id from resolution_log where action = 'merge' limit 1`,
    );
    const reused = await post(w.accounts.reviewer, `/api/candidates/${w.seeded.optune.id}/merge`, {
      otherId: w.seeded.foundation.id,
      reason: 'fel id',
      version: (await detail(w.seeded.optune.id)).updatedAt,
      clientRequestId: used!.client_request_id,
    });
    expect(reused.statusCode).toBe(422);
  });
});

describe('split', () => {
  it('moves the chosen evidence to a new candidate, once per request; stale versions are refused', async () => {
    const before = await detail(w.seeded.libre.id);
    expect(before.timeline.length).toBeGreaterThanOrEqual(2);
    const moving = [Number(before.timeline[0]!.itemId)];
    const stale = await post(w.accounts.reviewer, `/api/candidates/${w.seeded.libre.id}/split`, {
      itemIds: moving,
      reason: 'Annan generation',
      version: '2020-01-01T00:00:00.000Z',
      clientRequestId: randomUUID(),
    });
    expect(stale.statusCode).toBe(409);

    const body = {
      itemIds: moving,
      reason: 'Annan generation',
      version: before.updatedAt,
      clientRequestId: randomUUID(),
    };
    const first = await post(w.accounts.reviewer, `/api/candidates/${w.seeded.libre.id}/split`, body);
    expect(first.statusCode).toBe(201);
    const created = first.json<{ otherCandidateId: string }>().otherCandidateId;
    const moved = await detail(created);
    expect(moved.timeline.map((t) => Number(t.itemId))).toEqual(moving);
    const again = await post(w.accounts.reviewer, `/api/candidates/${w.seeded.libre.id}/split`, body);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json<{ otherCandidateId: string }>().otherCandidateId).toBe(created);
    expect(await w.h.query(`select 1 from audit_log where action = 'candidate.split'`)).toHaveLength(1);
  });

  it('refuses a split that leaves one side empty (409) and an empty choice (400)', async () => {
    const current = await detail(w.seeded.libre.id);
    const all = await post(w.accounts.reviewer, `/api/candidates/${w.seeded.libre.id}/split`, {
      itemIds: current.timeline.map((t) => Number(t.itemId)),
      reason: 'allt',
      version: current.updatedAt,
      clientRequestId: randomUUID(),
    });
    expect(all.statusCode).toBe(409);
    const none = await post(w.accounts.reviewer, `/api/candidates/${w.seeded.libre.id}/split`, {
      itemIds: [],
      reason: 'inget',
      version: current.updatedAt,
      clientRequestId: randomUUID(),
    });
    expect(none.statusCode).toBe(400);
  });
});

describe('the forms on the candidate page', () => {
  it('every element id on the reviewer’s candidate page is unique (labels and anchors find theirs)', async () => {
    const page = await w.app.inject({
      url: `/kandidater/${w.seeded.app.id}`,
      headers: { cookie: reviewer.cookie },
    });
    const ids = [...page.body.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(10);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it('a viewer sees no merge or split forms; a reviewer does, and they need the CSRF token', async () => {
    const viewer = await login(w.app, 'viewer-test');
    const url = `/kandidater/${w.seeded.optune.id}`;
    const asViewer = await w.app.inject({ url, headers: { cookie: viewer.cookie } });
    expect(asViewer.body).not.toContain('/sla-ihop"');
    const page = await w.app.inject({ url, headers: { cookie: reviewer.cookie } });
    expect(page.body).toContain(`action="/kandidater/${w.seeded.optune.id}/sla-ihop"`);
    const forged = await postForm(
      w.app,
      { ...reviewer, csrf: 'fel' },
      `/kandidater/${w.seeded.optune.id}/sla-ihop`,
      {
        other_id: w.seeded.foundation.id,
        reason: 'x',
        version: 'v',
        client_request_id: randomUUID(),
      },
    );
    expect(forged.statusCode).toBe(403);
  });

  it('merges through the form; a double submit is recorded once; a stale form gets 409', async () => {
    const url = `/kandidater/${w.seeded.optune.id}`;
    const page = await w.app.inject({ url, headers: { cookie: reviewer.cookie } });
    const session = { ...reviewer, csrf: csrfFrom(page.body) };
    const form = /<form[^>]*action="\/kandidater\/[^"]+\/sla-ihop"[\s\S]*?<\/form>/.exec(page.body)![0];
    const version = /name="version" value="([^"]+)"/.exec(form)![1]!;
    const clientRequestId = /name="client_request_id" value="([^"]+)"/.exec(form)![1]!;
    const fields = {
      other_id_typed: w.seeded.foundation.id,
      reason: 'Dubblett',
      version,
      client_request_id: clientRequestId,
    };
    const first = await postForm(w.app, session, `${url}/sla-ihop`, fields);
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe(`${url}?klart=merge#dubbletter`);
    const second = await postForm(w.app, session, `${url}/sla-ihop`, fields);
    expect(second.statusCode).toBe(303);
    expect(
      await w.h.query('select 1 from resolution_log where client_request_id = $1', [clientRequestId]),
    ).toHaveLength(1);

    const stale = await postForm(w.app, session, `${url}/sla-ihop`, {
      ...fields,
      other_id_typed: w.seeded.app.id,
      client_request_id: randomUUID(),
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toContain('Kandidaten har ändrats sedan du öppnade sidan');
    const absorbed = await w.app.inject({
      url: `/kandidater/${w.seeded.foundation.id}`,
      headers: { cookie: reviewer.cookie },
    });
    expect(absorbed.body).toContain('sammanslagen');
  });
});
