import { z } from 'zod';
import type { EvidenceItem } from './candidate.js';
import { normaliseEmdnCode } from './identifiers.js';
import type { TermMatch } from './normalise.js';
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
  matcher: TermMatcher;
  emdn: readonly string[];
}

/** The configuration compiled for matching; build once per loaded configuration. */
export interface ProgrammeAreas {
  readonly version: string;
  readonly areas: readonly CompiledArea[];
}

export function compileProgrammeAreas(file: ProgrammeAreasFile): ProgrammeAreas {
  const order = new Map<string, number>(NPO_NAMES.map((name, i) => [name, i]));
  return {
    version: file.version,
    areas: file.areas
      .map((area) => ({
        name: area.name,
        order: order.get(area.name) ?? NPO_NAMES.length,
        // Every language at once: a title's language is not always known, and the words of the
        // three languages do not collide in a way that changes the area.
        matcher: new TermMatcher([
          ...area.terms.sv,
          ...area.terms.en,
          ...area.terms.no,
          ...area.conditions.sv,
          ...area.conditions.en,
          ...area.conditions.no,
        ]),
        emdn: area.emdn,
      }))
      .sort((a, b) => a.order - b.order),
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

function firstTextMatch(
  e: EvidenceItem,
  texts: ReadonlyMap<(typeof TEXT_FIELDS)[number], ReturnType<typeof tokeniseForMatching>>,
  matcher: TermMatcher,
): ProgrammeAreaEvidence | undefined {
  for (const field of TEXT_FIELDS) {
    const tokenised = texts.get(field);
    if (tokenised === undefined) continue;
    const found: TermMatch[] = matcher.find(tokenised);
    // The earliest place in the text: what a reader sees first.
    const first = found.reduce<TermMatch | undefined>(
      (a, m) => (a === undefined || m.index < a.index ? m : a),
      undefined,
    );
    if (first !== undefined) {
      return {
        itemId: e.itemId,
        field,
        term: first.term,
        text: snippetAround(tokenised.text, first.index, first.length),
      };
    }
  }
  return undefined;
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
  const prepared = evidence.map((e) => {
    const texts = new Map<(typeof TEXT_FIELDS)[number], ReturnType<typeof tokeniseForMatching>>();
    for (const field of TEXT_FIELDS) {
      const text = textOf(e, field);
      if (text !== undefined && text !== '') texts.set(field, tokeniseForMatching(text));
    }
    const codes = (e.product?.emdnCodes ?? []).flatMap((c) => normaliseEmdnCode(c) ?? []);
    return { e, texts, codes };
  });
  const found = areas.areas.flatMap((area) => {
    const out: ProgrammeAreaEvidence[] = [];
    const items = new Set<string>();
    for (const { e, texts, codes } of prepared) {
      const text = firstTextMatch(e, texts, area.matcher);
      if (text !== undefined) {
        out.push(text);
        items.add(e.itemId);
      }
      for (const prefix of area.emdn) {
        const code = codes.find((c) => c.startsWith(prefix));
        if (code !== undefined) {
          out.push({ itemId: e.itemId, field: 'emdn', term: prefix, text: code });
          items.add(e.itemId);
          break;
        }
      }
    }
    return out.length === 0 ? [] : [{ name: area.name, order: area.order, items: items.size, evidence: out }];
  });
  found.sort((a, b) => b.items - a.items || a.order - b.order);
  return found.slice(0, MAX_PROGRAMME_AREAS).map(({ name, evidence: ev }) => ({ name, evidence: ev }));
}
