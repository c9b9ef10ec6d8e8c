import { describe, expect, it } from 'vitest';
import type { CandidateView, EvidenceItem } from './candidate.js';
import { describeCandidate } from './candidate.js';
import { criteriaWordProblems } from './criteria.js';
import type { ProductFacts } from './item.js';
import type { CaseStatusInput } from './routing.js';
import { CouncilLists } from './routing.js';
import type { ScoringInput } from './score.js';
import { importanceOf, priorityOf, scoreCandidate } from './score.js';
import { rankIn, weightSensitivity } from './score-sensitivity.js';
import {
  shippedConditions,
  shippedCriteria,
  shippedSourceProfiles,
} from '../../test/helpers/shipped-config.js';

const criteria = shippedCriteria;
const conditions = shippedConditions;
const AS_OF = '2026-12-01';

function score(view: CandidateView, extra: Partial<ScoringInput> = {}): ReturnType<typeof scoreCandidate> {
  return scoreCandidate(view, { criteria, conditions, asOf: AS_OF, ...extra });
}

let next = 100;
function ev(partial: Omit<EvidenceItem, 'itemId' | 'url'>): EvidenceItem {
  next += 1;
  return { itemId: String(next), url: `https://example.org/${partial.sourceId}/${next}`, ...partial };
}
const eudamed = (product: ProductFacts): EvidenceItem =>
  ev({
    sourceId: 'eudamed-devices',
    kind: 'device',
    title: product.tradeName,
    updatedAt: '2026-06-10',
    product: { marketStatus: 'refdata.market-status.on-the-market', ...product },
  });
const trial = (title: string, firstPosted: string, summary: string): EvidenceItem =>
  ev({ sourceId: 'clinicaltrials', kind: 'trial', title, publishedAt: firstPosted, summary });
const regionalHta = (region: string, title: string, day: string, summary = ''): EvidenceItem =>
  ev({
    sourceId: region,
    kind: 'hta-report',
    title,
    publishedAt: day,
    summary,
    publicationType: 'HTA-rapport',
  });
const tlv = (
  title: string,
  day: string,
  summary: string,
  kind: 'hta-report' | 'news' = 'hta-report',
): EvidenceItem => ev({ sourceId: 'tlv', kind, title, publishedAt: day, summary });
const nyeMetoder = (
  title: string,
  day: string,
  summary: string,
  publicationType: string,
  kind: 'drug' | 'device' = 'drug',
): EvidenceItem => ev({ sourceId: 'nye-metoder', kind, title, updatedAt: day, summary, publicationType });
const candidate = (name: string, evidence: EvidenceItem[]): CandidateView =>
  describeCandidate(name, name, evidence, shippedSourceProfiles);

// A pre-market class III implant for ALS with a Nordic trial, and an established pump for type 1
// diabetes with the documentation a product gathers over years.
const synaptra = candidate('Synaptra BCI', [
  trial(
    'Synaptra BCI Implant for Communication in People With ALS',
    '2025-12-08',
    'Status: RECRUITING. Sites: Sweden (Stockholm); Norway (Oslo). A fully implanted brain-computer interface for people with amyotrophic lateral sclerosis.',
  ),
  nyeMetoder(
    'Implanterbart hjerne-datamaskin-grensesnitt (Synaptra BCI) ved amyotrofisk lateral sklerose',
    '2026-11-17',
    'Utstyret har Breakthrough Device-status i USA og er ikke CE-merket.',
    'Metodevarsel',
    'device',
  ),
]);
const diabeat = candidate('Diabeat Comfort Insulin Pump', [
  eudamed({
    tradeName: 'Diabeat Comfort Insulin Pump',
    manufacturer: 'Diabeat AB',
    legislation: 'mdd',
    riskClass: 'refdata.risk-class.class-iib',
  }),
  regionalHta(
    'hta-stockholm',
    'Insulinpumpsbehandling med Diabeat Comfort hos vuxna med typ 1-diabetes',
    '2018-09-13',
  ),
  tlv(
    'Hälsoekonomisk bedömning av Diabeat Comfort vid typ 1-diabetes',
    '2019-05-02',
    'Kostnadseffektivitet jämfört med insulinpenna.',
  ),
]);

describe('priority = importance × timing', () => {
  it('ranks what is new and coming above what is established, whatever is documented', () => {
    const coming = score(synaptra);
    const established = score(diabeat);
    expect(coming.stage).toBe('pre-market');
    expect(established.stage).toBe('established');
    expect(coming.total).toBeGreaterThan(established.total);
    expect(coming.band).toBe('hög');
    expect(coming.nominate).toBe(true);
    expect(established.nominate).toBe(false);
    expect(coming.total).toBe(
      priorityOf(importanceOf(coming.criteria, criteria.importance.power), coming.timing),
    );
  });

  it('adds nothing for how well a product is already assessed', () => {
    const more = candidate('Synaptra BCI', [
      ...synaptra.evidence,
      regionalHta('hta-vgr', 'Synaptra BCI vid ALS', '2026-11-20'),
      regionalHta('hta-skane', 'Synaptra BCI vid ALS', '2026-11-21'),
    ]);
    expect(score(more).importance).toBe(score(synaptra).importance);
  });

  it('judges severity and patient group from the condition vocabulary, in every language', () => {
    const result = score(synaptra);
    expect(result.conditions.map((c) => c.id)).toContain('als');
    const severity = result.criteria.find((c) => c.criterionId === 'svarighetsgrad')!;
    expect(severity.signals.map((s) => s.signalId)).toEqual(['mycket-hog-svarighetsgrad']);
    expect(result.decisive.some((r) => r.startsWith('Mycket hög svårighetsgrad: ALS'))).toBe(true);
  });

  it('shows criteria judged from conditions as unknown, not zero, and says when evidence is too thin', () => {
    const bare = score(candidate('Anonym X100', [eudamed({ tradeName: 'Anonym X100', legislation: 'mdr' })]));
    const severity = bare.criteria.find((c) => c.criterionId === 'svarighetsgrad')!;
    expect(severity.known).toBe(false);
    expect(bare.insufficientEvidence).toBe(true);
    expect(bare.nominate).toBe(false);
  });

  it('knows nothing dated after the day judged', () => {
    const earlier = score(synaptra, { asOf: '2026-01-15' });
    expect(earlier.lifecycle.facts.every((f) => f.date === undefined || f.date <= '2026-01-15')).toBe(true);
    expect(earlier.asOf).toBe('2026-01-15');
    expect(earlier.lifecycle.facts.some((f) => f.kind === 'designation')).toBe(false);
  });

  it('gives the same result for the same evidence in any order, with duplicates', () => {
    const shuffled = candidate(
      'Synaptra BCI',
      [...synaptra.evidence].reverse().concat(synaptra.evidence[0]!),
    );
    expect(score(shuffled)).toEqual(score(synaptra));
  });
});

describe('routing and process status are two things', () => {
  const listed = new CouncilLists([
    { title: 'MiniMed 670G', council: 'MTP-rådet', listedOn: '2019-05-27' },
    { title: 'Sakralis', council: 'MTP-rådet', listedOn: '2021-04-22' },
  ]);
  const handled: CaseStatusInput = { status: 'handled', councils: ['MTP-rådet'], reconsiderReasons: [] };

  it('keeps a product the councils handle routed to its council, with its status, and never nominates it', () => {
    const result = score(synaptra, { cases: handled });
    expect(result.council).toBe('MTP-rådet');
    expect(result.processStatus).toBe('hanteras-av-mtp-radet');
    expect(result.nominate).toBe(false);
    expect(result.decisive[0]).toMatch(/^Hanteras av MTP-rådet/);
  });

  it('reads a commissioned assessment as the council handling the product', () => {
    const view = candidate('Kardiolink', [
      tlv(
        'Hälsoekonomisk bedömning av Kardiolink vid hjärtsvikt',
        '2026-10-30',
        'TLV har på uppdrag av MTP-rådet bedömt kostnadseffektiviteten för telemonitorering med Kardiolink.',
      ),
    ]);
    expect(score(view).processStatus).toBe('hanteras-av-mtp-radet');
  });

  it('compares a candidate only with the entries of its line listed by the day judged, in list order', () => {
    const lists = new CouncilLists([
      { title: 'MiniMed 670G', council: 'MTP-rådet', listedOn: '2019-05-27' },
      { title: 'Sakralis', council: 'MTP-rådet', listedOn: '2021-04-22' },
      { title: 'MiniMed 780G', council: 'MTP-rådet', listedOn: '2027-01-15' },
      { title: 'MiniMed', council: 'NT-rådet' },
      { title: '3', council: 'MTP-rådet' },
    ]);
    const titles = (name: string): string[] => lists.listedFor(name, '2026-12-01').map((e) => e.title);
    expect(titles('MiniMed 780G Insulin Pump System')).toEqual(['MiniMed 670G', 'MiniMed']);
    expect(titles('minimed 640g')).toEqual(['MiniMed 670G', 'MiniMed']);
    expect(titles('Omnipod 5')).toEqual([]);
    expect(titles('3')).toEqual([]);
  });

  it('treats a model of a listed line as handled and a newer generation as a reason to reconsider', () => {
    const model = candidate('Sakralis Sacral Neuromodulation System', [
      eudamed({
        tradeName: 'Sakralis Sacral Neuromodulation System',
        legislation: 'mdr',
        riskClass: 'refdata.risk-class.class-iii',
      }),
    ]);
    expect(score(model, { councilLists: listed }).processStatus).toBe('hanteras-av-mtp-radet');
    const successor = candidate('MiniMed 780G Insulin Pump System', [
      eudamed({ tradeName: 'MiniMed 780G Insulin Pump System', legislation: 'mdr' }),
      trial(
        'MiniMed 780G in Children With Type 1 Diabetes',
        '2026-02-01',
        'Status: RECRUITING. Sites: Sweden (Göteborg).',
      ),
    ]);
    const judged = score(successor, { councilLists: listed });
    expect(judged.processStatus).toBe('omprovning');
    expect(judged.statusReason).toMatch(/Ny generation av ”MiniMed 670G”/);
  });

  it('routes requisition drugs to NT-rådet, prescription drugs to TLV unless an exception of seed 004 holds', () => {
    const requisition = candidate('Neurablast', [
      nyeMetoder(
        'Ganglituximab (Neurablast) – høyrisiko nevroblastom hos barn',
        '2026-10-19',
        'CHMP ga positiv uttalelse 15.10.2026. Legemiddelet gis som intravenøs infusjon i sykehus og er sykehusfinansiert.',
        'Metodevarsel',
      ),
    ]);
    const routed = score(requisition);
    expect([routed.council, routed.drugForm, routed.stage]).toEqual([
      'NT-rådet',
      'rekvisition',
      'market-entry',
    ]);
    const prescription = candidate('Dermavia', [
      tlv(
        'Dermavia kräm ingår i läkemedelsförmånerna',
        '2026-09-17',
        'Det receptbelagda läkemedlet Dermavia kräm för behandling av lindrig plackpsoriasis ingår i läkemedelsförmånerna.',
        'news',
      ),
    ]);
    expect([score(prescription).council, score(prescription).drugForm]).toEqual(['TLV', 'recept']);
    const exception = candidate('Krasvelo', [
      tlv(
        'Krasvelo: TLV har tagit emot en ansökan om subvention',
        '2026-11-24',
        'Företaget har ansökt om att det receptbelagda läkemedlet Krasvelo ska ingå i läkemedelsförmånerna vid metastaserad cancer i bukspottkörteln.',
        'news',
      ),
    ]);
    expect(score(exception).council).toBe('NT-rådet');
    expect(score(exception).routingReason).toMatch(/undantagen för receptläkemedel/);
  });

  it('puts what is not a medical device outside the remit with the words that say so', () => {
    const ring = candidate('Pulsring Active', [
      trial(
        'Pulsring Active Consumer Ring',
        '2026-01-26',
        'Status: RECRUITING. Pulsring Active is a consumer wellness ring; it is not CE-marked as a medical device.',
      ),
    ]);
    const result = score(ring);
    expect(result.council).toBe('utanför');
    expect(result.stage).toBe('unknown');
    expect(result.nominate).toBe(false);
  });
});

describe('the configuration counts each piece of evidence once', () => {
  it('has no criteria term that names a condition and no word or fact scored twice', () => {
    expect(criteriaWordProblems(criteria, conditions)).toEqual([]);
  });

  it("detects evidence by the kind of its source, as the source's adapter declares it", () => {
    const byKind = structuredClone(criteria);
    const signal = byKind.criteria[0]!.signals[0]!;
    signal.detect = { type: 'evidence-kind', kinds: ['hta-report'], sourceKinds: ['reimbursement-agency'] };
    const report = (sourceId: string): EvidenceItem =>
      ev({ sourceId, kind: 'hta-report', title: 'Bedömning av Synaptra BCI', publishedAt: '2026-05-04' });
    const detected = (sourceId: string) =>
      score(candidate('Synaptra BCI', [report(sourceId)]), { criteria: byKind })
        .criteria.flatMap((c) => c.signals)
        .some((s) => s.signalId === signal.id);
    expect(detected('tlv')).toBe(true);
    expect(detected('sbu-publications')).toBe(false);
    // A source no configuration declares has no kind.
    expect(detected('tlv-okand')).toBe(false);
  });

  it('finds a term that names a condition and a word scored by two signals', () => {
    const broken = structuredClone(criteria);
    const terms = broken.criteria[0]!.signals[0]!.detect;
    if (terms.type !== 'terms') throw new Error('expected a terms detector first');
    terms.terms = [...terms.terms, 'diabetes', 'kostnadseffektiv*'];
    const problems = criteriaWordProblems(broken, conditions);
    expect(problems.some((p) => p.includes('"diabetes" names the condition'))).toBe(true);
    expect(problems.some((p) => p.includes('"kostnadseffektiv*" is also scored by'))).toBe(true);
  });
});

describe('weightSensitivity', () => {
  const views = { synaptra, diabeat };
  const scored = Object.entries(views).map(([id, view]) => {
    const result = score(view);
    return { id, criteria: result.criteria, timing: result.timing };
  });

  it('recomputes priorities with one weight ×0.5 and ×1.5, timing unchanged, and ranks again', () => {
    const totals = new Map(
      scored.map((s) => [s.id, priorityOf(importanceOf(s.criteria, criteria.importance.power), s.timing)]),
    );
    const result = weightSensitivity('synaptra', scored, criteria);
    expect(result.total).toBe(score(synaptra).total);
    expect(result.rank).toBe(rankIn(totals, 'synaptra'));
    const severity = result.criteria.find((c) => c.criterionId === 'svarighetsgrad')!;
    expect(severity.changes.map((c) => c.factor)).toEqual([0.5, 1.5]);
    expect(severity.changes[1]!.total).toBeGreaterThanOrEqual(result.total);
  });
});
