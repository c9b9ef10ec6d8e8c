import type { CandidateKind, CandidateView, EvidenceItem } from './candidate.js';
import {
  canonicalEvidence,
  compareStrings,
  isEuRegistryRecord,
  isRegistryRecord,
  normaliseLegislation,
  normaliseRiskClass,
} from './candidate.js';
import { normaliseBasicUdiDi, normaliseUdiDi } from './identifiers.js';
import { IsoDate } from './item.js';
import type { DrugFacts } from './item.js';
import { TermMatcher, foldForMatching, normaliseManufacturer, normaliseText } from './normalise.js';
import type { CriterionResult, ScoreResult } from './score.js';
import { swedishDay } from './lifecycle.js';
import { DRUG_FORM_LABELS } from './routing.js';
import { DRUG_SIGNAL_FACT_LABELS, INDICATION_MISSING, drugFactHolds, drugStageFacts } from './drugs.js';
import type { DrugStageFact } from './drugs.js';
import { ITEM_KIND_LABELS, legislationLabel, regionKey, riskClassLabel } from './labels.js';
import { GAP_PREFIX, REPORT_SCHEMA_VERSION, SECTION_HEADINGS } from './report-schema.js';
import type { EarlyAssessmentReport, ReportFact, ReportSource } from './report-schema.js';
import { reportDate, safeHttpUrl } from './report-text.js';
import { calendarDay } from './dates.js';
import { renderMarkdown } from './report-markdown.js';
import type { SourceLabels } from './labels.js';

/**
 * Builds the early assessment report (tidig bedömningsrapport) from a candidate and its score:
 * the versioned JSON ({@link EarlyAssessmentReport}, in report-schema.ts) and its Swedish
 * Markdown. Everything the report says is either a statement that cites at least one source, or
 * a gap written as "Uppgift saknas: …"; nothing is guessed.
 */

const KIND_LABELS: Record<CandidateKind, string> = {
  device: 'Medicinteknisk produkt',
  ivd: 'Medicinteknisk produkt för in vitro-diagnostik (IVD)',
  drug: 'Läkemedel',
  method: 'Metod',
};

/** "produkten", "metoden" or "läkemedlet": what the report is about, in running text. */
const SUBJECT: Record<CandidateKind, string> = {
  device: 'produkten',
  ivd: 'produkten',
  drug: 'läkemedlet',
  method: 'metoden',
};

const MARKET_STATUS_LABELS: Record<string, string> = {
  'on-the-market': 'på marknaden',
  'no-longer-on-the-market': 'inte längre på marknaden',
  'not-intended-for-eu-market': 'inte avsedd för EU-marknaden',
};

/** Cue words for the indication and for the care a product replaces or adds to. */
const INDICATION_CUES = new TermMatcher([
  'vid',
  'hos',
  'patienter med',
  'personer med',
  'indikation*',
  'avsedd*',
  'intended',
  'indicated',
  'for patients',
  'in patients',
]);
const CURRENT_CARE_CUES = new TermMatcher([
  'jämfört med',
  'jämförelse mellan',
  'i stället för',
  'istället för',
  'ersätter',
  'ersättning för',
  'som tillägg till',
  'tillägg till',
  'sedvanlig*',
  'standardbehandling*',
  'konventionell*',
  'compared with',
  'compared to',
  'versus',
  'instead of',
  'sammenlignet med',
]);

interface Built {
  sources: ReportSource[];
  byItemId: Map<string, ReportSource>;
}

function dayKey(e: EvidenceItem): string {
  const raw = e.publishedAt ?? e.updatedAt;
  return raw === undefined ? '' : (calendarDay(raw) ?? '');
}

function buildSources(evidence: EvidenceItem[]): Built {
  // Timeline order: oldest first, undated last; ties in canonical (sourceId, itemId) order.
  const ordered = [...evidence].sort((a, b) => {
    const da = dayKey(a);
    const db = dayKey(b);
    if (da !== db) {
      if (da === '') return 1;
      if (db === '') return -1;
      return compareStrings(da, db);
    }
    return compareStrings(a.sourceId, b.sourceId) || compareStrings(a.itemId, b.itemId);
  });
  const sources = ordered.map((e, i) => {
    const source: ReportSource = {
      ref: `E${i + 1}`,
      itemId: e.itemId,
      sourceId: e.sourceId,
      kind: e.kind,
      kindLabel: ITEM_KIND_LABELS[e.kind],
      title: plain(e.title) || e.itemId,
      url: safeHttpUrl(e.url) === undefined ? null : e.url,
    };
    if (e.publishedAt !== undefined && IsoDate.safeParse(e.publishedAt).success) {
      source.publishedAt = e.publishedAt;
    }
    if (e.updatedAt !== undefined && IsoDate.safeParse(e.updatedAt).success) source.updatedAt = e.updatedAt;
    if (e.region !== undefined && e.region.trim() !== '') source.region = plain(e.region);
    if (e.publicationType !== undefined && e.publicationType.trim() !== '') {
      source.publicationType = plain(e.publicationType);
    }
    return source;
  });
  return { sources, byItemId: new Map(sources.map((s) => [s.itemId, s])) };
}

function known(
  label: string,
  text: string,
  items: readonly EvidenceItem[],
  built: Built,
): ReportFact | undefined {
  const refs = refsOf(
    items.map((e) => e.itemId),
    built,
  );
  if (refs.length === 0 || text.trim() === '') return undefined;
  return { status: 'known', label, text, sources: refs };
}

/** Source refs for item ids, de-duplicated and in E-number order. */
function refsOf(itemIds: readonly string[], built: Built): string[] {
  const refs = itemIds.map((id) => built.byItemId.get(id)?.ref).filter((r): r is string => r !== undefined);
  return uniq(refs).sort(compareRefs);
}

function gap(label: string, what: string): ReportFact {
  return { status: 'gap', label, text: `${GAP_PREFIX}${what}` };
}

type DrugEvidence = EvidenceItem & { drug: DrugFacts };

function drugEvidence(evidence: readonly EvidenceItem[]): DrugEvidence[] {
  return evidence.filter((e): e is DrugEvidence => e.drug !== undefined);
}

/** One fact per distinct text the sources state, citing every item that states it. */
function statedFacts(
  label: string,
  stated: readonly (readonly [string | undefined, EvidenceItem])[],
  built: Built,
): ReportFact[] {
  // Sources differ in case ("Ulefnersen", "ulefnersen"): the first source's spelling is shown.
  const byKey = new Map<string, { text: string; items: EvidenceItem[] }>();
  for (const [text, e] of stated) {
    const shown = text === undefined ? '' : plain(text);
    if (shown === '') continue;
    const key = foldForMatching(shown);
    const group = byKey.get(key) ?? { text: shown, items: [] };
    group.items.push(e);
    byKey.set(key, group);
  }
  return [...byKey.values()].flatMap(({ text, items }) => known(label, text, items, built) ?? []);
}

/**
 * Display form of stored text: NFKC and collapsed whitespace, nothing removed. Stored item text is
 * already text (adapters extract it), so angle brackets in it are characters to show, escaped,
 * not markup to strip.
 */
function plain(s: string): string {
  return s.normalize('NFKC').replace(/\s+/gu, ' ').trim();
}

function uniq<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

function sentences(text: string): string[] {
  return plain(text)
    .split(/(?<=[.!?])\s+(?=[\p{Lu}\d])/u)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function fieldsOf(e: EvidenceItem): string[] {
  return [e.title, e.summary, e.product?.tradeName]
    .filter((f): f is string => f !== undefined)
    .map(normaliseText);
}

type Registry = EvidenceItem & { product: NonNullable<EvidenceItem['product']> };

function productSection(
  candidate: CandidateView,
  evidence: EvidenceItem[],
  registry: Registry[],
  withFacts: Registry[],
  built: Built,
): ReportFact[] {
  const facts: ReportFact[] = [];
  const nameKey = foldForMatching(candidate.name);
  const nameSources = withFacts.filter(
    (e) => foldForMatching(normaliseText(e.product.tradeName)) === nameKey,
  );
  const mentioning = evidence.filter((e) => fieldsOf(e).some((f) => foldForMatching(f).includes(nameKey)));
  facts.push(
    known(
      candidate.kind === 'method' ? 'Metod' : candidate.kind === 'drug' ? 'Läkemedel' : 'Produkt',
      candidate.name,
      nameSources.length > 0 ? nameSources : mentioning.length > 0 ? mentioning : evidence,
      built,
    ) ?? gap('Produkt', 'produktnamnet bekräftas inte av någon källa'),
  );
  const drugs = drugEvidence(evidence);
  if (candidate.kind === 'drug') {
    facts.push(
      ...statedFacts(
        'Substans (INN)',
        drugs.map((e) => [e.drug.inn, e] as const),
        built,
      ),
    );
    facts.push(
      ...statedFacts(
        'ATC-kod',
        drugs.map((e) => [e.drug.atc, e] as const),
        built,
      ),
    );
    const holders = statedFacts(
      'Innehavare av godkännande, sökande eller sponsor',
      drugs.map((e) => [e.drug.holder, e] as const),
      built,
    );
    if (holders.length > 0) {
      facts.push(...holders);
      const kindBasis = registry.length > 0 ? registry : evidence;
      facts.push(
        known('Typ', KIND_LABELS[candidate.kind], kindBasis, built) ??
          gap('Typ', 'vilken typ av produkt det gäller'),
      );
      return facts;
    }
  }
  const manufacturer = candidate.manufacturer;
  const stating =
    manufacturer === undefined
      ? []
      : withFacts.filter(
          (e) => normaliseManufacturer(e.product.manufacturer ?? '') === normaliseManufacturer(manufacturer),
        );
  facts.push(
    (manufacturer === undefined ? undefined : known('Tillverkare', manufacturer, stating, built)) ??
      gap(
        'Tillverkare',
        candidate.kind === 'method'
          ? 'tillverkare (metoden är inte knuten till en enskild produkt i källorna)'
          : 'tillverkare (ingen strukturerad uppgift i källorna)',
      ),
  );
  const srns = candidate.identifiers.filter((i) => i.scheme === 'srn');
  for (const srn of srns) {
    const fact = known(
      'Tillverkarens SRN',
      srn.value,
      registry.filter(
        (e) => (e.product.manufacturerSrn ?? '').replace(/\s+/g, '').toUpperCase() === srn.value,
      ),
      built,
    );
    if (fact !== undefined) facts.push(fact);
  }
  const kindBasis = registry.length > 0 ? registry : evidence;
  facts.push(
    known('Typ', KIND_LABELS[candidate.kind], kindBasis, built) ??
      gap('Typ', 'vilken typ av produkt det gäller'),
  );
  return facts;
}

function describeSection(
  evidence: EvidenceItem[],
  registry: Registry[],
  subject: string,
  built: Built,
): ReportFact[] {
  const facts: ReportFact[] = [];
  const rank = (e: EvidenceItem): number =>
    isRegistryRecord(e) ? 0 : e.kind === 'hta-report' || e.kind === 'method' ? 1 : 2;
  const withSummary = evidence
    .filter((e) => normaliseText(e.summary ?? '') !== '')
    .sort(
      (a, b) =>
        rank(a) - rank(b) || compareStrings(a.sourceId, b.sourceId) || compareStrings(a.itemId, b.itemId),
    );
  const seen = new Set<string>();
  for (const e of withSummary) {
    const text = truncate(plain(e.summary ?? ''), 500);
    if (seen.has(text) || seen.size >= 4) continue;
    seen.add(text);
    const fact = known(`Enligt ${ITEM_KIND_LABELS[e.kind]}`, `”${text}”`, [e], built);
    if (fact !== undefined) facts.push(fact);
  }
  for (const e of registry) {
    const codes = e.product.emdnCodes ?? [];
    if (codes.length === 0) continue;
    const fact = known('EMDN-kod', codes.join(', '), [e], built);
    if (fact !== undefined) facts.push(fact);
  }
  if (facts.length === 0) {
    facts.push(gap('Beskrivning', `beskrivning av vad ${subject} är och gör (ingen källa beskriver det)`));
  }
  return facts;
}

function indicationSection(candidate: CandidateView, evidence: EvidenceItem[], built: Built): ReportFact[] {
  // A drug's indication as its sources state it (EMA, the trial's condition, TLV's decision).
  const facts: ReportFact[] = statedFacts(
    'Indikation',
    drugEvidence(evidence).map((e) => [e.drug.indication, e] as const),
    built,
  );
  if (candidate.kind === 'drug' && facts.length === 0) {
    facts.push(gap('Indikation', `${INDICATION_MISSING} (ingen källa anger läkemedlets indikation)`));
  }
  const stated = facts.length;
  const seen = new Set<string>();
  for (const e of evidence) {
    const candidates = [plain(e.title), ...sentences(e.summary ?? '')];
    for (const s of candidates) {
      if (facts.length >= stated + 5 || seen.has(s) || !INDICATION_CUES.matches(s)) continue;
      seen.add(s);
      const fact = known('Enligt källan', `”${truncate(s, 300)}”`, [e], built);
      if (fact !== undefined) facts.push(fact);
    }
  }
  if (facts.length === 0) {
    facts.push(gap('Indikation', 'avsedd användning och indikation (anges inte i källorna)'));
  }
  facts.push(gap('Patientgruppens storlek', 'antal patienter i Sverige som kan bli aktuella'));
  return facts;
}

const DRUG_STAGE_LABELS: Record<DrugStageFact['kind'], string> = {
  'not-yet-approved': 'EU-status',
  'eu-approval': 'EU-status',
  'foreign-approval': 'Godkänt utanför EU',
  'swedish-reimbursement': 'TLV',
  assessment: 'TLV',
  'nordic-decision': 'Nordisk bedömning',
  'new-indication': 'Ny indikation',
  designation: 'Särskild status',
};

const DRUG_DESIGNATIONS = ['orphan', 'prime', 'conditional', 'accelerated'] as const;

/**
 * A drug's procedure as its sources state it: each event (under EU evaluation, CHMP opinion, EU
 * approval, FDA approval, TLV decision) with its date, the expected EU decision, the EU
 * designations, the EMA product number and the stated prescription form.
 */
function drugRegulatoryFacts(drugs: readonly DrugEvidence[], built: Built): ReportFact[] {
  const stages = drugs.flatMap((e) =>
    drugStageFacts(e.drug, (day) => swedishDay(day))
      .filter((f) => f.kind !== 'designation')
      .map((f) => [f, e] as const),
  );
  const facts = [...new Set(stages.map(([f]) => DRUG_STAGE_LABELS[f.kind]))].flatMap((label) =>
    statedFacts(
      label,
      stages.filter(([f]) => DRUG_STAGE_LABELS[f.kind] === label).map(([f, e]) => [f.text, e] as const),
      built,
    ),
  );
  facts.push(
    ...statedFacts(
      'Väntat EU-beslut',
      drugs.map(
        (e) => [e.drug.expectedDecisionOn && swedishDay(e.drug.expectedDecisionOn.slice(0, 10)), e] as const,
      ),
      built,
    ),
  );
  for (const designation of DRUG_DESIGNATIONS) {
    const items = drugs.filter((e) => drugFactHolds(e.drug, designation));
    const fact = known('Särskild status', DRUG_SIGNAL_FACT_LABELS[designation], items, built);
    if (fact !== undefined) facts.push(fact);
  }
  facts.push(
    ...statedFacts(
      'EMA-produktnummer',
      drugs.map((e) => [e.drug.emaProductNumber, e] as const),
      built,
    ),
  );
  facts.push(
    ...statedFacts(
      'Förskrivningsform',
      drugs.map((e) => [e.drug.supply && DRUG_FORM_LABELS[e.drug.supply], e] as const),
      built,
    ),
  );
  return facts;
}

/** EUDAMED certificate statuses (`refdata.certificate-status.*`) in Swedish. */
const CERTIFICATE_STATUS_LABELS: Record<string, string> = {
  issued: 'utfärdat',
  supplemented: 'kompletterat',
  amended: 'ändrat',
  reissued: 'återutfärdat',
  restricted: 'begränsat',
  suspended: 'tillfälligt indraget',
  withdrawn: 'indraget',
  cancelled: 'upphävt',
};

/** "MDR technical documentation" → "teknisk dokumentation (MDR)". */
function certificateTypeLabel(type: string): string {
  const match = /^(MDR|IVDR)\s+(.+)$/i.exec(type);
  const kind = (match?.[2] ?? type).toLowerCase();
  const swedish =
    kind === 'technical documentation'
      ? 'teknisk dokumentation'
      : kind === 'quality management system'
        ? 'kvalitetsledningssystem'
        : kind;
  return match ? `${swedish} (${match[1]!.toUpperCase()})` : swedish;
}

/**
 * The notified bodies and certificates the evidence names (EUDAMED certificate details linked to
 * the candidate through their scopes), newest first; gaps when none is linked.
 */
function certificateFacts(evidence: readonly EvidenceItem[], built: Built): ReportFact[] {
  const certified = evidence
    .filter(
      (e): e is EvidenceItem & { certificate: NonNullable<EvidenceItem['certificate']> } =>
        e.certificate !== undefined,
    )
    .sort(
      (a, b) =>
        compareStrings(b.certificate.issuedOn ?? '', a.certificate.issuedOn ?? '') ||
        compareStrings(a.itemId, b.itemId),
    );
  if (certified.length === 0) {
    return [
      gap('Anmält organ', 'anmält organ (inget certifikat för produkten i källorna)'),
      gap('Certifikat', 'certifikatnummer, utfärdandedatum och giltighetstid'),
    ];
  }
  const facts: ReportFact[] = [];
  const bodies = new Map<string, EvidenceItem[]>();
  for (const e of certified) {
    const { notifiedBody, notifiedBodyName } = e.certificate;
    const body = [notifiedBody, notifiedBodyName].filter(Boolean).join(' ');
    if (body !== '') bodies.set(body, [...(bodies.get(body) ?? []), e]);
  }
  for (const [body, items] of bodies) {
    const fact = known('Anmält organ', body, items, built);
    if (fact !== undefined) facts.push(fact);
  }
  for (const e of certified) {
    const c = e.certificate;
    const dates = [
      c.issuedOn === undefined ? undefined : `utfärdat ${reportDate(c.issuedOn) ?? c.issuedOn}`,
      c.expiresOn === undefined ? undefined : `giltigt till ${reportDate(c.expiresOn) ?? c.expiresOn}`,
    ].filter(Boolean);
    // "Utfärdat" goes with the date; another status (supplemented, withdrawn …) is said apart.
    const status =
      c.status === undefined || c.status === 'issued'
        ? undefined
        : (CERTIFICATE_STATUS_LABELS[c.status] ?? c.status);
    const text = [c.number, c.type === undefined ? undefined : certificateTypeLabel(c.type), status, ...dates]
      .filter(Boolean)
      .join(', ');
    const fact = known('Certifikat', text, [e], built);
    if (fact !== undefined) facts.push(fact);
  }
  return facts;
}

function regulatorySection(candidate: CandidateView, registry: Registry[], built: Built): ReportFact[] {
  const facts: ReportFact[] = [];
  const isProduct = candidate.kind === 'device' || candidate.kind === 'ivd';
  if (candidate.kind === 'drug') facts.push(...drugRegulatoryFacts(drugEvidence(candidate.evidence), built));
  if (!isProduct) {
    if (facts.length > 0) return facts;
    facts.push(
      gap(
        'Regulatorisk status',
        candidate.kind === 'drug'
          ? 'godkännande för försäljning (EMA/Läkemedelsverket) framgår inte av källorna'
          : 'metoden är inte en enskild produkt; CE-märkning för ingående produkter framgår inte av källorna',
      ),
    );
    return facts;
  }
  if (!registry.some((e) => isEuRegistryRecord(e))) {
    facts.push(
      gap(
        'CE-märkning',
        'CE-märkning och riskklass enligt MDR/IVDR (produkten finns inte i EUDAMED i de källor som lästs)',
      ),
    );
  }
  const byClass = new Map<string, Registry[]>();
  const byLegislation = new Map<string, Registry[]>();
  const byStatus = new Map<string, Registry[]>();
  for (const e of registry) {
    const rc = e.product.riskClass === undefined ? undefined : normaliseRiskClass(e.product.riskClass);
    if (rc !== undefined) byClass.set(rc, [...(byClass.get(rc) ?? []), e]);
    const lg = e.product.legislation === undefined ? undefined : normaliseLegislation(e.product.legislation);
    if (lg !== undefined) byLegislation.set(lg, [...(byLegislation.get(lg) ?? []), e]);
    const ms = e.product.marketStatus?.toLowerCase();
    if (ms !== undefined) {
      const code = ms.includes('.') ? ms.slice(ms.lastIndexOf('.') + 1) : ms;
      byStatus.set(code, [...(byStatus.get(code) ?? []), e]);
    }
  }
  if (registry.length > 0) {
    if (byClass.size === 0) facts.push(gap('Riskklass', 'riskklass (anges inte i registret)'));
    for (const [code, items] of [...byClass].sort(([a], [b]) => compareStrings(a, b))) {
      const fact = known('Riskklass', `Klass ${riskClassLabel(code)}`, items, built);
      if (fact !== undefined) facts.push(fact);
    }
    if (byLegislation.size === 0) facts.push(gap('Lagstiftning', 'tillämplig lagstiftning (MDR/IVDR)'));
    for (const [code, items] of [...byLegislation].sort(([a], [b]) => compareStrings(a, b))) {
      const fact = known('Lagstiftning', legislationLabel(code), items, built);
      if (fact !== undefined) facts.push(fact);
    }
    for (const [code, items] of [...byStatus].sort(([a], [b]) => compareStrings(a, b))) {
      const fact = known('Marknadsstatus', MARKET_STATUS_LABELS[code] ?? code, items, built);
      if (fact !== undefined) facts.push(fact);
    }
    const implantable = registry.filter((e) => e.product.implantable !== undefined);
    if (implantable.length === 0) {
      facts.push(gap('Implanterbar', 'om produkten är implanterbar (anges inte i registret)'));
    } else {
      for (const value of [true, false]) {
        const items = implantable.filter((e) => e.product.implantable === value);
        const fact = known('Implanterbar', value ? 'Ja' : 'Nej', items, built);
        if (fact !== undefined) facts.push(fact);
      }
    }
    for (const e of registry) {
      const date = e.updatedAt ?? e.publishedAt;
      const shown = date === undefined ? undefined : reportDate(date);
      if (shown === undefined) continue;
      const fact = known('Senast ändrad i registret', shown, [e], built);
      if (fact !== undefined) facts.push(fact);
    }
  }
  facts.push(...certificateFacts(candidate.evidence, built));

  const schemes = [
    ['udi-di', 'UDI-DI'],
    ['basic-udi-di', 'Basic UDI-DI'],
  ] as const;
  let any = false;
  for (const [scheme, label] of schemes) {
    for (const id of candidate.identifiers.filter((i) => i.scheme === scheme)) {
      const items = registry.filter((e) => {
        const raw = scheme === 'udi-di' ? e.product.udiDi : e.product.basicUdiDi;
        if (raw === undefined) return false;
        return (scheme === 'udi-di' ? normaliseUdiDi(raw) : normaliseBasicUdiDi(raw)) === id.value;
      });
      const fact = known(`EUDAMED: ${label}`, id.value, items.length > 0 ? items : registry, built);
      if (fact !== undefined) {
        facts.push(fact);
        any = true;
      }
    }
  }
  if (!any) facts.push(gap('EUDAMED-identiteter', 'UDI-DI och Basic UDI-DI (ingen registerpost i källorna)'));
  return facts;
}

function currentCareSection(evidence: EvidenceItem[], subject: string, built: Built): ReportFact[] {
  const facts: ReportFact[] = [];
  const seen = new Set<string>();
  for (const e of evidence) {
    for (const s of [plain(e.title), ...sentences(e.summary ?? '')]) {
      if (facts.length >= 5 || seen.has(s) || !CURRENT_CARE_CUES.matches(s)) continue;
      seen.add(s);
      const fact = known('Jämförelse i källan', `”${truncate(s, 300)}”`, [e], built);
      if (fact !== undefined) facts.push(fact);
    }
  }
  if (facts.length === 0) {
    facts.push(gap('Nuvarande vård', `vilken nuvarande vård ${subject} ersätter eller kompletterar`));
  }
  return facts;
}

function signalSources(result: CriterionResult, built: Built): string[] {
  return refsOf(
    result.signals.flatMap((s) => s.evidence.map((e) => e.itemId)),
    built,
  );
}

function isResourceCriterion(c: CriterionResult): boolean {
  return c.criterionId === 'resurspaverkan' || /resurspåverkan/i.test(c.label);
}

function resourceSection(score: ScoreResult, built: Built): ReportFact[] {
  const facts: ReportFact[] = [];
  const criterion = score.criteria.find(isResourceCriterion);
  if (criterion !== undefined) {
    for (const s of criterion.signals) {
      const refs = refsOf(
        s.evidence.map((e) => e.itemId),
        built,
      );
      if (refs.length > 0) {
        facts.push({ status: 'known', label: s.label, text: s.explanation, sources: refs });
      }
    }
    const refs = signalSources(criterion, built);
    if (refs.length > 0) {
      facts.unshift({
        status: 'known',
        label: 'Samlad bedömning',
        text: `${criterion.points} av ${criterion.maxPoints} poäng på kriteriet ”${criterion.label}”.`,
        sources: refs,
      });
    }
  }
  if (facts.length === 0) facts.push(gap('Resurspåverkan', 'inga uppgifter om resurspåverkan i källorna'));
  facts.push(gap('Kostnader', 'pris per enhet, kostnad per patient och budgetpåverkan för regionerna'));
  facts.push(gap('Personal och organisation', 'behov av personal, utbildning och ändrade arbetssätt'));
  return facts;
}

type ReportProgrammeArea = EarlyAssessmentReport['sections']['programme']['programmeAreas'][number];

/**
 * The programme areas the score found (see `matchProgrammeAreas`), each citing the sources whose
 * words or EMDN codes matched. A score stored before programme areas were configured has none.
 */
function programmeAreas(score: ScoreResult, built: Built): ReportProgrammeArea[] {
  return (score.programmeAreas ?? []).flatMap((area) => {
    const evidence = area.evidence.flatMap((e) => {
      const ref = built.byItemId.get(e.itemId)?.ref;
      return ref === undefined ? [] : [{ source: ref, field: e.field, term: e.term, text: e.text }];
    });
    const sources = uniq(evidence.map((e) => e.source)).sort(compareRefs);
    return sources.length === 0 ? [] : [{ name: area.name, sources, evidence }];
  });
}

function compareRefs(a: string, b: string): number {
  return Number(a.slice(1)) - Number(b.slice(1));
}

function openQuestions(
  candidate: CandidateView,
  score: ScoreResult,
  evidence: EvidenceItem[],
  registry: Registry[],
  facts: ReportFact[],
): string[] {
  const q: string[] = [];
  const subject = SUBJECT[candidate.kind];
  const isProduct = candidate.kind === 'device' || candidate.kind === 'ivd';
  if (isProduct && !registry.some((e) => isEuRegistryRecord(e))) {
    q.push('Är produkten CE-märkt som medicinteknisk produkt enligt MDR/IVDR, och i vilken riskklass?');
  }
  if (isProduct && !evidence.some((e) => e.certificate !== undefined)) {
    q.push('Vilket anmält organ har certifierat produkten, och hur länge gäller certifikatet?');
  }
  if (isProduct) {
    q.push('Är produkten ny, eller redan etablerad i svensk vård?');
  }
  if (candidate.kind === 'method') {
    q.push(
      'Finns flera konkurrerande produkter för metoden, så att metoden snarare än en enskild produkt bör bedömas?',
    );
  }
  q.push('Hur stor är patientgruppen i Sverige, och hur många patienter kan bli aktuella per år?');
  if (facts.some((f) => f.status === 'gap' && f.label === 'Nuvarande vård')) {
    q.push(`Vilken nuvarande vård ersätter eller kompletterar ${subject}?`);
  }
  q.push(`Vad kostar ${subject} per patient, och vilken budgetpåverkan får regionerna?`);
  const htaRegions = uniq(
    evidence
      .filter((e) => e.kind === 'hta-report' && (e.region ?? '').trim() !== '')
      .map((e) => regionKey(e.region ?? '')),
  );
  if (htaRegions.length > 0 && htaRegions.length < 21) {
    q.push(
      'Kan de regionala HTA-rapporterna återanvändas av övriga regioner, och planeras fler bedömningar?',
    );
  }
  if (
    isProduct &&
    !evidence.some((e) => e.sourceProfile?.kind === 'reimbursement-agency' && e.kind !== 'news')
  ) {
    q.push('Behövs en hälsoekonomisk bedömning från TLV?');
  }
  if (evidence.some((e) => e.kind === 'safety-notice')) {
    q.push('Hur påverkar säkerhetsmeddelandena bedömningen av produkten?');
  }
  if (score.council === 'båda') q.push('Hur ska ansvaret fördelas mellan MTP-rådet och NT-rådet?');
  if (score.council === 'utanför') {
    q.push(
      'Finns skäl att ändå lyfta kandidaten till ett råd, trots att den bedömts ligga utanför rådens uppdrag?',
    );
  }
  return q;
}

/**
 * The dated facts the lifecycle stage rests on, oldest first, each with its source; a gap when
 * the evidence dates nothing.
 */
function timingFacts(score: ScoreResult, evidence: readonly EvidenceItem[], built: Built): ReportFact[] {
  const byId = new Map(evidence.map((e) => [e.itemId, e]));
  const facts = score.lifecycle.facts.flatMap((f) => {
    const item = byId.get(f.itemId);
    const fact =
      item === undefined
        ? undefined
        : known(f.date === undefined ? 'Odaterat' : swedishDay(f.date), f.text, [item], built);
    return fact === undefined ? [] : [fact];
  });
  return facts.length > 0
    ? facts
    : [gap('Livscykel', 'källorna anger inga datum för godkännande, prövning eller marknadsintroduktion')];
}

/**
 * Builds the early assessment report for a candidate and its score. Pure: the time is passed in
 * (`generatedAt`, ISO). The JSON validates against {@link EarlyAssessmentReport}; the Markdown
 * holds the same content in Swedish, with every scraped string escaped.
 */
export function buildReport(input: {
  candidate: CandidateView;
  score: ScoreResult;
  version: number;
  generatedAt: string;
  /** The configuration's source names, for the Markdown. */
  sourceLabels: SourceLabels;
}): { json: EarlyAssessmentReport; markdown: string } {
  const { candidate, score, version, generatedAt } = input;
  const evidence = canonicalEvidence(candidate.evidence);
  const registry = evidence.filter((e): e is Registry => isRegistryRecord(e));
  const withFacts = evidence.filter((e): e is Registry => e.product !== undefined);
  const built = buildSources(evidence);

  const product = productSection(candidate, evidence, registry, withFacts, built);
  const subject = SUBJECT[candidate.kind];
  const description = describeSection(evidence, registry, subject, built);
  const intendedUse = indicationSection(candidate, evidence, built);
  const regulatory = regulatorySection(candidate, registry, built);
  const currentCare = currentCareSection(evidence, subject, built);
  const resourceImpact = resourceSection(score, built);
  const areas = programmeAreas(score, built);

  // The evidence the routing rests on (a council list entry, the register record, …), as scored.
  const routedOn = new Set((score.routingEvidence ?? []).map((e) => e.itemId));
  const routedItems = evidence.filter((e) => routedOn.has(e.itemId));
  const routingBasis =
    routedItems.length > 0
      ? routedItems
      : registry.length > 0
        ? registry
        : evidence.filter((e) => e.kind === 'drug' || e.kind === 'device' || e.kind === 'ivd');
  const programmeFacts: ReportFact[] = [
    known(
      'Råd',
      `${score.council}: ${score.routingReason}`,
      routingBasis.length > 0 ? routingBasis : evidence,
      built,
    ) ?? gap('Råd', 'underlag för att välja råd'),
  ];
  if (areas.length === 0) {
    programmeFacts.push(gap('Programområde', 'programområde kunde inte härledas ur källorna'));
  }

  const weightSum = score.criteria.reduce((acc, c) => acc + (c.known ? c.weight : 0), 0);
  const criteria = score.criteria.map((c) => ({
    criterionId: c.criterionId,
    label: c.label,
    weight: c.weight,
    points: c.points,
    maxPoints: c.maxPoints,
    known: c.known,
    contribution:
      weightSum === 0 || !c.known
        ? 0
        : Math.round((1000 * c.weight * c.points) / c.maxPoints / weightSum) / 10,
    signals: c.signals.map((s) => ({
      signalId: s.signalId,
      label: s.label,
      explanation: s.explanation,
      points: s.points,
      sources: refsOf(
        s.evidence.map((e) => e.itemId),
        built,
      ),
      quotes: s.evidence.flatMap((e) => {
        const ref = built.byItemId.get(e.itemId)?.ref;
        return ref === undefined || e.snippet.trim() === '' ? [] : [{ source: ref, text: e.snippet }];
      }),
    })),
  }));

  const allFacts = [
    ...product,
    ...description,
    ...intendedUse,
    ...regulatory,
    ...currentCare,
    ...resourceImpact,
  ];
  const json: EarlyAssessmentReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    reportVersion: version,
    generatedAt,
    language: 'sv',
    title: `Tidig bedömningsrapport: ${candidate.name}`,
    candidate: {
      id: candidate.id,
      name: candidate.name,
      manufacturer: candidate.manufacturer ?? null,
      kind: candidate.kind,
      kindLabel: KIND_LABELS[candidate.kind],
      identifiers: candidate.identifiers.map((i) => ({ scheme: i.scheme, value: i.value })),
    },
    score: {
      criteriaVersion: score.criteriaVersion,
      asOf: score.asOf,
      total: score.total,
      importance: score.importance,
      timing: score.timing,
      band: score.band,
      insufficientEvidence: score.insufficientEvidence,
      stage: score.stage,
      processStatus: score.processStatus,
      council: score.council,
      routingReason: score.routingReason,
      nominate: score.nominate,
      decisive: score.decisive,
    },
    sections: {
      product: { heading: SECTION_HEADINGS.product, facts: product },
      description: { heading: SECTION_HEADINGS.description, facts: description },
      intendedUse: { heading: SECTION_HEADINGS.intendedUse, facts: intendedUse },
      regulatory: { heading: SECTION_HEADINGS.regulatory, facts: regulatory },
      currentCare: { heading: SECTION_HEADINGS.currentCare, facts: currentCare },
      evidence: { heading: SECTION_HEADINGS.evidence, sources: built.sources },
      criteria: { heading: SECTION_HEADINGS.criteria, total: score.total, band: score.band, criteria },
      timing: {
        heading: SECTION_HEADINGS.timing,
        stage: score.stage,
        expected: score.lifecycle.expected,
        processStatus: score.processStatus,
        statusReason: score.statusReason,
        facts: timingFacts(score, evidence, built),
      },
      resourceImpact: { heading: SECTION_HEADINGS.resourceImpact, facts: resourceImpact },
      programme: {
        heading: SECTION_HEADINGS.programme,
        council: score.council,
        routingReason: score.routingReason,
        programmeAreas: areas,
        facts: programmeFacts,
      },
      openQuestions: {
        heading: SECTION_HEADINGS.openQuestions,
        questions: openQuestions(candidate, score, evidence, registry, allFacts),
      },
    },
  };
  return { json, markdown: renderMarkdown(json, input.sourceLabels) };
}
