import { z } from 'zod';
import type { EvidenceItem } from './candidate.js';
import { normaliseEmdnCode } from './identifiers.js';
import type { TermMatch, TokenisedText } from './normalise.js';
import { TermMatcher, normaliseText, snippetAround, tokeniseForMatching } from './normalise.js';

/**
 * The 26 national programme areas (nationella programområden, NPO) and how a candidate is matched
 * to them. The names are fixed (kunskapsstyrningvard.se, `../shared/domain.md`); the words and
 * EMDN codes that point at each are configuration (`config/programme-areas.yaml`). The match is a
 * suggestion shown with the evidence behind it; the beredning decides.
 */

/** The 26 areas as named on kunskapsstyrningvard.se, in the order the site lists them. */
export const NPO_NAMES = [
  'Akut vård',
  'Barns och ungdomars hälsa',
  'Cancersjukdomar',
  'Endokrina sjukdomar',
  'Hjärt- och kärlsjukdomar',
  'Hud- och könssjukdomar',
  'Infektionssjukdomar',
  'Kirurgi och plastikkirurgi',
  'Kvinnosjukdomar och förlossning',
  'Levnadsvanor',
  'Lung- och allergisjukdomar',
  'Mag- och tarmsjukdomar',
  'Medicinsk diagnostik',
  'Nervsystemets sjukdomar',
  'Njur- och urinvägssjukdomar',
  'Perioperativ vård, intensivvård och transplantation',
  'Primärvård',
  'Psykisk hälsa',
  'Rehabilitering, habilitering och försäkringsmedicin',
  'Reumatiska sjukdomar',
  'Rörelseorganens sjukdomar',
  'Sällsynta sjukdomar',
  'Tandvård',
  'Äldres hälsa och palliativ vård',
  'Ögonsjukdomar',
  'Öron-, näs- och halssjukdomar',
] as const;
export type NpoName = (typeof NPO_NAMES)[number];

const Term = z.string().trim().min(1).max(100);
const Terms = z.array(Term).max(300).default([]);
/** Words in each source language; `*` at either end lets a compound continue (see TermMatcher). */
const ByLanguage = z.strictObject({ sv: Terms, en: Terms, no: Terms });

const EmdnPrefix = z
  .string()
  .trim()
  .regex(/^[A-Z]\d{0,12}$/, 'EMDN-prefix som C, J01 eller W0101');

export const ProgrammeArea = z.strictObject({
  name: z.string().min(1),
  /** Words for the field itself ("kardiologi", "cardiology"). */
  terms: ByLanguage,
  /** Conditions the area covers ("förmaksflimmer", "heart failure", "hjertesvikt"). */
  conditions: ByLanguage,
  /** EMDN categories or groups whose devices belong here (`C`, `J01`, `Q02`). */
  emdn: z.array(EmdnPrefix).max(50).default([]),
});
export type ProgrammeArea = z.infer<typeof ProgrammeArea>;

export const ProgrammeAreasFile = z
  .strictObject({
    version: z.string().min(1),
    areas: z.array(ProgrammeArea),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.areas.forEach((area, i) => {
      if (!(NPO_NAMES as readonly string[]).includes(area.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['areas', i, 'name'],
          message: `"${area.name}" is not one of the 26 programme areas (see NPO_NAMES)`,
        });
      }
      if (seen.has(area.name)) {
        ctx.addIssue({ code: 'custom', path: ['areas', i, 'name'], message: `"${area.name}" twice` });
      }
      seen.add(area.name);
      const words = [...Object.values(area.terms), ...Object.values(area.conditions)].flat();
      if (words.length === 0 && area.emdn.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['areas', i],
          message: `"${area.name}" has no terms or EMDN codes`,
        });
      }
    });
    const missing = NPO_NAMES.filter((name) => !seen.has(name));
    if (missing.length > 0 || file.areas.length !== NPO_NAMES.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['areas'],
        message: `expected exactly the 26 programme areas, got ${file.areas.length}${
          missing.length > 0 ? `; missing: ${missing.join(', ')}` : ''
        }`,
      });
    }
  });
export type ProgrammeAreasFile = z.infer<typeof ProgrammeAreasFile>;

interface CompiledArea {
  name: string;
  order: number;
  emdn: readonly string[];
}

/** The configuration compiled for matching; build once per loaded configuration. */
export interface ProgrammeAreas {
  readonly version: string;
  /** In the official order. */
  readonly areas: readonly CompiledArea[];
  /** Every area's words in one matcher, so a text is searched once for all 26 areas. */
  readonly matcher: TermMatcher;
  /** For each configured word: the areas (by index) that list it, and its place in their lists. */
  readonly areasOfTerm: ReadonlyMap<string, readonly { area: number; rank: number }[]>;
}

function wordsOf(area: ProgrammeArea): string[] {
  // Every language at once: a title's language is not always known, and the words of the three
  // languages do not collide in a way that changes the area.
  return [
    ...area.terms.sv,
    ...area.terms.en,
    ...area.terms.no,
    ...area.conditions.sv,
    ...area.conditions.en,
    ...area.conditions.no,
  ];
}

export function compileProgrammeAreas(file: ProgrammeAreasFile): ProgrammeAreas {
  const order = new Map<string, number>(NPO_NAMES.map((name, i) => [name, i]));
  const sorted = [...file.areas].sort(
    (a, b) => (order.get(a.name) ?? NPO_NAMES.length) - (order.get(b.name) ?? NPO_NAMES.length),
  );
  const areasOfTerm = new Map<string, { area: number; rank: number }[]>();
  sorted.forEach((area, index) =>
    wordsOf(area).forEach((term, rank) => {
      const listed = areasOfTerm.get(term);
      if (listed === undefined) areasOfTerm.set(term, [{ area: index, rank }]);
      else if (!listed.some((l) => l.area === index)) listed.push({ area: index, rank });
    }),
  );
  return {
    version: file.version,
    areas: sorted.map((area) => ({
      name: area.name,
      order: order.get(area.name) ?? NPO_NAMES.length,
      emdn: area.emdn,
    })),
    matcher: new TermMatcher([...areasOfTerm.keys()]),
    areasOfTerm,
  };
}

/** Where in an evidence item an area was recognised. */
export type ProgrammeAreaField = 'title' | 'summary' | 'tradeName' | 'emdn';

/** Swedish names of the fields, for reports, the workbench and the CLI ("”diabetes*” i titeln"). */
export const PROGRAMME_FIELD_LABELS: Record<ProgrammeAreaField, string> = {
  title: 'titeln',
  summary: 'sammanfattningen',
  tradeName: 'produktnamnet',
  emdn: 'EMDN-koden',
};

/** One reason a candidate belongs to an area. */
export interface ProgrammeAreaEvidence {
  itemId: string;
  field: ProgrammeAreaField;
  /** The configured term (`diabetes*`) or EMDN prefix (`C01`) that matched. */
  term: string;
  /** The words around the match, or the EMDN code itself. */
  text: string;
}

export interface ProgrammeAreaMatch {
  name: string;
  /** In evidence order (sourceId, itemId as given); at most one text match and one code per item. */
  evidence: ProgrammeAreaEvidence[];
}

/** How many areas a candidate is given at most: beyond three the suggestion is noise. */
export const MAX_PROGRAMME_AREAS = 3;

const TEXT_FIELDS = ['title', 'summary', 'tradeName'] as const;

function textOf(e: EvidenceItem, field: (typeof TEXT_FIELDS)[number]): string | undefined {
  const raw = field === 'tradeName' ? e.product?.tradeName : e[field];
  return raw === undefined ? undefined : normaliseText(raw);
}

interface Best {
  field: (typeof TEXT_FIELDS)[number];
  match: TermMatch;
  rank: number;
  tokenised: TokenisedText;
}

/**
 * For each area (by index), the place its words first match in the item: the first field in
 * TEXT_FIELDS order that has a match, there the earliest match (what a reader sees first), and
 * between words matching at the same place the one the area lists first.
 */
function textMatches(
  texts: ReadonlyMap<(typeof TEXT_FIELDS)[number], TokenisedText>,
  areas: ProgrammeAreas,
): Map<number, Best> {
  const best = new Map<number, Best>();
  for (const field of TEXT_FIELDS) {
    const tokenised = texts.get(field);
    if (tokenised === undefined) continue;
    const before = new Set(best.keys());
    for (const match of areas.matcher.find(tokenised)) {
      for (const { area, rank } of areas.areasOfTerm.get(match.term) ?? []) {
        if (before.has(area)) continue;
        const current = best.get(area);
        if (
          current === undefined ||
          match.index < current.match.index ||
          (match.index === current.match.index && rank < current.rank)
        ) {
          best.set(area, { field, match, rank, tokenised });
        }
      }
    }
  }
  return best;
}

/**
 * The programme areas a candidate's evidence points at, each with the evidence that matched: the
 * first configured word found in an item's title, else its summary, else its registered trade
 * name, and any of its EMDN codes under one of the area's prefixes. Areas are ordered by how many
 * items support them, then in the official order, and at most {@link MAX_PROGRAMME_AREAS} are
 * given. Pure and deterministic for the same evidence in the same order.
 */
export function matchProgrammeAreas(
  evidence: readonly EvidenceItem[],
  areas: ProgrammeAreas,
): ProgrammeAreaMatch[] {
  const found = areas.areas.map((area) => ({
    name: area.name,
    order: area.order,
    items: 0,
    evidence: [] as ProgrammeAreaEvidence[],
  }));
  for (const e of evidence) {
    const texts = new Map<(typeof TEXT_FIELDS)[number], TokenisedText>();
    for (const field of TEXT_FIELDS) {
      const text = textOf(e, field);
      if (text !== undefined && text !== '') texts.set(field, tokeniseForMatching(text));
    }
    const codes = (e.product?.emdnCodes ?? []).flatMap((c) => normaliseEmdnCode(c) ?? []);
    const text = textMatches(texts, areas);
    areas.areas.forEach((area, index) => {
      const out = found[index]!;
      const hit = text.get(index);
      const prefix = area.emdn.find((p) => codes.some((c) => c.startsWith(p)));
      if (hit !== undefined) {
        out.evidence.push({
          itemId: e.itemId,
          field: hit.field,
          term: hit.match.term,
          text: snippetAround(hit.tokenised.text, hit.match.index, hit.match.length),
        });
      }
      if (prefix !== undefined) {
        const code = codes.find((c) => c.startsWith(prefix))!;
        out.evidence.push({ itemId: e.itemId, field: 'emdn', term: prefix, text: code });
      }
      if (hit !== undefined || prefix !== undefined) out.items += 1;
    });
  }
  return found
    .filter((a) => a.evidence.length > 0)
    .sort((a, b) => b.items - a.items || a.order - b.order)
    .slice(0, MAX_PROGRAMME_AREAS)
    .map(({ name, evidence: ev }) => ({ name, evidence: ev }));
}
