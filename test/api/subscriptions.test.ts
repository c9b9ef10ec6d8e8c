import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSubscription } from '../../src/alerts/subscriptions.js';
import { matchableSubscriptions } from '../../src/store/alerts.js';
import { withTransaction } from '../../src/store/db.js';
import { bearer, createWorld, csrfFrom, login, postForm } from './world.js';
import type { Account, Session, World } from './world.js';

// Subscriptions in the workbench, through the JSON API and the Swedish page, on the real
// PostgreSQL; the validation is the alerts code's own (the CLI's).
let w: World;
let viewer: Session;
let cliMade: string;

beforeAll(async () => {
  w = await createWorld();
  viewer = await login(w.app, 'viewer-test');
  cliMade = (
    await addSubscription(
      w.ctx.db,
      { name: 'Från kommandoraden', ownerName: 'Drift', channel: 'atom', filter: {} },
      { publicOrigin: 'http://localhost', allowPrivate: [] },
    )
  ).subscription.id;
});
afterAll(async () => {
  await w?.close();
});

function api(account: Account, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) {
  return w.app.inject({ method, url, headers: bearer(account), ...(payload ? { payload } : {}) });
}

const WEEKLY = {
  name: 'NPO Endokrina sjukdomar: diabetes',
  channel: 'email-weekly',
  ownerEmail: 'vera@region.example.se',
  filter: { npo: ['Endokrina sjukdomar'], keywords: ['glukos*'], minBand: 'medel' },
};

describe('subscriptions API', () => {
  let mine: string;

  it('a viewer creates one; it is theirs, described in Swedish, without secrets', async () => {
    const response = await api(w.accounts.viewer, 'POST', '/api/subscriptions', WEEKLY);
    expect(response.statusCode).toBe(201);
    const body = response.json<{ subscription: Record<string, unknown> }>();
    expect(body.subscription).toMatchObject({
      name: WEEKLY.name,
      ownerName: 'Vera Läsare',
      channel: 'email-weekly',
      paused: false,
      description:
        'NPO: Endokrina sjukdomar; nyckelord: glukos*; nivå medel eller högre; händelser: ny kandidat, höjd prioritetsnivå, ny eller ändrad evidens, nominerad, ärende ändrat',
    });
    expect(JSON.stringify(body)).not.toMatch(/unsubscribe|secret|token/i);
    mine = body.subscription.id as string;
  });

  it('lists one’s own; an admin sees everyone’s, the CLI’s too', async () => {
    const own = await api(w.accounts.viewer, 'GET', '/api/subscriptions');
    expect(own.json<{ subscriptions: Array<{ id: string }> }>().subscriptions.map((s) => s.id)).toEqual([
      mine,
    ]);
    const other = await api(w.accounts.reviewer, 'GET', '/api/subscriptions');
    expect(other.json<{ subscriptions: unknown[] }>().subscriptions).toEqual([]);
    const all = await api(w.accounts.admin, 'GET', '/api/subscriptions');
    expect(
      all
        .json<{ subscriptions: Array<{ id: string }> }>()
        .subscriptions.map((s) => s.id)
        .sort(),
    ).toEqual([mine, cliMade].sort());
  });

  it.each([
    [{ ...WEEKLY, ownerEmail: 'inte en adress' }, 'Ogiltig e-postadress.'],
    [{ ...WEEKLY, ownerEmail: undefined }, 'E-postkanaler kräver en e-postadress'],
    [{ ...WEEKLY, filter: { npo: ['Påhittat område'] } }, 'okänt programområde (NPO)'],
    [{ ...WEEKLY, filter: { events: [] } }, 'välj minst en händelse'],
    [{ ...WEEKLY, name: '   ' }, 'Namnet måste vara 1–200 tecken.'],
    [
      { name: 'Intern', channel: 'webhook', webhookUrl: 'https://127.0.0.1:9/hook', filter: {} },
      'Webhook-adressen avvisas',
    ],
  ])('refuses what the CLI refuses: %j', async (payload, message) => {
    const response = await api(w.accounts.viewer, 'POST', '/api/subscriptions', payload);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'validation_failed' } });
    expect(response.json<{ error: { message: string } }>().error.message).toContain(message);
  });

  it('operator events are for admins', async () => {
    const payload = { name: 'Drift', channel: 'atom', filter: { events: ['source-broken'] } };
    expect((await api(w.accounts.reviewer, 'POST', '/api/subscriptions', payload)).statusCode).toBe(403);
    const asAdmin = await api(w.accounts.admin, 'POST', '/api/subscriptions', payload);
    expect(asAdmin.statusCode).toBe(201);
    // The Atom feed's secret address is shown once.
    expect(asAdmin.json<{ feedUrl: string }>().feedUrl).toMatch(/\/feeds\/[\w-]{40,}\.atom$/);
  });

  it('edits and pauses one’s own; a paused subscription matches no events', async () => {
    const response = await api(w.accounts.viewer, 'PATCH', `/api/subscriptions/${mine}`, {
      name: 'Diabetes (pausad under semestern)',
      paused: true,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      subscription: {
        name: 'Diabetes (pausad under semestern)',
        paused: true,
        filter: { keywords: ['glukos*'] },
      },
    });
    const matchable = await withTransaction(w.ctx.db, (tx) => matchableSubscriptions(tx));
    expect(matchable.map((s) => s.id)).not.toContain(mine);
    const resumed = await api(w.accounts.viewer, 'PATCH', `/api/subscriptions/${mine}`, { paused: false });
    expect(resumed.json()).toMatchObject({ subscription: { paused: false } });
    expect((await withTransaction(w.ctx.db, (tx) => matchableSubscriptions(tx))).map((s) => s.id)).toContain(
      mine,
    );
    const invalid = await api(w.accounts.viewer, 'PATCH', `/api/subscriptions/${mine}`, { ownerEmail: null });
    expect(invalid.statusCode).toBe(400);
  });

  it('another person’s subscription does not exist for a non-admin; an admin may change it', async () => {
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const response = await api(
        w.accounts.reviewer,
        method,
        `/api/subscriptions/${mine}`,
        method === 'PATCH' ? { paused: true } : undefined,
      );
      expect(response.statusCode).toBe(404);
    }
    const byAdmin = await api(w.accounts.admin, 'PATCH', `/api/subscriptions/${cliMade}`, { paused: true });
    expect(byAdmin.statusCode).toBe(200);
  });

  it('every route needs a sign-in; a cookie session needs the CSRF token', async () => {
    for (const [method, url] of [
      ['GET', '/api/subscriptions'],
      ['POST', '/api/subscriptions'],
      ['GET', `/api/subscriptions/${mine}`],
      ['PATCH', `/api/subscriptions/${mine}`],
      ['DELETE', `/api/subscriptions/${mine}`],
    ] as const) {
      expect((await w.app.inject({ method, url, payload: {} })).statusCode).toBe(401);
    }
    const forged = await w.app.inject({
      method: 'DELETE',
      url: `/api/subscriptions/${mine}`,
      headers: { cookie: viewer.cookie, origin: 'http://localhost:80' },
    });
    expect(forged.statusCode).toBe(403);
    expect(forged.json()).toMatchObject({ error: { code: 'csrf_failed' } });
  });

  it('deletes one’s own, audited without the address', async () => {
    expect((await api(w.accounts.viewer, 'DELETE', `/api/subscriptions/${mine}`)).statusCode).toBe(204);
    expect((await api(w.accounts.viewer, 'GET', `/api/subscriptions/${mine}`)).statusCode).toBe(404);
    const rows = await w.h.query<{ action: string; actor_name: string }>(
      `select action, actor_name from audit_log where subject_type = 'subscription' and subject_id = $1 order by seq`,
      [mine],
    );
    expect(rows.map((r) => r.action)).toEqual([
      'subscription.create',
      'subscription.change',
      'subscription.change',
      'subscription.delete',
    ]);
    const log = await w.h.query<{ text: string }>(
      `select string_agg(coalesce(before::text, '') || coalesce(after::text, ''), ' ') as text from audit_log`,
    );
    expect(log[0]!.text).not.toContain('vera@region.example.se');
  });
});

describe('the subscriptions page', () => {
  it('creates, pauses, edits and deletes through the forms, in Swedish', async () => {
    const page = await w.app.inject({ url: '/prenumerationer', headers: { cookie: viewer.cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h2 id="ny">Ny prenumeration</h2>');
    // Operator events are not offered to a viewer.
    expect(page.body).not.toContain('value="source-broken"');
    const session = { ...viewer, csrf: csrfFrom(page.body) };

    const created = await postForm(w.app, session, '/prenumerationer', {
      name: 'Sårvård',
      channel: 'email-daily',
      owner_email: 'vera@region.example.se',
      keywords: 'sårförband, negativt tryck',
      'npo[]': 'Hud- och könssjukdomar',
      'events[]': 'new-candidate',
    });
    expect(created.statusCode).toBe(303);
    expect(created.headers.location).toBe('/prenumerationer?klart=sparad');
    const list = await w.app.inject({
      url: '/prenumerationer?klart=sparad',
      headers: { cookie: viewer.cookie },
    });
    expect(list.body).toContain('Prenumerationen är sparad.');
    expect(list.body).toContain('nyckelord: sårförband, negativt tryck');
    expect(list.body).toContain('Aktiv');
    const id = /href="\/prenumerationer\/([0-9a-f-]{36})"/.exec(list.body)![1]!;

    const paused = await postForm(w.app, session, `/prenumerationer/${id}/paus`, { paused: '1' });
    expect(paused.headers.location).toBe('/prenumerationer?klart=pausad');
    const after = await w.app.inject({ url: '/prenumerationer', headers: { cookie: viewer.cookie } });
    expect(after.body).toContain('Pausad');

    const refused = await postForm(w.app, session, `/prenumerationer/${id}`, {
      name: 'Sårvård',
      owner_email: 'fel@',
      'events[]': 'new-candidate',
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('Prenumerationen sparades inte: Ogiltig e-postadress.');
    expect(refused.body).toContain('value="fel@"');

    const edited = await postForm(w.app, session, `/prenumerationer/${id}`, {
      name: 'Sårvård och trycksår',
      owner_email: 'vera@region.example.se',
      keywords: 'trycksår',
      'council[]': 'MTP-rådet',
      'events[]': 'new-candidate',
    });
    expect(edited.statusCode).toBe(303);
    const [row] = await w.h.query<{
      name: string;
      filter: { council: string[]; keywords: string[] };
      paused_at: Date | null;
    }>('select name, filter, paused_at from subscriptions where id = $1', [id]);
    expect(row).toMatchObject({
      name: 'Sårvård och trycksår',
      filter: { council: ['MTP-rådet'], keywords: ['trycksår'] },
      paused_at: null,
    });

    const deleted = await postForm(w.app, session, `/prenumerationer/${id}/ta-bort`, {});
    expect(deleted.headers.location).toBe('/prenumerationer?klart=borttagen');
    expect(await w.h.query('select 1 from subscriptions where id = $1', [id])).toEqual([]);
  });

  it('shows the Atom feed’s secret address once, on the response that created it', async () => {
    const page = await w.app.inject({ url: '/prenumerationer', headers: { cookie: viewer.cookie } });
    const session = { ...viewer, csrf: csrfFrom(page.body) };
    const created = await postForm(w.app, session, '/prenumerationer', {
      name: 'Flöde',
      channel: 'atom',
      'events[]': 'nominated',
    });
    expect(created.statusCode).toBe(201);
    expect(created.body).toContain('Spara detta nu – det visas bara en gång.');
    expect(created.body).toMatch(/\/feeds\/[\w-]{40,}\.atom/);
    const again = await w.app.inject({ url: '/prenumerationer', headers: { cookie: viewer.cookie } });
    expect(again.body).not.toMatch(/\/feeds\/[\w-]{40,}\.atom/);
  });
});
