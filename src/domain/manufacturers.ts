import { z } from 'zod';
import { normaliseManufacturer, normaliseText } from './normalise.js';

/**
 * Manufacturer aliases: renames, acquisitions and group names, so that "Smiths Medical ASD, Inc."
 * and "ICU Medical" or "Medtronic MiniMed, Inc." and "MiniMed" are one maker. The table is
 * configuration (`config/manufacturers.yaml`); the functions here are pure and take the loaded
 * table.
 */

const Name = z.string().trim().min(1).max(200);

export const ManufacturersFile = z
  .strictObject({
    version: z.string().min(1),
    manufacturers: z
      .array(
        z.strictObject({
          /** The name shown, and whose key all aliases map to. */
          name: Name,
          /** Former names, subsidiaries and spellings that mean this maker. */
          aliases: z.array(Name).max(100).default([]),
          /** Why (a rename, an acquisition, a spin-off, with the year), for the reviewer. */
          note: z.string().max(500).optional(),
          /**
           * Other makers this one is related to but is not (a former parent, a spin-off, a
           * sister company): a product name they share is flagged for a reviewer, never merged.
           */
          related: z.array(Name).max(50).default([]),
        }),
      )
      .min(1),
  })
  .superRefine((file, ctx) => {
    const owner = new Map<string, string>();
    file.manufacturers.forEach((entry, i) => {
      [entry.name, ...entry.aliases].forEach((alias, j) => {
        const key = normaliseManufacturer(alias);
        const path = j === 0 ? ['manufacturers', i, 'name'] : ['manufacturers', i, 'aliases', j - 1];
        if (key === '') {
          ctx.addIssue({ code: 'custom', path, message: `"${alias}" has no letters or digits` });
          return;
        }
        const claimed = owner.get(key);
        if (claimed !== undefined && claimed !== entry.name) {
          ctx.addIssue({
            code: 'custom',
            path,
            message: `"${alias}" (key "${key}") is already an alias of "${claimed}"`,
          });
        }
        owner.set(key, entry.name);
      });
    });
  });
export type ManufacturersFile = z.infer<typeof ManufacturersFile>;

interface Canonical {
  /** `normaliseManufacturer` of the canonical name. */
  key: string;
  name: string;
}

/** The table compiled for lookups; build it once per loaded configuration. */
export interface ManufacturerAliases {
  readonly byKey: ReadonlyMap<string, Canonical>;
  /** Alias keys that also match as the leading words of a longer name, longest first. */
  readonly prefixes: readonly (readonly [prefix: string, canonical: Canonical])[];
  /** Canonical key → the canonical keys of the makers it is related to (both ways). */
  readonly related: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * An alias of two or more words also matches the leading words of a longer name ("Smiths Medical"
 * matches "Smiths Medical ASD"). A one-word alias matches only whole: "Zimmer" is Zimmer Biomet,
 * but "Zimmer MedizinSysteme" is another company, and a wrong merge costs more than a missed one.
 */
function matchesAsPrefix(key: string): boolean {
  return key.includes(' ');
}

export function compileManufacturerAliases(file: ManufacturersFile): ManufacturerAliases {
  const byKey = new Map<string, Canonical>();
  for (const entry of file.manufacturers) {
    const canonical: Canonical = { key: normaliseManufacturer(entry.name), name: normaliseText(entry.name) };
    for (const alias of [entry.name, ...entry.aliases]) byKey.set(normaliseManufacturer(alias), canonical);
  }
  const prefixes = [...byKey]
    .filter(([key]) => matchesAsPrefix(key))
    .sort(([a], [b]) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
  const related = new Map<string, Set<string>>();
  const relate = (a: string, b: string): void => {
    const set = related.get(a) ?? new Set<string>();
    set.add(b);
    related.set(a, set);
  };
  const partial = { byKey, prefixes, related };
  for (const entry of file.manufacturers) {
    const own = normaliseManufacturer(entry.name);
    for (const other of entry.related) {
      const key = canonicalManufacturer(other, partial);
      if (key === '' || key === own) continue;
      relate(own, key);
      relate(key, own);
    }
  }
  return partial;
}

/**
 * Whether two canonical maker keys are related makers (config `related`, either way): a parent
 * and its spin-off share product names without being one maker.
 */
export function relatedManufacturers(a: string, b: string, aliases: ManufacturerAliases): boolean {
  return a !== '' && b !== '' && a !== b && (aliases.related.get(a)?.has(b) ?? false);
}

/** An empty table: every name is its own maker (for tests and tools without configuration). */
export const NO_MANUFACTURER_ALIASES: ManufacturerAliases = {
  byKey: new Map(),
  prefixes: [],
  related: new Map(),
};

function lookup(key: string, aliases: ManufacturerAliases): Canonical | undefined {
  const exact = aliases.byKey.get(key);
  if (exact !== undefined) return exact;
  return aliases.prefixes.find(([prefix]) => key.startsWith(`${prefix} `))?.[1];
}

/**
 * Key form of a manufacturer with aliases applied: `normaliseManufacturer` (legal forms dropped,
 * diacritics folded), then the canonical maker's key when the name or its leading words are an
 * alias. "Smiths Medical ASD, Inc." → "icu medical"; "Mölnlycke Health Care AB" → "molnlycke health
 * care"; a name the table does not know keeps its own key.
 */
export function canonicalManufacturer(name: string, aliases: ManufacturerAliases): string {
  const key = normaliseManufacturer(name);
  if (key === '') return '';
  return lookup(key, aliases)?.key ?? key;
}

/** The canonical maker's display name ("ICU Medical"), or the name as written when unknown. */
export function canonicalManufacturerName(name: string, aliases: ManufacturerAliases): string {
  const key = normaliseManufacturer(name);
  return (key === '' ? undefined : lookup(key, aliases)?.name) ?? normaliseText(name);
}
