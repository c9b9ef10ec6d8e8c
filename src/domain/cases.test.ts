import { describe, expect, it } from 'vitest';
import {
  CaseActionInput,
  OutsideSubmission,
  allowedActions,
  applyCaseAction,
  describeCaseEvent,
  formatCaseNumber,
  initialCaseState,
  isNewerGeneration,
  isPublicEvent,
  isSameLine,
  lineKeyOf,
  materialEventOf,
  processStatusOf,
  reviewDatePassed,
  sameMakerName,
} from './cases.js';
import { stockholmDay } from './dates.js';
import type { CaseState } from './cases.js';
import { INTERNAL_CASE_FIELDS, toPublicCase } from './public-cases.js';

const TODAY = '2026-03-02';

function apply(state: CaseState, input: unknown, today = TODAY): CaseState {
  const result = applyCaseAction(state, CaseActionInput.parse(input), today);
  if (result.kind !== 'ok') throw new Error(result.reason);
  return result.state;
}

function refused(state: CaseState, input: unknown): string {
  const result = applyCaseAction(state, CaseActionInput.parse(input), TODAY);
  if (result.kind !== 'refused') throw new Error('expected a refusal');
  return result.reason;
}

const nominated = initialCaseState({ council: 'MTP-rådet', indication: 'Typ 1-diabetes' });
const takenUp = apply(nominated, { action: 'take-up', council: 'NT-rådet' });
const included = apply(takenUp, {
  action: 'decide',
  outcome: 'omfattas',
  decidedOn: '2026-03-10',
  criteria: ['equal-use'],
});

describe('the case lifecycle', () => {
  it('moves nominated → taken up → decision → assessment → recommendation → follow-up → reconsideration → closed', () => {
    expect(takenUp).toMatchObject({
      status: 'taken-up',
      council: 'NT-rådet',
      indication: 'Typ 1-diabetes',
      version: 2,
    });
    expect(included).toMatchObject({ status: 'omfattas', public: true, judgedThrough: '2026-03-10' });
    const waiting = apply(included, {
      action: 'recommend',
      kind: 'avvakta',
      text: 'Avvakta tills underlag finns.',
      decidedOn: '2026-03-10',
    });
    expect(waiting).toMatchObject({ status: 'recommended', reviewOn: null });
    const ordered = apply(waiting, { action: 'order-assessment', body: 'tlv', orderedOn: '2026-03-12' });
    const delivered = apply(ordered, {
      action: 'order-assessment',
      body: 'tlv',
      orderedOn: '2026-03-12',
      deliveredOn: '2026-08-01',
    });
    expect(delivered.assessments).toEqual([
      { body: 'tlv', bodyName: null, orderedOn: '2026-03-12', expectedOn: null, deliveredOn: '2026-08-01' },
    ]);
    const recommended = apply(delivered, {
      action: 'recommend',
      kind: 'use',
      text: 'Använd.',
      decidedOn: '2026-09-01',
      reviewOn: '2027-09-01',
    });
    const followed = apply(recommended, { action: 'set-follow-up', followUpOn: '2027-03-01' });
    const reconsidering = apply(followed, { action: 'reconsider', reason: 'safety-notice' }, '2027-01-05');
    expect(reconsidering).toMatchObject({ status: 'reconsideration', judgedThrough: '2027-01-05' });
    const closed = apply(reconsidering, { action: 'close', reason: 'completed' });
    expect(closed).toMatchObject({ status: 'closed', closeReason: 'completed' });
    expect(allowedActions(closed)).toEqual(['reconsider']);
  });

  it('refuses moves the process does not have', () => {
    expect(
      refused(nominated, { action: 'decide', outcome: 'omfattas', decidedOn: TODAY, criteria: ['severity'] }),
    ).toBe('”Beslut om nationell samverkan” går inte i läget ”Nominerad”');
    const final = apply(included, {
      action: 'recommend',
      kind: 'use',
      text: 'x',
      decidedOn: TODAY,
      reviewOn: '2027-01-01',
    });
    expect(refused(final, { action: 'order-assessment', body: 'sbu', orderedOn: TODAY })).toContain(
      'omprövning',
    );
    expect(
      refused(final, {
        action: 'recommend',
        kind: 'use',
        text: 'x',
        decidedOn: '2026-01-01',
        reviewOn: '2027-01-01',
      }),
    ).toContain('äldre');
    expect(refused(final, { action: 'acknowledge-review', reviewOn: TODAY })).toContain('efter i dag');
  });

  it('validates what each change needs', () => {
    const issues = (input: unknown) =>
      CaseActionInput.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues({ action: 'decide', outcome: 'omfattas', decidedOn: TODAY })).toEqual([
      'criteria: ange minst ett kriterium som talar för nationell samverkan',
    ]);
    expect(
      issues({
        action: 'decide',
        outcome: 'omfattas-inte',
        decidedOn: '2026-02-30',
        reasons: ['tlv-benefit'],
      }),
    ).toEqual(['decidedOn: Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-03-12.']);
    expect(issues({ action: 'recommend', kind: 'use', text: 'x', decidedOn: TODAY })).toEqual([
      'reviewOn: ange när rekommendationen ska omprövas',
    ]);
    expect(
      issues({ action: 'recommend', kind: 'avvakta', text: 'x', decidedOn: TODAY, reviewOn: TODAY }),
    ).toEqual(['reviewOn: omprövningsdatumet måste ligga efter beslutsdatumet']);
    expect(
      issues({
        action: 'order-assessment',
        body: 'regional-hta',
        orderedOn: TODAY,
        expectedOn: '2026-01-01',
      }),
    ).toEqual([
      'bodyName: ange vem som tar fram underlaget',
      'expectedOn: datumet ligger före beställningen',
    ]);
    expect(
      issues({ action: 'add-consequence-analysis', region: 'Region Halland', url: 'javascript:alert(1)' }),
    ).toEqual(['url: ange en http(s)-adress']);
  });

  it('makes a case public with the council’s first decision; the beredning’s own steps stay internal', () => {
    expect(isPublicEvent('take-up', takenUp)).toBe(false);
    expect(isPublicEvent('decide', included)).toBe(true);
    const closedEarly = apply(nominated, { action: 'close', reason: 'not-taken-up' });
    expect(isPublicEvent('close', closedEarly)).toBe(false);
    expect(isPublicEvent('acknowledge-review', { ...included })).toBe(false);
  });

  it('says what a decision means in the seed’s words', () => {
    expect(
      describeCaseEvent(
        'decide',
        { outcome: 'omfattas-inte', decidedOn: TODAY, reasons: ['small-budget-impact', 'unknown-code'] },
        included,
      ),
    ).toEqual([
      'Omfattas inte av nationell samverkan (beslut 2026-03-02).',
      'Skäl: Budgetpåverkan är så liten att en hälsoekonomisk värdering inte är nödvändig.',
      'Beslutet är inte en avrådan från användning; rådet kommer inte att avge någon rekommendation.',
    ]);
  });

  it('numbers cases per year', () => {
    expect(formatCaseNumber(2026, 42)).toBe('HOR-2026-0042');
    expect(formatCaseNumber(2026, 12345)).toBe('HOR-2026-12345');
    expect(stockholmDay(new Date('2026-03-01T23:30:00Z'))).toBe('2026-03-02');
  });
});

describe('reasons to reconsider', () => {
  it('a review date has passed the day after it', () => {
    const state = { status: 'recommended' as const, reviewOn: '2026-09-01' };
    expect(reviewDatePassed(state, '2026-09-01')).toBe(false);
    expect(reviewDatePassed(state, '2026-09-02')).toBe(true);
    expect(reviewDatePassed({ ...state, status: 'closed' }, '2026-09-02')).toBe(false);
  });

  it.each([
    [{ kind: 'safety-notice', title: 'FSN: felaktiga värden' }, 'safety-notice'],
    [{ kind: 'hta-report', title: 'HTA-rapport: kontinuerlig glukosmätning' }, 'new-assessment'],
    [{ kind: 'news', title: 'CHMP: extension of indication for Xdrug' }, 'new-indication'],
    [{ kind: 'drug', title: 'Xdrug', summary: 'Ny indikation: hjärtsvikt' }, 'new-indication'],
    [{ kind: 'method', title: 'Utvidet bruksindikasjon for pumpen' }, 'new-indication'],
    [{ kind: 'device', title: 'Xpump 2 in EUDAMED' }, undefined],
  ])('%o is %s', (item, expected) => {
    expect(materialEventOf(item)).toBe(expected);
  });

  it.each([
    ['FreeStyle Libre 2', 'FreeStyle Libre 3', true],
    ['FreeStyle Libre 3', 'FreeStyle Libre 2', false],
    ['MiniMed 670G', 'MiniMed 780G', true],
    ['Dexcom G6', 'Dexcom G7', true],
    ['Optune', 'Optune 2', true],
    ['Optune', 'Optune Lua', false],
    ['FreeStyle Libre 3', 'FreeStyle Libre 3 Plus', false],
    ['MiniMed 670G', 'MiniMed 780G Insulin Pump System', true],
    ['FreeStyle Libre', 'FreeStyle Libre 3 Sensor', true],
    [
      'Dexcom G6 Continuous Glucose Monitoring System',
      'Dexcom G7 15 Day Continuous Glucose Monitoring System',
      true,
    ],
    ['MiniMed 780G Insulin Pump System', 'MiniMed 640G', false],
    ['Omnipod DASH', 'Omnipod 5', true],
    ['Omnipod 5', 'OmniPod DASH', false],
    ['Stent X 20 mm', 'Stent X 30 mm', false],
    ['Nova II', 'Nova III', true],
    ['Andova NIV', 'Andova NIV 150', false],
  ])('%s → %s: newer generation %s', (base, other, expected) => {
    expect(isNewerGeneration(base, other)).toBe(expected);
    // The councils' lists are indexed by this key: a pair that matches must share it.
    if (expected) expect(lineKeyOf(other)).toBe(lineKeyOf(base));
  });

  it.each([
    ['Sakralis', 'Sakralis Sacral Neuromodulation System', true],
    ['Andova NIV', 'Andova NIV 150', true],
    ['FreeStyle Libre', 'FreeStyle Libre 3 Sensor', false],
    ['MiniMed 670G', 'MiniMed 670G Insulin Pump', true],
    ['MiniMed 670G', 'MiniMed 780G', false],
    ['Optune', 'Novocure TTFields', false],
  ])('%s → %s: same product line %s', (listed, name, expected) => {
    expect(isSameLine(listed, name)).toBe(expected);
    if (expected) expect(lineKeyOf(name)).toBe(lineKeyOf(listed));
  });

  it('compares makers without legal forms and case', () => {
    expect(sameMakerName('Abbott Diabetes Care Inc.', 'ABBOTT DIABETES CARE')).toBe(true);
    expect(sameMakerName('Abbott', null)).toBe(false);
  });

  it('a candidate’s process status comes from all its cases', () => {
    const trigger = { kind: 'review-date-passed' as const, reviewOn: '2026-01-01' };
    expect(processStatusOf([])).toBe('not-handled');
    expect(processStatusOf([{ status: 'closed', public: false, triggers: [] }])).toBe('not-handled');
    expect(processStatusOf([{ status: 'taken-up', public: false, triggers: [] }])).toBe('nominated');
    expect(processStatusOf([{ status: 'omfattas-inte', public: true, triggers: [] }])).toBe('handled');
    expect(
      processStatusOf([
        { status: 'nominated', public: false, triggers: [] },
        { status: 'recommended', public: true, triggers: [trigger] },
      ]),
    ).toBe('reconsider');
  });
});

describe('nominations from outside the scan', () => {
  const base = {
    origin: 'region',
    region: 'Region Halland',
    kind: 'device',
    name: 'X',
    maker: 'Y',
    indication: 'Z',
    reason: 'R',
    contactName: 'C',
    contactEmail: 'c@example.se',
    clientRequestId: '6f0c2a52-2a4f-4b5e-9d11-1f1a6a3c0b11',
  };

  it('takes an NPO by its name or as "NPO …"', () => {
    expect(
      OutsideSubmission.safeParse({ ...base, origin: 'npo', party: 'Endokrina sjukdomar' }).success,
    ).toBe(true);
    expect(
      OutsideSubmission.safeParse({ ...base, origin: 'npo', party: 'NPO Endokrina sjukdomar' }).success,
    ).toBe(true);
    expect(OutsideSubmission.safeParse({ ...base, origin: 'npo', party: 'NPO Påhitt' }).success).toBe(false);
  });

  it('a company needs neither reason nor contact: its submission is a signal', () => {
    const { contactName: _n, contactEmail: _e, reason: _r, ...rest } = base;
    expect(OutsideSubmission.safeParse({ ...rest, origin: 'company', party: 'Y AB' }).success).toBe(true);
  });
});

describe('the public record', () => {
  it('has none of the internal fields', () => {
    const record = toPublicCase({
      caseNumber: 'HOR-2026-0001',
      title: 'X',
      manufacturer: null,
      subjectKind: 'device',
      origin: 'region',
      parties: ['Region Halland'],
      nominatedOn: new Date('2026-03-01T10:00:00Z'),
      state: included,
      updatedAt: new Date('2026-03-10T10:00:00Z'),
      events: [
        {
          id: '1',
          action: 'decide',
          payload: { outcome: 'omfattas', decidedOn: '2026-03-10' },
          after: included,
          createdAt: new Date('2026-03-10T10:00:00Z'),
        },
      ],
    });
    const keys = new Set<string>();
    JSON.stringify(record, (key, value: unknown) => {
      keys.add(key);
      return value;
    });
    for (const field of INTERNAL_CASE_FIELDS) expect(keys.has(field), field).toBe(false);
    expect(record).toMatchObject({
      statusLabel: 'Omfattas av nationell samverkan',
      nominatedOn: '2026-03-01',
    });
  });
});
