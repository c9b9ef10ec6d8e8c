import type { CandidateView } from './candidate.js';
import { isEuRegistryRecord, isRegistryRecord } from './candidate.js';
import type { CandidateProcessStatus, CaseCouncil } from './cases.js';
import { lineKeyOf } from './cases.js';
import type { Severity } from './conditions.js';
import type { TriageCriteria } from './criteria.js';
import type { PreparedEvidence, SignalEvidence } from './evidence-text.js';
import { firstMatch, ref, uniq } from './evidence-text.js';
import { normaliseText } from './normalise.js';
import { legislationLabel, riskClassLabel } from './labels.js';

/**
 * Which body a candidate belongs to: MTP-rådet (devices, IVDs, methods), NT-rådet (requisition
 * drugs, and prescription drugs under seed 004's exceptions), both, TLV (prescription drugs that
 * the benefit process handles), or outside the councils' remit. Whether a council already handles
 * it is the process status, a separate thing: "utanför" never stands for "already handled".
 */
export type Council = 'MTP-rådet' | 'NT-rådet' | 'båda' | 'TLV' | 'utanför';
export const COUNCIL_VALUES: readonly Council[] = ['MTP-rådet', 'NT-rådet', 'båda', 'TLV', 'utanför'];

/** How a drug reaches patients (seed 004): from the hospital's stock, on prescription, or not stated. */
export type DrugForm = 'rekvisition' | 'recept' | 'okänd';

export const DRUG_FORM_LABELS: Record<DrugForm, string> = {
  rekvisition: 'rekvisitionsläkemedel',
  recept: 'receptläkemedel',
  okänd: 'förskrivningsform okänd',
};

/** Where the candidate stands in the councils' process, as the workbench and reports show it. */
export type ProcessStatus =
  'ej-hanterad' | 'nominerad' | 'hanteras-av-mtp-radet' | 'hanteras-av-nt-radet' | 'omprovning';

export const PROCESS_STATUSES: readonly ProcessStatus[] = [
  'ej-hanterad',
  'nominerad',
  'hanteras-av-mtp-radet',
  'hanteras-av-nt-radet',
  'omprovning',
];

export const PROCESS_STATUS_LABELS: Record<ProcessStatus, string> = {
  'ej-hanterad': 'ej hanterad',
  nominerad: 'nominerad',
  'hanteras-av-mtp-radet': 'hanteras av MTP-rådet',
  'hanteras-av-nt-radet': 'hanteras av NT-rådet',
  omprovning: 'omprövning',
};

/** What the case register says about a candidate (see `caseStatesOfCandidates`). */
export interface CaseStatusInput {
  status: CandidateProcessStatus;
  councils: readonly CaseCouncil[];
  /** Swedish, one line per reason to reconsider. */
  reconsiderReasons: readonly string[];
}

export interface ProcessStatusResult {
  status: ProcessStatus;
  /** Swedish. */
  reason: string;
}

/** An entry of a council's own list (MTP-rådet's products, NT-rådet's recommendations). */
export interface CouncilListEntry {
  title: string;
  council: CaseCouncil;
  /** ISO day it was listed, when the list says. */
  listedOn?: string;
  /** What the list says about it (title and summary), e.g. the indication. */
  text?: string;
}

/**
 * The councils' lists as scoring reads them, prepared once for many candidates: the entries by the
 * first word of their names ({@link lineKeyOf}), so a candidate is compared only with the entries
 * that can be its product line or an earlier generation of it. Compared with every entry, scoring
 * cost time linear in the lists (≈ 10,800 entries for a million candidates).
 */
export class CouncilLists {
  private readonly byLine = new Map<string, CouncilListEntry[]>();

  constructor(entries: readonly CouncilListEntry[]) {
    for (const entry of entries) {
      const key = lineKeyOf(entry.title);
      if (key === undefined) continue;
      const line = this.byLine.get(key);
      if (line === undefined) this.byLine.set(key, [entry]);
      else line.push(entry);
    }
  }

  /** The entries listed by `asOf` whose names can speak for `name`, in the lists' order. */
  listedFor(name: string, asOf: string): CouncilListEntry[] {
    const key = lineKeyOf(name);
    const line = key === undefined ? undefined : this.byLine.get(key);
    return (line ?? []).filter((entry) => entry.listedOn === undefined || entry.listedOn <= asOf);
  }
}

/** What the evidence itself says about the councils' handling, besides the case register. */
export interface HandlingEvidence {
  /** A council commissioned an assessment of this product ("på uppdrag av MTP-rådet"). */
  commissioned?: { council: CaseCouncil; text: string; title: string };
  /** A listed product this candidate is a newer generation of (same line, higher generation). */
  predecessor?: CouncilListEntry;
  /** A listed product line this candidate is a model of (same name, no newer generation). */
  listedLine?: CouncilListEntry;
  /** The candidate is new or coming (pre-market, or a new indication): a listing may need reconsidering. */
  novel?: boolean;
}

/**
 * The process status: from the case register first; else a council that commissioned an
 * assessment of the product handles it; else a newer generation of a listed product is a reason
 * to reconsider that listing; else not handled.
 */
export function processStatus(
  cases: CaseStatusInput | undefined,
  council: Council,
  handling: HandlingEvidence = {},
): ProcessStatusResult {
  if (cases === undefined || cases.status === 'not-handled') {
    if (handling.commissioned !== undefined) {
      const by = handling.commissioned.council;
      return {
        status: by === 'NT-rådet' ? 'hanteras-av-nt-radet' : 'hanteras-av-mtp-radet',
        reason: `${by} har beställt en bedömning (”${handling.commissioned.title}”: ”${handling.commissioned.text}”); produkten hanteras redan i rådets process och nomineras inte på nytt.`,
      };
    }
    if (handling.listedLine !== undefined) {
      const { title, council: by, listedOn } = handling.listedLine;
      const since = listedOn === undefined ? '' : ` sedan ${listedOn}`;
      return handling.novel === true
        ? {
            status: 'omprovning',
            reason: `Produktlinjen ”${title}” finns på ${by}s lista${since}, och källorna visar något nytt (ny indikation eller ännu inte på marknaden): rådet kan behöva ompröva sin rekommendation.`,
          }
        : {
            status: by === 'NT-rådet' ? 'hanteras-av-nt-radet' : 'hanteras-av-mtp-radet',
            reason: `Produktlinjen ”${title}” finns på ${by}s lista${since}; produkten hanteras redan och nomineras inte på nytt utan en anledning till omprövning.`,
          };
    }
    if (handling.predecessor !== undefined) {
      const { title, council: by, listedOn } = handling.predecessor;
      return {
        status: 'omprovning',
        reason: `Ny generation av ”${title}”, som finns på ${by}s lista${listedOn === undefined ? '' : ` sedan ${listedOn}`}: rådet kan behöva ompröva sin rekommendation för den nya generationen.`,
      };
    }
    return {
      status: 'ej-hanterad',
      reason: 'Ingen nominering eller inget ärende hos MTP-rådet eller NT-rådet.',
    };
  }
  const handledBy =
    cases.councils.length > 0
      ? cases.councils
      : council === 'NT-rådet'
        ? (['NT-rådet'] as const)
        : (['MTP-rådet'] as const);
  switch (cases.status) {
    case 'nominated':
      return { status: 'nominerad', reason: 'Nominerad; ärendet bereds.' };
    case 'reconsider':
      return {
        status: 'omprovning',
        reason: `Har hanterats av ${handledBy.join(' och ')}; ny händelse sedan dess: ${cases.reconsiderReasons.slice(0, 3).join('; ') || 'omprövning pågår'}.`,
      };
    case 'handled':
      return {
        status: handledBy[0] === 'NT-rådet' ? 'hanteras-av-nt-radet' : 'hanteras-av-mtp-radet',
        reason: `Finns på ${handledBy.map((c) => `${c}s`).join(' och ')} lista eller har ett beslutat ärende; nomineras inte på nytt utan en anledning till omprövning.`,
      };
  }
}

/** A recognised condition as routing reads it. */
export interface NamedCondition {
  label: string;
  severity: Severity;
}

export interface Route {
  council: Council;
  /** Swedish. */
  reason: string;
  evidence: SignalEvidence[];
  drugForm?: DrugForm;
}

function basis(items: readonly PreparedEvidence[]): SignalEvidence[] {
  return items.map((p) => ref(p.item, normaliseText(p.item.title)));
}

/**
 * A source that states the drug's supply as a fact (TLV's benefit decisions are about prescription
 * drugs; its klinikläkemedel assessments about requisition drugs), in the shape of a term match.
 */
function statedSupply(
  evidence: readonly PreparedEvidence[],
  supply: DrugForm,
): { item: PreparedEvidence['item']; text: string; snippet: string } | undefined {
  const stated = evidence.find((p) => p.item.drug?.supply === supply);
  if (stated === undefined) return undefined;
  const text = DRUG_FORM_LABELS[supply];
  return { item: stated.item, text, snippet: `${normaliseText(stated.item.title)}: ${text}` };
}

/**
 * Seed 004: requisition drugs are NT-rådet's core; prescription drugs go through TLV's benefit
 * process and reach NT-rådet only when the therapy area is shared with requisition drugs, their
 * place needs clarifying for equal use or resource impact, or a "wait for TLV" recommendation is
 * needed. The exceptions are read from the evidence (`drugs.exceptionTerms`) and from the severity
 * of the condition (very severe conditions, as in oncology, are where prescription and requisition
 * drugs share a therapy area).
 */
/** Where the supply form was read: the source's title and the words it used. */
function stated(found: { item: PreparedEvidence['item']; text: string }): string {
  return `källan ”${normaliseText(found.item.title)}” anger ”${found.text}”`;
}

function routeDrug(
  evidence: PreparedEvidence[],
  conditions: readonly NamedCondition[],
  criteria: TriageCriteria,
): Route {
  const drugs = criteria.drugs;
  const requisition = statedSupply(evidence, 'rekvisition') ?? firstMatch(evidence, drugs.requisitionTerms);
  const prescription = statedSupply(evidence, 'recept') ?? firstMatch(evidence, drugs.prescriptionTerms);
  const drugItems = evidence.filter((p) => p.item.kind === 'drug');
  const items = drugItems.length > 0 ? drugItems : evidence;
  if (requisition !== undefined) {
    return {
      council: 'NT-rådet',
      drugForm: 'rekvisition',
      reason: `Rekvisitionsläkemedel (${stated(requisition)}): sådana läkemedel är NT-rådets kärnuppdrag.`,
      evidence: [ref(requisition.item, requisition.snippet)],
    };
  }
  if (prescription !== undefined) {
    const exception = firstMatch(evidence, drugs.exceptionTerms);
    const severe = conditions.find((c) => drugs.exceptionSeverities.includes(c.severity));
    const why =
      exception !== undefined
        ? `källan anger ”${exception.text}”`
        : severe !== undefined
          ? `tillståndet (${severe.label}) är mycket allvarligt, ett terapiområde där recept- och rekvisitionsläkemedel behöver en sammanhållen rekommendation`
          : undefined;
    if (why !== undefined) {
      return {
        council: 'NT-rådet',
        drugForm: 'recept',
        reason: `Receptläkemedel (${stated(prescription)}) som ändå hör till NT-rådet enligt undantagen för receptläkemedel: ${why}.`,
        evidence: [
          ref(prescription.item, prescription.snippet),
          ...(exception === undefined ? [] : [ref(exception.item, exception.snippet)]),
        ],
      };
    }
    return {
      council: 'TLV',
      drugForm: 'recept',
      reason: `Receptläkemedel (${stated(prescription)}): kostnadseffektiviteten prövas i TLV:s förmånsprocess och inget av undantagen för nationell samverkan genom NT-rådet framgår av källorna.`,
      evidence: [ref(prescription.item, prescription.snippet)],
    };
  }
  return {
    council: 'NT-rådet',
    drugForm: 'okänd',
    reason:
      'Läkemedel: nya terapier bedöms av NT-rådet. Källorna anger inte om det är ett rekvisitions- eller receptläkemedel.',
    evidence: basis(items),
  };
}

/** Which council the candidate belongs to, or why it is outside the remit (Swedish), and on what. */
export function route(
  candidate: CandidateView,
  evidence: PreparedEvidence[],
  conditions: readonly NamedCondition[],
  criteria: TriageCriteria,
): Route {
  const outOfScope = firstMatch(evidence, criteria.routing.outOfScopeTerms);
  if (outOfScope !== undefined) {
    return {
      council: 'utanför',
      reason: `Inte en medicinteknisk produkt: källan ”${normaliseText(outOfScope.item.title)}” anger ”${outOfScope.text}”. Produkten är varken en medicinteknisk produkt enligt MDR/IVDR eller ett läkemedel och ligger utanför MTP-rådets och NT-rådets uppdrag.`,
      evidence: [ref(outOfScope.item, outOfScope.snippet)],
    };
  }
  const registry = evidence.filter((p) => isRegistryRecord(p.item));
  const drugItems = evidence.filter((p) => p.item.kind === 'drug');
  const hasDeviceItems = evidence.some(
    (p) => p.item.kind === 'device' || p.item.kind === 'ivd' || isRegistryRecord(p.item),
  );

  switch (candidate.kind) {
    case 'drug': {
      const drug = routeDrug(evidence, conditions, criteria);
      if (!hasDeviceItems || registry.length === 0) return drug;
      return {
        council: 'båda',
        ...(drug.drugForm === undefined ? {} : { drugForm: drug.drugForm }),
        reason: `${drug.reason} Källorna omfattar också en medicinteknisk produkt, som MTP-rådet bedömer.`,
        evidence: [...drug.evidence, ...basis(registry)],
      };
    }
    case 'device':
    case 'ivd': {
      const what =
        candidate.kind === 'ivd'
          ? 'Medicinteknisk produkt för in vitro-diagnostik'
          : 'Medicinteknisk produkt';
      const legislation = uniq(
        registry.map((p) => p.legislation).filter((l): l is string => l !== undefined),
      );
      const classes = uniq(registry.map((p) => p.riskClass).filter((c): c is string => c !== undefined));
      const facts = [
        ...legislation.map((l) => legislationLabel(l)),
        ...classes.map((c) => `riskklass ${riskClassLabel(c)}`),
      ].join(', ');
      const eu = registry.some((p) => isEuRegistryRecord(p.item));
      // A drug in a device list (a safety notice list, a register outside the EU): the sources say
      // "läkemedel", nothing says medical device, and EUDAMED does not register it.
      if (!eu && drugItems.length === 0) {
        const drug = firstMatch(evidence, criteria.routing.drugTerms);
        const device = firstMatch(evidence, criteria.routing.deviceTerms);
        if (drug !== undefined && device === undefined) {
          const routed = routeDrug(evidence, conditions, criteria);
          return {
            ...routed,
            reason: `Läkemedel i en förteckning över medicintekniska produkter: källan ”${normaliseText(drug.item.title)}” anger ”${drug.text}”, och ingen källa beskriver en medicinteknisk produkt. ${routed.reason}`,
            evidence: [ref(drug.item, drug.snippet), ...routed.evidence],
          };
        }
      }
      const others = uniq(registry.filter((p) => !isEuRegistryRecord(p.item)).map((p) => p.item.sourceId));
      const base = eu
        ? `${what} registrerad i EUDAMED${facts === '' ? '' : ` (${facts})`}`
        : others.length > 0
          ? `${what} enligt registeruppgifter utanför EU (${others.join(', ')}); CE-märkning enligt MDR/IVDR är inte bekräftad i källorna`
          : `${what} (CE-märkning enligt MDR/IVDR är inte bekräftad i källorna)`;
      const registryBasis = basis(registry.length > 0 ? registry : evidence);
      if (drugItems.length > 0) {
        return {
          council: 'båda',
          reason: `${base}; källorna omfattar även läkemedel, så både MTP-rådet och NT-rådet berörs.`,
          evidence: [...registryBasis, ...basis(drugItems)],
        };
      }
      return {
        council: 'MTP-rådet',
        reason: `${base}: MTP-rådet rekommenderar om medicintekniska produkter enligt MDR/IVDR.`,
        evidence: registryBasis,
      };
    }
    case 'method': {
      const device = firstMatch(evidence, criteria.routing.deviceTerms);
      const drug = firstMatch(evidence, criteria.routing.drugTerms);
      if (device !== undefined && drug !== undefined) {
        return {
          council: 'båda',
          reason: `Metoden bygger både på medicintekniska produkter (”${device.text}”) och läkemedel (”${drug.text}”).`,
          evidence: [ref(device.item, device.snippet), ref(drug.item, drug.snippet)],
        };
      }
      if (drug !== undefined) {
        const routed = routeDrug(evidence, conditions, criteria);
        return { ...routed, reason: `Metoden gäller läkemedel (”${drug.text}”). ${routed.reason}` };
      }
      return {
        council: 'MTP-rådet',
        reason:
          device !== undefined
            ? `Metoden bygger på medicintekniska produkter (”${device.text}”); MTP-rådet kan bedöma metoden i stället för en enskild produkt när flera produkter konkurrerar.`
            : 'Metod inom hälso- och sjukvården som bedömts i HTA-rapporter; MTP-rådet bedömer metoder som bygger på medicinteknik. Källorna namnger ingen enskild produkt.',
        evidence: device !== undefined ? [ref(device.item, device.snippet)] : basis(evidence),
      };
    }
  }
}
