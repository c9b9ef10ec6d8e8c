import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * The ground truth of the triage evaluation scenario (test/fixtures/triage-eval/labels.yaml; what
 * each field means: the README there). Read by the scenario's contract test and by the evaluation.
 */

export const SCENARIO_DIR = fileURLToPath(new URL('../fixtures/triage-eval/', import.meta.url));

export const Tag = z.enum([
  'pre-market-high-risk',
  'ai-decision-support',
  'ivd',
  'new-generation',
  'predecessor',
  'established',
  'council-listed',
  'reconsider',
  'requisition-drug',
  'prescription-drug',
  'prescription-exception',
  'hta-method',
  'low-importance',
  'out-of-remit',
]);
export type Tag = z.infer<typeof Tag>;

export const Product = z.strictObject({
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
  match: z.strictObject({ nameIncludes: z.string().min(4) }),
  kind: z.enum(['device', 'ivd', 'drug', 'method']),
  label: z.enum(['should-nominate', 'consider', 'low', 'established', 'already-handled', 'out-of-remit']),
  routing: z.enum(['MTP-rådet', 'NT-rådet', 'TLV', 'båda', 'utanför']),
  status: z.enum(['ej-hanterad', 'hanteras-av-mtp-radet', 'hanteras-av-nt-radet', 'omprovning']),
  stage: z.enum(['pre-market', 'market-entry', 'established', 'unknown']),
  tags: z.array(Tag).min(1),
  predecessor: z.string().optional(),
  reason: z.string().min(40),
});
export type Product = z.infer<typeof Product>;

export const Labels = z.strictObject({
  asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  products: z.array(Product),
});
export type Labels = z.infer<typeof Labels>;

export function loadLabels(scenarioDir = SCENARIO_DIR): Labels {
  return Labels.parse(parseYaml(readFileSync(path.join(scenarioDir, 'labels.yaml'), 'utf8')));
}

/** The scenario's one matching rule: the product's text in a name, whatever the case. */
export function nameMatches(product: Product, name: string): boolean {
  return name.toLowerCase().includes(product.match.nameIncludes.toLowerCase());
}
