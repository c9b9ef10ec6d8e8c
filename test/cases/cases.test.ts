import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import type { AppContext } from '../../src/app/context.js';
import { changeCase } from '../../src/app/cases.js';
import { submitFromOutside } from '../../src/app/outside-nominations.js';
import { OutsideSubmission } from '../../src/domain/cases.js';
import { stockholmDay } from '../../src/domain/dates.js';
import type { CaseActionInput } from '../../src/domain/cases.js';
import { RawItem } from '../../src/domain/item.js';
import { withTransaction } from '../../src/store/db.js';
import {
  caseByNumber,
  caseEvents,
  caseParties,
  caseStatesOfCandidates,
  casesToReconsider,
  importCouncilCases,
  listCases,
  publicCaseEvents,
} from '../../src/store/cases.js';
import { insertManualItem, loadItems } from '../../src/store/items.js';
import { resolveItems } from '../../src/workers/resolve.js';
import { asOfOfRun, scoreAndStore } from '../../src/workers/score.js';
import { createUser } from '../../src/store/users.js';
import type { Actor } from '../../src/store/audit.js';

// Real PostgreSQL and Redis; the resolve path and scoring are the pipeline's own.
let h: Harness;
let app: AppContext;
let actor: Actor;
const ORIGIN = 'https://horisont.example.se';
const NOW = new Date('2026-03-02T09:00:00Z');

function submission(overrides: Partial<Record<string, unknown>> = {}): OutsideSubmission {
  return OutsideSubmission.parse({
    origin: 'region',
    region: 'Region Halland',
    kind: 'device',
    name: 'Glucosense Nova 2',
    maker: 'Glucosense Medical AB',
    indication: 'Typ 1-diabetes hos barn',
    reason: 'Stor efterfrågan från barnklinikerna; risk för ojämlik användning.',
    contactName: 'Hanna HTA',
    contactEmail: 'hanna.hta@regionhalland.example.se',
    clientRequestId: randomUUID(),
    ...overrides,
  });
}

async function change(caseNumber: string, input: CaseActionInput, today = '2026-03-02') {
  const record = (await caseByNumber(app.db, caseNumber))!;
  const outcome = await changeCase(
    app.db,
    actor,
    {
      caseNumber,
      expectedVersion: record.version,
      clientRequestId: randomUUID(),
      change: input,
      comment: 'intern kommentar',
      today,
    },
    app.config.sourceProfiles,
  );
  if (outcome.kind !== 'recorded') throw new Error(`not recorded: ${JSON.stringify(outcome)}`);
  return outcome;
}

/** Stores and resolves one item as the pipeline would. */
async function linkItem(sourceId: string, item: Record<string, unknown>): Promise<void> {
  await withTransaction(app.db, async (tx) => {
    const stored = await insertManualItem(tx, sourceId, RawItem.parse(item));
    const [run] = (await tx.query<{ id: string }>('select id from runs order by started_at limit 1')).rows;
    const { touched } = await resolveItems(tx, await loadItems(tx, [stored.id]), app.config, run!.id);
    for (const id of touched) await scoreAndStore(tx, id, app.config, await asOfOfRun(tx, run!.id));
  });
}

beforeAll(async () => {
  h = await createHarness();
  app = await h.app();
  const user = await createUser(app.db, {
    username: 'greta',
    role: 'reviewer',
    displayName: 'Greta Granskare',
  });
  actor = { id: user.id, name: user.displayName, role: user.role };
});
afterAll(async () => {
  await h?.close();
});

describe('nominations from outside the scan', () => {
  let caseNumber: string;
  let candidateId: string;

  it("a region's nomination of an unseen product creates a candidate through resolution, a nomination and a case", async () => {
    const result = await submitFromOutside(app, actor, submission(), { publicOrigin: ORIGIN, now: NOW });
    if (result.kind !== 'nomination') throw new Error('expected a nomination');
    expect(result).toMatchObject({ candidateCreated: true, joined: false, replayed: false });
    expect(result.caseNumber).toBe('HOR-2026-0001');
    caseNumber = result.caseNumber;
    candidateId = result.candidateId;

    const [candidate] = await h.query<{
      name: string;
      manufacturer: string;
      current_score_id: string | null;
    }>('select name, manufacturer, current_score_id from candidates where id = $1', [candidateId]);
    expect(candidate).toMatchObject({ name: 'Glucosense Nova 2', manufacturer: 'Glucosense Medical AB' });
    expect(candidate!.current_score_id).not.toBeNull();
    const evidence = await h.query<{ source_id: string; kind: string }>(
      `select i.source_id, i.kind from evidence e join source_items i on i.id = e.item_id where e.candidate_id = $1`,
      [candidateId],
    );
    expect(evidence).toEqual([{ source_id: 'nominations', kind: 'device' }]);
    const [nomination] = await h.query<{ origin: string; nominated_by: string }>(
      'select origin, nominated_by from nominations where candidate_id = $1',
      [candidateId],
    );
    expect(nomination).toEqual({ origin: 'region', nominated_by: 'Region Halland' });
    const [state] = await h.query<{ status: string }>(
      'select status from candidate_state where candidate_id = $1',
      [candidateId],
    );
    expect(state!.status).toBe('nominated');

    const record = (await caseByNumber(app.db, caseNumber))!;
    expect(record).toMatchObject({
      status: 'nominated',
      origin: 'region',
      candidateId,
      title: 'Glucosense Nova 2',
      indication: 'Typ 1-diabetes hos barn',
      parties: ['Region Halland'],
      isPublic: false,
    });
    expect(record.state.council).toBe('MTP-rådet');
    const [party] = await caseParties(app.db, record.id);
    expect(party).toMatchObject({
      contactName: 'Hanna HTA',
      contactEmail: 'hanna.hta@regionhalland.example.se',
      reason: 'Stor efterfrågan från barnklinikerna; risk för ojämlik användning.',
    });
    // The party's contact follows this case through the alert outbox.
    const outbox = await h.query<{ kind: string }>(
      `select e.kind from alert_outbox o join candidate_events e on e.id = o.event_id
       where o.subscription_id = $1`,
      [party!.subscriptionId],
    );
    expect(outbox).toEqual([{ kind: 'case-changed' }]);
  });

  it('the same request again is the same nomination', async () => {
    const input = submission();
    const first = await submitFromOutside(
      app,
      actor,
      { ...input, name: 'Replay Pump X1', maker: 'Replay AB' },
      {
        publicOrigin: ORIGIN,
        now: NOW,
      },
    );
    const again = await submitFromOutside(
      app,
      actor,
      { ...input, name: 'Replay Pump X1', maker: 'Replay AB' },
      {
        publicOrigin: ORIGIN,
        now: NOW,
      },
    );
    expect(again).toMatchObject({ replayed: true, caseNumber: (first as { caseNumber: string }).caseNumber });
    const items = await h.query(
      "select 1 from source_items where source_id = 'nominations' and title = 'Replay Pump X1'",
    );
    expect(items).toHaveLength(1);
  });

  it('another party asking for the same product and use joins the case; another use is a case of its own', async () => {
    const npo = await submitFromOutside(
      app,
      actor,
      submission({
        origin: 'npo',
        region: undefined,
        party: 'Endokrina sjukdomar',
        contactEmail: 'npo@example.se',
      }),
      { publicOrigin: ORIGIN, now: NOW },
    );
    expect(npo).toMatchObject({
      kind: 'nomination',
      caseNumber,
      candidateId,
      joined: true,
      candidateCreated: false,
    });
    expect((await caseByNumber(app.db, caseNumber))!.parties).toEqual([
      'Region Halland',
      'NPO Endokrina sjukdomar',
    ]);

    const other = await submitFromOutside(
      app,
      actor,
      submission({ region: 'Region Skåne', indication: 'Typ 2-diabetes med insulinbehandling' }),
      { publicOrigin: ORIGIN, now: NOW },
    );
    expect(other).toMatchObject({ kind: 'nomination', candidateId, joined: false });
    expect((other as { caseNumber: string }).caseNumber).not.toBe(caseNumber);
  });

  it("a company's signal is evidence, not a nomination", async () => {
    const before = await h.query('select id from cases');
    const signal = await submitFromOutside(
      app,
      actor,
      submission({
        origin: 'company',
        party: 'Glucosense Medical AB',
        region: undefined,
        contactName: undefined,
        contactEmail: undefined,
        reason: 'Vi lanserar i Norden hösten 2026.',
      }),
      { publicOrigin: ORIGIN, now: NOW },
    );
    expect(signal).toMatchObject({ kind: 'signal', candidateId, replayed: false });
    expect(await h.query('select id from cases')).toHaveLength(before.length);
    const items = await h.query<{ source_id: string }>(
      `select i.source_id from evidence e join source_items i on i.id = e.item_id
       where e.candidate_id = $1 order by i.id`,
      [candidateId],
    );
    expect(items.map((i) => i.source_id)).toContain('company-signals');
  });

  it('refuses a nomination without the fields a nomination needs', () => {
    const parsed = OutsideSubmission.safeParse({
      origin: 'npo',
      party: 'Påhittade sjukdomar',
      kind: 'device',
      name: 'X',
      indication: 'Y',
      clientRequestId: randomUUID(),
    });
    expect(parsed.success).toBe(false);
    const paths = parsed.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining(['party', 'reason', 'contactName', 'contactEmail', 'maker']),
    );
  });

  it('a case moves through the councils process; every change is an event; wrong moves are refused', async () => {
    await change(caseNumber, { action: 'take-up', council: 'MTP-rådet', indication: undefined });
    const decided = await change(caseNumber, {
      action: 'decide',
      outcome: 'omfattas',
      decidedOn: '2026-03-10',
      criteria: ['equal-use', 'resource-impact'],
      reasons: [],
    });
    expect(decided.record).toMatchObject({ status: 'omfattas', isPublic: true });
    await change(caseNumber, {
      action: 'recommend',
      kind: 'avvakta',
      text: 'Regionerna avvaktar tills rådet har kunskapsunderlag.',
      decidedOn: '2026-03-10',
      reviewOn: undefined,
    });
    await change(caseNumber, {
      action: 'order-assessment',
      body: 'tlv',
      bodyName: undefined,
      orderedOn: '2026-03-12',
      expectedOn: '2026-09-01',
      deliveredOn: undefined,
    });
    const recommended = await change(caseNumber, {
      action: 'recommend',
      kind: 'use-with-conditions',
      text: 'Använd till barn med typ 1-diabetes enligt nationellt vårdprogram.',
      decidedOn: '2026-09-20',
      reviewOn: '2027-09-20',
    });
    expect(recommended.record.state.recommendation).toMatchObject({
      kind: 'use-with-conditions',
      reviewOn: '2027-09-20',
    });

    const record = (await caseByNumber(app.db, caseNumber))!;
    const stale = await changeCase(
      app.db,
      actor,
      {
        caseNumber,
        expectedVersion: record.version - 1,
        clientRequestId: randomUUID(),
        change: { action: 'set-follow-up', followUpOn: '2027-03-01' },
        today: '2026-09-21',
      },
      app.config.sourceProfiles,
    );
    expect(stale).toMatchObject({ kind: 'conflict', reason: 'stale-version' });
    const wrong = await changeCase(
      app.db,
      actor,
      {
        caseNumber,
        expectedVersion: record.version,
        clientRequestId: randomUUID(),
        change: { action: 'take-up', council: 'NT-rådet', indication: undefined },
        today: '2026-09-21',
      },
      app.config.sourceProfiles,
    );
    expect(wrong).toMatchObject({ kind: 'conflict', reason: 'not-allowed' });

    const events = await caseEvents(app.db, record.id);
    expect(events.map((e) => e.action)).toEqual([
      'open',
      'add-party',
      'take-up',
      'decide',
      'recommend',
      'order-assessment',
      'recommend',
    ]);
    expect(events.filter((e) => e.isPublic).map((e) => e.action)).toEqual([
      'decide',
      'recommend',
      'order-assessment',
      'recommend',
    ]);
    await expect(h.query('update case_events set comment = null')).rejects.toThrow(/append-only/);
    const audit = await h.query<{ action: string }>(
      "select action from audit_log where subject_type = 'case' and subject_id = $1 order by seq",
      [caseNumber],
    );
    expect(audit.map((a) => a.action)).toContain('case.conflict');
  });

  it('the same client request id is one change', async () => {
    const record = (await caseByNumber(app.db, caseNumber))!;
    const input = {
      caseNumber,
      expectedVersion: record.version,
      clientRequestId: randomUUID(),
      change: {
        action: 'set-procurement',
        relevant: true,
        note: 'Upphandlingssamverkan via LfU',
      } as CaseActionInput,
      today: '2026-09-21',
    };
    const [a, b] = await Promise.all([
      changeCase(app.db, actor, input, app.config.sourceProfiles),
      changeCase(app.db, actor, input, app.config.sourceProfiles),
    ]);
    expect([a.kind, b.kind]).toEqual(['recorded', 'recorded']);
    expect((await caseByNumber(app.db, caseNumber))!.version).toBe(record.version + 1);
  });

  it("triage reads each candidate's process status, set-based", async () => {
    await linkItem('eudamed-devices', {
      itemKey: 'unrelated-pump',
      kind: 'device',
      title: 'Unrelated Infusion Pump 500',
      url: 'https://ec.europa.eu/tools/eudamed/#/screen/search-device/unrelated',
      product: { tradeName: 'Unrelated Infusion Pump 500', manufacturer: 'Other Maker GmbH' },
    });
    const [other] = await h.query<{ id: string }>(
      "select id from candidates where merged_into is null and name = 'Unrelated Infusion Pump 500'",
    );
    const states = await caseStatesOfCandidates(app.db, [candidateId, other!.id], '2026-09-21');
    expect(states.get(candidateId)).toMatchObject({ status: 'nominated', councils: ['MTP-rådet'] });
    expect(states.get(other!.id)).toMatchObject({ status: 'not-handled', cases: [] });
  });

  it('a passed review date, a safety notice and a new generation are reasons to reconsider', async () => {
    // Close the second-use case so the candidate's only open case is the decided one.
    const open = await listCases(app.db, { view: 'open', candidateId, limit: 10, offset: 0 });
    for (const c of open.items) await change(c.caseNumber, { action: 'close', reason: 'not-taken-up' });
    expect((await caseStatesOfCandidates(app.db, [candidateId], '2027-09-20')).get(candidateId)!.status).toBe(
      'handled',
    );
    const late = await caseStatesOfCandidates(app.db, [candidateId], '2027-09-21');
    expect(late.get(candidateId)).toMatchObject({
      status: 'reconsider',
      reconsiderTriggers: [{ kind: 'review-date-passed', reviewOn: '2027-09-20' }],
    });

    await linkItem('lakemedelsverket-fsn', {
      itemKey: 'fsn-glucosense-2026-10',
      kind: 'safety-notice',
      title: 'Säkerhetsmeddelande: Glucosense Nova 2 – felaktiga glukosvärden',
      url: 'https://www.lakemedelsverket.se/fsn/glucosense-nova-2',
      publishedAt: '2026-10-05',
      product: { tradeName: 'Glucosense Nova 2', manufacturer: 'Glucosense Medical AB' },
    });
    await linkItem('eudamed-devices', {
      itemKey: 'glucosense-nova-3',
      kind: 'device',
      title: 'Glucosense Nova 3',
      url: 'https://ec.europa.eu/tools/eudamed/#/screen/search-device/glucosense-nova-3',
      product: { tradeName: 'Glucosense Nova 3', manufacturer: 'Glucosense Medical AB', legislation: 'mdr' },
    });
    const listed = await casesToReconsider(app.db, '2026-12-01');
    const ours = listed.find((c) => c.record.caseNumber === caseNumber)!;
    expect(ours.triggers.map((t) => t.kind).sort()).toEqual(['new-generation', 'safety-notice']);
    expect((await caseStatesOfCandidates(app.db, [candidateId], '2026-12-01')).get(candidateId)!.status).toBe(
      'reconsider',
    );

    // "Not now": what has been seen is judged; the review date stays.
    await change(caseNumber, { action: 'acknowledge-review', reviewOn: undefined }, stockholmDay(new Date()));
    const after = await casesToReconsider(app.db, stockholmDay(new Date()));
    expect(after.find((c) => c.record.caseNumber === caseNumber)).toBeUndefined();
  });

  it('public events carry only public actions of public cases', async () => {
    const events = await publicCaseEvents(app.db, { limit: 100 });
    expect(
      events.every((e) => e.action !== 'open' && e.action !== 'take-up' && e.action !== 'acknowledge-review'),
    ).toBe(true);
    expect(events.some((e) => e.caseNumber === caseNumber && e.action === 'set-procurement')).toBe(true);
  });
});

describe("the councils' published lists", () => {
  it('are imported once as cases handled by the council, when a run reports', async () => {
    const summary = await h.scan();
    expect(summary.status).toBe('completed');
    const imported = await h.query<{ status: string; origin: string; is_public: boolean }>(
      "select status, origin, is_public from cases where origin = 'council-list'",
    );
    expect(imported.length).toBeGreaterThan(0);
    expect(imported.every((c) => c.status === 'handled-by-council' && c.is_public)).toBe(true);
    const again = await withTransaction(app.db, (tx) => importCouncilCases(tx, '2026-12-01'));
    expect(again).toBe(0);
    const items = await h.query("select id from source_items where kind = 'council-decision'");
    expect(imported).toHaveLength(items.length);

    // Triage sees a candidate on a council's list as handled by that council.
    const linked = await h.query<{ candidate_id: string }>(
      `select e.candidate_id from evidence e join source_items i on i.id = e.item_id
       where i.kind = 'council-decision' limit 1`,
    );
    expect(linked).toHaveLength(1);
    const state = (await caseStatesOfCandidates(app.db, [linked[0]!.candidate_id], '2026-12-01')).get(
      linked[0]!.candidate_id,
    )!;
    expect(['handled', 'reconsider']).toContain(state.status);
    expect(state.cases.some((c) => c.status === 'handled-by-council' && c.caseNumber !== null)).toBe(true);

    // The councils' pilot products (seed 001): what came after them is a reason to reconsider.
    const listed = await casesToReconsider(app.db, stockholmDay(new Date()));
    const why = (title: string) =>
      listed
        .find((c) => c.record.title === title)
        ?.triggers.map((t) => `${t.kind}: ${t.kind === 'review-date-passed' ? t.reviewOn : t.title}`);
    expect(why('MiniMed 670G')).toEqual(['new-generation: MiniMed 780G Insulin Pump System']);
    expect(why('FreeStyle Libre')).toEqual(
      expect.arrayContaining([
        'new-generation: FreeStyle Libre 2 Sensor',
        'new-generation: FreeStyle Libre 3 Sensor',
      ]),
    );
    expect(why('Optune')?.some((w) => w.startsWith('safety-notice'))).toBe(true);
  });
});
