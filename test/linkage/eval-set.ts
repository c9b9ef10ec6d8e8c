import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { RawItem } from '../../src/domain/item.js';

/**
 * The ground-truth set for identity resolution (`test/fixtures/linkage/`, described in its
 * README): items as the adapters emit them, each labelled with the product or method it is about.
 */

export const EVAL_SET_DIR = fileURLToPath(new URL('../fixtures/linkage/', import.meta.url));

/** The hard-case labels a note may carry as `[label]`, and what each one means. */
export const HARD_CASES = {
  generation: 'same manufacturer, another generation or variant that must stay a separate cluster',
  'renamed-manufacturer':
    'the manufacturer named as a group, subsidiary, distributor, or by a former or later name',
  'legal-form': 'manufacturer written with another legal form, case, punctuation or without diacritics',
  'no-identifier': 'no UDI-DI, Basic UDI-DI or reference at all: only names and text link it',
  'name-variant': 'product name with a typo, other spacing or case, ®/™, an abbreviation or a descriptor',
  translated: 'the same product or method in another language (Swedish, Norwegian, English)',
  'udi-format': 'UDI-DI as GTIN-12/13, with the "(01)" prefix or with spaces',
  'shared-basic-udi': 'one of several UDI-DIs under one Basic UDI-DI',
  'shared-pma': 'an FDA PMA number that other products of the family share',
  'method-vs-product': 'a method that must not be merged with a product used for it (or the reverse)',
  'similar-title': 'a near-identical title about another method, population or drug',
  'manufacturer-only': "names a manufacturer and no product: must not join that manufacturer's products",
  homonym: 'a product whose name another company uses for something else',
  'inn-vs-brand': 'a drug named by its substance (INN) in one source and by its brand in another',
  'trial-two-registries': 'one trial registered twice (two NCT numbers, an NCT and an EU CT number)',
} as const;
export type HardCase = keyof typeof HARD_CASES;

const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export const EvalEntry = z.strictObject({
  /** The source id as in config/sources.yaml; also the file name. */
  sourceId: z.string().regex(KEBAB),
  /** The ground-truth product or method id. */
  cluster: z.string().regex(KEBAB),
  /** Why the item is hard, with `[label]`s from HARD_CASES. */
  note: z.string().min(1).optional(),
  item: RawItem,
});
export type EvalEntry = z.infer<typeof EvalEntry>;

/** The labels a note carries, in order. */
export function hardCasesOf(entry: Pick<EvalEntry, 'note'>): string[] {
  return [...(entry.note ?? '').matchAll(/\[([a-z-]+)\]/g)].map((match) => match[1]!);
}

/** Every entry of the set, file by file (`<source-id>.json`); a malformed file throws. */
export function loadEvalSet(dir: string = EVAL_SET_DIR): EvalEntry[] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
  return files.flatMap((name) => {
    const sourceId = path.basename(name, '.json');
    const parsed = z.array(EvalEntry).safeParse(JSON.parse(readFileSync(path.join(dir, name), 'utf8')));
    if (!parsed.success) {
      throw new Error(
        `${name}: ${parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.')}: ${i.message}`)
          .join('; ')}`,
      );
    }
    for (const entry of parsed.data) {
      if (entry.sourceId !== sourceId) throw new Error(`${name}: entry of source ${entry.sourceId}`);
    }
    return parsed.data;
  });
}
