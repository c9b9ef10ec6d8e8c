import { randomUUID } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createWorld, login, postForm } from '../api/world.js';
import type { Account, Session, World } from '../api/world.js';
import { INTERNAL_CASE_FIELDS } from '../../src/domain/public-cases.js';
import { createApiToken, createUser } from '../../src/store/users.js';

// The workbench, its JSON API and the public case list on real PostgreSQL and Redis.
let w: World;
let reviewer: Session;
let marked: Account;

/** Values only internal fields hold: none may ever reach the public page, JSON or feed. */
const MARKERS = {
  contactName: 'Kontakt Markörsson',
  contactEmail: 'kontakt.markor@region.example.se',
  reason: 'MOTIVERING-MARKÖR: intern bedömning från regionen',
  comment: 'KOMMENTAR-MARKÖR intern anteckning',
  actorName: 'Granskare Markörsdotter',
};
const HOSTILE = '<script>alert("case")</script><img src=x onerror=alert(1)> Hjärtpump';

function api(account: Account, method: 'GET' | 'POST', url: string, payload?: object) {
  return w.app.inject({ method, url, headers: bearer(account), ...(payload ? { payload } : {}) });
}

function nomination(overrides: Record<string, unknown> = {}) {
  return {
    origin: 'region',
    region: 'Region Halland',
    kind: 'device',
    name: 'Cardiolink Pump 7',
    maker: 'Cardiolink Medical GmbH',
    indication: 'Avancerad hjärtsvikt i väntan på transplantation',
    reason: MARKERS.reason,
    contactName: MARKERS.contactName,
    contactEmail: MARKERS.contactEmail,
    clientRequestId: randomUUID(),
    ...overrides,
  };
}

async function changeVia(account: Account, caseNumber: string, change: Record<string, unknown>) {
  const current = await api(account, 'GET', `/api/cases/${caseNumber}`);
  const version = current.json<{ case: { version: number } }>().case.version;
  const response = await api(account, 'POST', `/api/cases/${caseNumber}/changes`, {
    version,
    clientRequestId: randomUUID(),
    comment: MARKERS.comment,
    change,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response;
}

/** Every key anywhere in a JSON value. */
function keysOf(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => keysOf(v, out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.add(k);
      keysOf(v, out);
    }
  }
  return out;
}

beforeAll(async () => {
  w = await createWorld({}, { sources: true });
  reviewer = await login(w.app, 'reviewer-test');
  const user = await createUser(w.ctx.db, {
    username: 'marked',
    role: 'reviewer',
    displayName: MARKERS.actorName,
  });
  marked = {
    username: 'marked',
    role: 'reviewer',
    token: (await createApiToken(w.ctx.db, user.id, 't')).token,
  };
});
afterAll(async () => {
  await w?.close();
});

describe('nominations from outside the scan through the API and the form', () => {
  let caseNumber: string;

  it('a region nominates through the API; a case opens and the candidate is created', async () => {
    const response = await api(w.accounts.viewer, 'POST', '/api/nominations', nomination());
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json<{ kind: string; caseNumber: string; candidateCreated: boolean }>();
    expect(body).toMatchObject({ kind: 'nomination', candidateCreated: true });
    caseNumber = body.caseNumber;
    const cases = await api(w.accounts.viewer, 'GET', '/api/cases?view=open');
    expect(cases.json<{ cases: Array<{ caseNumber: string }> }>().cases.map((c) => c.caseNumber)).toContain(
      caseNumber,
    );
  });

  it("a company's submission is a signal (202), not a case", async () => {
    const response = await api(
      w.accounts.viewer,
      'POST',
      '/api/nominations',
      nomination({
        origin: 'company',
        party: 'Cardiolink Medical GmbH',
        region: undefined,
        contactEmail: undefined,
      }),
    );
    expect(response.statusCode, response.body).toBe(202);
    expect(response.json()).toMatchObject({ kind: 'signal' });
  });

  it('refuses an invalid nomination with Swedish field messages, in the API and the form', async () => {
    const response = await api(
      w.accounts.viewer,
      'POST',
      '/api/nominations',
      nomination({ contactEmail: undefined }),
    );
    expect(response.statusCode).toBe(400);
    expect(JSON.stringify(response.json())).toContain('kontaktpersonens e-postadress');
    const session = await login(w.app, 'viewer-test');
    const form = await postForm(w.app, session, '/nominera', {
      origin: 'region',
      kind: 'device',
      name: 'Utan region',
      indication: 'X',
      client_request_id: randomUUID(),
    });
    expect(form.statusCode).toBe(400);
    expect(form.body).toContain('välj vilken region som nominerar');
    expect(form.body).toContain('aria-invalid="true"');
  });

  it('the form registers a nomination and leads to its case', async () => {
    const session = await login(w.app, 'viewer-test');
    const response = await postForm(w.app, session, '/nominera', {
      origin: 'npo',
      party: 'NPO Hjärt- och kärlsjukdomar',
      kind: 'device',
      name: 'Cardiolink Pump 7',
      maker: 'Cardiolink Medical GmbH',
      indication: 'Avancerad hjärtsvikt i väntan på transplantation',
      reason: 'Programområdet ser stor variation mellan regionerna.',
      contact_name: 'Nils NPO',
      contact_email: 'nils@npo.example.se',
      client_request_id: randomUUID(),
    });
    expect(response.statusCode, response.body).toBe(303);
    expect(response.headers.location).toBe(`/arendehantering/${caseNumber}?klart=nominerad`);
    const page = await w.app.inject({
      method: 'GET',
      url: response.headers.location!,
      headers: { cookie: session.cookie },
    });
    expect(page.body).toContain('NPO Hjärt- och kärlsjukdomar');
    expect(page.body).toContain('Nomineringen är registrerad');
  });

  it('a reviewer changes the case with the forms; a stale form is a conflict that saves nothing', async () => {
    const page = await w.app.inject({
      method: 'GET',
      url: `/arendehantering/${caseNumber}`,
      headers: { cookie: reviewer.cookie },
    });
    const version = Number(/name="version" value="(\d+)"/.exec(page.body)![1]);
    const takeUp = await postForm(w.app, reviewer, `/arendehantering/${caseNumber}/andring`, {
      action: 'take-up',
      version,
      client_request_id: randomUUID(),
      council: 'MTP-rådet',
      indication: 'Avancerad hjärtsvikt i väntan på transplantation',
      comment: MARKERS.comment,
    });
    expect(takeUp.statusCode, takeUp.body).toBe(303);
    const stale = await postForm(w.app, reviewer, `/arendehantering/${caseNumber}/andring`, {
      action: 'close',
      version,
      client_request_id: randomUUID(),
      reason: 'withdrawn',
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toContain('Ärendet har ändrats sedan du öppnade sidan');
    const decide = await postForm(w.app, reviewer, `/arendehantering/${caseNumber}/andring`, {
      action: 'decide',
      version: version + 1,
      client_request_id: randomUUID(),
      outcome: 'omfattas',
      decided_on: '2026-04-01',
      'criteria[]': 'severity',
      comment: MARKERS.comment,
    });
    expect(decide.statusCode, decide.body).toBe(303);
  });

  it('the rest of the process through the JSON API, including internal-only steps', async () => {
    await changeVia(marked, caseNumber, {
      action: 'recommend',
      kind: 'avvakta',
      text: 'Regionerna avvaktar användning tills rådet har ett kunskapsunderlag.',
      decidedOn: '2026-04-01',
    });
    await changeVia(marked, caseNumber, {
      action: 'order-assessment',
      body: 'tlv',
      orderedOn: '2026-04-02',
      expectedOn: '2026-10-01',
    });
    await changeVia(marked, caseNumber, {
      action: 'add-consequence-analysis',
      region: 'Region Halland',
      url: 'https://vardgivare.regionhalland.se/konsekvensanalys-cardiolink',
      title: 'Konsekvensanalys Cardiolink Pump 7',
    });
    await changeVia(marked, caseNumber, {
      action: 'set-procurement',
      relevant: true,
      note: 'Samordnas med LfU',
    });
    const replayId = randomUUID();
    const current = (await api(marked, 'GET', `/api/cases/${caseNumber}`)).json<{
      case: { version: number };
    }>();
    const body = {
      version: current.case.version,
      clientRequestId: replayId,
      change: {
        action: 'recommend',
        kind: 'use-with-conditions',
        text: 'Använd vid avancerad hjärtsvikt enligt nationellt vårdprogram.',
        decidedOn: '2026-10-20',
        reviewOn: '2027-10-20',
      },
      comment: MARKERS.comment,
    };
    expect((await api(marked, 'POST', `/api/cases/${caseNumber}/changes`, body)).statusCode).toBe(201);
    const again = await api(marked, 'POST', `/api/cases/${caseNumber}/changes`, body);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    // Viewers read; they do not change cases.
    expect((await api(w.accounts.viewer, 'POST', `/api/cases/${caseNumber}/changes`, body)).statusCode).toBe(
      403,
    );

    const detail = (await api(w.accounts.viewer, 'GET', `/api/cases/${caseNumber}`)).json<{
      case: { status: string };
      parties: Array<{ contactEmail: string }>;
      events: Array<{ action: string; actorName: string }>;
    }>();
    expect(detail.case.status).toBe('recommended');
    expect(detail.parties[0]!.contactEmail).toBe(MARKERS.contactEmail);
    expect(detail.events.some((e) => e.actorName === MARKERS.actorName)).toBe(true);
  });

  it("triage's view of the candidate: handled by MTP-rådet", async () => {
    const detail = (await api(w.accounts.viewer, 'GET', `/api/cases/${caseNumber}`)).json<{
      case: { candidateId: string };
    }>();
    const state = await api(w.accounts.viewer, 'GET', `/api/candidates/${detail.case.candidateId}/cases`);
    expect(state.json()).toMatchObject({ status: 'handled', councils: ['MTP-rådet'] });
  });

  it("a contact's unsubscribe erases them everywhere; the case and its parties stay", async () => {
    const [row] = await w.h.query<{ unsubscribe_token: string; cookie?: string }>(
      'select unsubscribe_token from subscriptions where owner_email = $1',
      [MARKERS.contactEmail],
    );
    const page = await w.app.inject({
      method: 'GET',
      url: `/prenumerationer/avsluta/${row!.unsubscribe_token}`,
    });
    const cookie = (page.headers['set-cookie'] as string).split(';')[0]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const done = await w.app.inject({
      method: 'POST',
      url: `/prenumerationer/avsluta/${row!.unsubscribe_token}`,
      headers: { cookie, origin: 'http://localhost:80', 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    expect(done.statusCode).toBe(200);
    const tables = await w.h.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`,
    );
    for (const { table_name } of tables) {
      const found = await w.h.query(`select 1 from ${table_name} t where t::text like $1 limit 1`, [
        `%${MARKERS.contactEmail}%`,
      ]);
      expect(found, table_name).toHaveLength(0);
    }
    const detail = (await api(w.accounts.viewer, 'GET', `/api/cases/${caseNumber}`)).json<{
      parties: Array<{ party: string; contactEmail: string | null }>;
    }>();
    expect(detail.parties[0]).toMatchObject({ party: 'Region Halland', contactEmail: null });
  });

  describe('the public case list', () => {
    it('is readable without login, shows public steps, and holds no internal field', async () => {
      const list = await w.app.inject({ method: 'GET', url: '/arenden' });
      expect(list.statusCode).toBe(200);
      expect(list.headers['content-type']).toContain('text/html');
      expect(list.body).toContain(caseNumber);
      expect(list.body).toContain('<html lang="sv">');

      const page = await w.app.inject({ method: 'GET', url: `/arenden/${caseNumber}` });
      expect(page.statusCode).toBe(200);
      for (const text of [
        'Omfattas av nationell samverkan',
        'Hög till mycket hög svårighetsgrad för tillståndet',
        'Avvakta',
        'Använd med villkor',
        'TLV (hälsoekonomisk värdering)',
        'Konsekvensanalys Cardiolink Pump 7',
        'Nationell upphandlingssamverkan',
        'Region Halland, NPO Hjärt- och kärlsjukdomar',
      ]) {
        expect(page.body).toContain(text);
      }
      const json = await w.app.inject({ method: 'GET', url: '/arenden.json' });
      const atom = await w.app.inject({ method: 'GET', url: '/arenden.atom' });
      expect(XMLValidator.validate(atom.body)).toBe(true);
      for (const body of [list.body, page.body, json.body, atom.body]) {
        for (const marker of Object.values(MARKERS)) expect(body).not.toContain(marker);
        // Steps the public does not see: the nomination's own record and the beredning's taking it up.
        expect(body).not.toContain('Upptagen av beredningsgruppen');
      }
      const keys = keysOf(json.json());
      for (const field of INTERNAL_CASE_FIELDS) expect(keys.has(field), field).toBe(false);
      const feed = new XMLParser({ ignoreAttributes: false }).parse(atom.body) as {
        feed: { entry: Array<{ title: { '#text': string } }> };
      };
      const titles = feed.feed.entry.map((e) => e.title['#text']);
      expect(titles.filter((t) => t.startsWith(caseNumber))).toHaveLength(6);
    });

    it('a case the council has not decided on is not public', async () => {
      const other = await api(
        w.accounts.viewer,
        'POST',
        '/api/nominations',
        nomination({ name: 'Neurostim Q', maker: 'Neurostim AB', indication: 'Parkinsons sjukdom' }),
      );
      const otherNumber = other.json<{ caseNumber: string }>().caseNumber;
      expect((await w.app.inject({ method: 'GET', url: `/arenden/${otherNumber}` })).statusCode).toBe(404);
      expect((await w.app.inject({ method: 'GET', url: '/arenden.json' })).body).not.toContain(otherNumber);
      // The workbench's page needs a login.
      expect((await w.app.inject({ method: 'GET', url: `/arendehantering/${otherNumber}` })).statusCode).toBe(
        303,
      );
    });

    it('shows hostile text as text', async () => {
      const created = await api(
        w.accounts.viewer,
        'POST',
        '/api/nominations',
        nomination({ name: HOSTILE, maker: 'Evil "Maker" <b>', indication: '<i>x</i>' }),
      );
      const number = created.json<{ caseNumber: string }>().caseNumber;
      await changeVia(marked, number, { action: 'take-up', council: 'MTP-rådet' });
      await changeVia(marked, number, {
        action: 'decide',
        outcome: 'omfattas-inte',
        decidedOn: '2026-04-01',
        reasons: ['small-budget-impact'],
      });
      const page = await w.app.inject({ method: 'GET', url: `/arenden/${number}` });
      expect(page.body).not.toContain('<script>alert');
      expect(page.body).toContain('&lt;script&gt;');
      expect(page.body).toContain('inte är nödvändig');
      expect(page.headers['content-security-policy']).toContain("default-src 'none'");
      const atom = await w.app.inject({ method: 'GET', url: '/arenden.atom' });
      expect(XMLValidator.validate(atom.body)).toBe(true);
      expect(atom.body).not.toContain('<script>');
    });
  });
});
