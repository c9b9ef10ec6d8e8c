import { createHarness } from '../helpers/harness.js';
import type { RunSummary } from '../../src/store/runs.js';
import { SCENARIO_DIR, loadLabels, nameMatches } from './labels.js';
import type { Labels, Product } from './labels.js';

/**
 * The triage evaluation (issue 16, "Evaluation"): scans the labelled scenario through the real
 * pipeline — fixture server on the scenario, its sources.yaml, real PostgreSQL and Redis in a
 * schema and BullMQ prefix of its own — and judges the stored scores against labels.yaml.
 *
 * Matching follows the scenario's README: a product's candidates are those whose name contains its
 * `nameIncludes`. The best-ranked of them stands for the product in ordering, recall, routing,
 * status and stage; every one of them counts for "never in the top band, never nominated".
 */

/** A score field the stored result does not carry (yet). */
export const UNKNOWN = 'okänd';
export const TOP_BAND = 'hög';

/** The bounds for `npm run eval:triage` and its test. */
export const BOUNDS = { pairwise: 0.95, routing: 0.98 } as const;

const HANDLED_STATUSES = new Set(['hanteras-av-mtp-radet', 'hanteras-av-nt-radet', 'omprovning']);

export interface ScoredCandidate {
  id: string;
  name: string;
  /** 1-based, in the workbench's order (`rankedCandidates`: total desc, unscored last, then name). */
  rank: number;
  total: number | null;
  band: string;
  council: string;
  nominate: boolean;
  stage: string;
  processStatus: string;
}

export interface ProductOutcome {
  product: Product;
  /** The candidates whose name contains the product's text, best-ranked first. */
  candidates: ScoredCandidate[];
}

export interface Ratio {
  correct: number;
  total: number;
  /** correct / total; 1 when there is nothing to count. */
  value: number;
}

export interface Mismatch {
  product: string;
  candidate: string;
  expected: string;
  actual: string;
}

export interface FlaggedCandidate {
  product: string;
  label: Product['label'];
  candidate: ScoredCandidate;
}

export interface TriageEvaluation {
  /** The labels' as-of date: the day the scenario is judged. */
  asOf: string;
  /** Every scored and unscored candidate of the scan, ranked. */
  candidates: ScoredCandidate[];
  products: ProductOutcome[];
  /**
   * Pairs (should-nominate, established or low) whose should-nominate product outranks the other:
   * its best total strictly above the other's (a tie is not an order a reader can act on). A
   * should-nominate product without a scored candidate loses every pair; an established or low
   * one without a scored candidate loses none.
   */
  pairwise: Ratio & { wrong: Array<{ shouldNominate: string; other: string }> };
  /** Should-nominate products whose best candidate is in the top band. */
  recall: Ratio & { missed: string[] };
  /** Candidates of established or low products in the top band or nominated. */
  establishedFlagged: FlaggedCandidate[];
  /** Products with a candidate: the label's routing against the best candidate's council. */
  routing: Ratio & { mismatches: Mismatch[]; confusion: Record<string, Record<string, number>> };
  status: Ratio & { mismatches: Mismatch[] };
  stage: Ratio & { mismatches: Mismatch[] };
  /**
   * Products on a council list (status hanteras-av-* or omprovning): the best candidate's status
   * must say so. Those handled with nothing new (hanteras-av-*) may not have a nominated
   * candidate; an omprövning may be nominated again (the scenario's README).
   */
  alreadyHandled: {
    products: number;
    unrecognised: Mismatch[];
    nominated: FlaggedCandidate[];
  };
  /** Products found as more than one candidate (a resolver matter: reported, not judged here). */
  split: Array<{ product: string; candidates: string[] }>;
  /** Products no candidate's name carries. */
  missing: string[];
}

function ratio(correct: number, total: number): Ratio {
  return { correct, total, value: total === 0 ? 1 : correct / total };
}

function compareField(
  outcomes: ProductOutcome[],
  expected: (product: Product) => string,
  actual: (candidate: ScoredCandidate) => string,
): Ratio & { mismatches: Mismatch[] } {
  const mismatches: Mismatch[] = [];
  let total = 0;
  for (const { product, candidates } of outcomes) {
    const best = candidates[0];
    if (!best) continue;
    total += 1;
    if (actual(best) !== expected(product)) {
      mismatches.push({
        product: product.id,
        candidate: best.name,
        expected: expected(product),
        actual: actual(best),
      });
    }
  }
  return { ...ratio(total - mismatches.length, total), mismatches };
}

/** Judges ranked candidates against the labels. Pure: the scan is `evaluateTriage`'s business. */
export function judgeTriage(labels: Labels, ranked: ScoredCandidate[]): TriageEvaluation {
  const products: ProductOutcome[] = labels.products.map((product) => ({
    product,
    candidates: ranked.filter((candidate) => nameMatches(product, candidate.name)),
  }));
  const withLabel = (...wanted: Array<Product['label']>) =>
    products.filter(({ product }) => wanted.includes(product.label));
  const bestTotal = (outcome: ProductOutcome) => outcome.candidates[0]?.total ?? null;

  const shouldNominate = withLabel('should-nominate');
  const others = withLabel('established', 'low');
  const wrong: TriageEvaluation['pairwise']['wrong'] = [];
  for (const s of shouldNominate) {
    for (const o of others) {
      const sTotal = bestTotal(s);
      const oTotal = bestTotal(o);
      const right = sTotal !== null && (oTotal === null || sTotal > oTotal);
      if (!right) wrong.push({ shouldNominate: s.product.id, other: o.product.id });
    }
  }
  const pairs = shouldNominate.length * others.length;

  const missed = shouldNominate
    .filter(({ candidates }) => candidates[0]?.band !== TOP_BAND)
    .map(({ product }) => product.id);

  const flagged = (outcomes: ProductOutcome[], flag: (c: ScoredCandidate) => boolean) =>
    outcomes.flatMap(({ product, candidates }) =>
      candidates.filter(flag).map((candidate) => ({ product: product.id, label: product.label, candidate })),
    );

  const found = products.filter(({ candidates }) => candidates.length > 0);
  const routing = compareField(
    found,
    (product) => product.routing,
    (candidate) => candidate.council,
  );
  const confusion: Record<string, Record<string, number>> = {};
  for (const { product, candidates } of found) {
    const row = (confusion[product.routing] ??= {});
    row[candidates[0]!.council] = (row[candidates[0]!.council] ?? 0) + 1;
  }

  const handled = products.filter(({ product }) => HANDLED_STATUSES.has(product.status));
  const unrecognised: Mismatch[] = handled
    .filter(({ candidates }) => !HANDLED_STATUSES.has(candidates[0]?.processStatus ?? ''))
    .map(({ product, candidates }) => ({
      product: product.id,
      candidate: candidates[0]?.name ?? '',
      expected: product.status,
      actual: candidates[0]?.processStatus ?? 'ingen kandidat',
    }));

  return {
    asOf: labels.asOf,
    candidates: ranked,
    products,
    pairwise: { ...ratio(pairs - wrong.length, pairs), wrong },
    recall: { ...ratio(shouldNominate.length - missed.length, shouldNominate.length), missed },
    establishedFlagged: flagged(others, (c) => c.band === TOP_BAND || c.nominate),
    routing: { ...routing, confusion },
    status: compareField(
      found,
      (product) => product.status,
      (candidate) => candidate.processStatus,
    ),
    stage: compareField(
      found,
      (product) => product.stage,
      (candidate) => candidate.stage,
    ),
    alreadyHandled: {
      products: handled.length,
      unrecognised,
      nominated: flagged(
        handled.filter(({ product }) => product.status !== 'omprovning'),
        (c) => c.nominate,
      ),
    },
    split: products
      .filter(({ candidates }) => candidates.length > 1)
      .map(({ product, candidates }) => ({ product: product.id, candidates: candidates.map((c) => c.name) })),
    missing: products.filter(({ candidates }) => candidates.length === 0).map(({ product }) => product.id),
  };
}

/** The bounds the evaluation fails, in words; empty when it meets them all. */
export function boundFailures(evaluation: TriageEvaluation): string[] {
  const failures: string[] = [];
  if (evaluation.pairwise.value < BOUNDS.pairwise) {
    failures.push(`pairwise ordering ${evaluation.pairwise.value.toFixed(3)} < ${BOUNDS.pairwise}`);
  }
  if (evaluation.establishedFlagged.length > 0) {
    failures.push(
      `${evaluation.establishedFlagged.length} established/low candidate(s) in the top band or nominated`,
    );
  }
  if (evaluation.routing.value < BOUNDS.routing) {
    failures.push(`routing ${evaluation.routing.value.toFixed(3)} < ${BOUNDS.routing}`);
  }
  if (evaluation.alreadyHandled.unrecognised.length > 0) {
    failures.push(
      `${evaluation.alreadyHandled.unrecognised.length} council-listed product(s) not recognised`,
    );
  }
  if (evaluation.alreadyHandled.nominated.length > 0) {
    failures.push(`${evaluation.alreadyHandled.nominated.length} already-handled candidate(s) nominated`);
  }
  return failures;
}

export interface TriageRun {
  evaluation: TriageEvaluation;
  summary: RunSummary;
  durationMs: number;
}

const text = (value: unknown): string => (typeof value === 'string' && value !== '' ? value : UNKNOWN);

/**
 * Scans the scenario once in a world of its own and judges the result. The world is removed
 * afterwards, whatever happens.
 */
export async function evaluateTriage(scenarioDir = SCENARIO_DIR): Promise<TriageRun> {
  const labels = loadLabels(scenarioDir);
  const started = Date.now();
  const world = await createHarness({ configDir: scenarioDir, fixturesRoot: scenarioDir });
  try {
    const summary = await world.scan([], { asOf: labels.asOf });
    const rows = await world.query<{
      id: string;
      name: string;
      total: number | null;
      band: string | null;
      council: string | null;
      nominate: boolean | null;
      result: Record<string, unknown> | null;
    }>(
      `select c.id, c.name, s.total, s.band, s.council, s.nominate, s.result
       from candidates c left join scores s on s.id = c.current_score_id
       where c.merged_into is null
       order by s.total desc nulls last, c.name, c.id`,
    );
    const ranked = rows.map((row, index) => ({
      id: row.id,
      name: row.name,
      rank: index + 1,
      total: row.total,
      band: text(row.band),
      council: text(row.council),
      nominate: row.nominate === true,
      stage: text(row.result?.stage),
      processStatus: text(row.result?.processStatus),
    }));
    return { evaluation: judgeTriage(labels, ranked), summary, durationMs: Date.now() - started };
  } finally {
    await world.close();
  }
}
