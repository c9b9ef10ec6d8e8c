/**
 * `npm run eval:triage`: scans the labelled triage scenario (test/fixtures/triage-eval) through the
 * real pipeline, in a PostgreSQL schema and BullMQ prefix of its own on $DATABASE_URL and
 * $REDIS_URL, and prints how the stored scores meet the labels: pairwise ordering, recall in the
 * top band, established products flagged, routing, status and stage, with the ranked list.
 * `--json` prints the evaluation as one JSON document instead. Exits 1 when a bound of issue 16
 * fails.
 */
import { BOUNDS, TOP_BAND, UNKNOWN, boundFailures, evaluateTriage } from '../test/triage/evaluate.js';
import type { Mismatch, Ratio, ScoredCandidate, TriageEvaluation } from '../test/triage/evaluate.js';

function ratio(name: string, r: Ratio, unit: string, bound?: number): string {
  const verdict = bound === undefined ? '' : `  bound ≥ ${bound}  ${r.value >= bound ? 'ok' : 'FAIL'}`;
  return `${name.padEnd(30)}${r.value.toFixed(3)}  (${r.correct}/${r.total} ${unit})${verdict}`;
}

function count(name: string, n: number, gated: boolean): string {
  return `${name.padEnd(30)}${n}${gated ? `  bound 0  ${n === 0 ? 'ok' : 'FAIL'}` : ''}`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd(),
  );
}

function mismatches(title: string, list: Mismatch[], idWidth: number): void {
  if (list.length === 0) return;
  if (list.every((m) => m.actual === UNKNOWN)) {
    console.log(`\n${title} (${list.length}): the stored scores do not carry the field ('${UNKNOWN}')`);
    return;
  }
  console.log(`\n${title} (${list.length}), expected → actual:`);
  for (const m of list) {
    console.log(`  ${m.product.padEnd(idWidth)} ${m.expected} → ${m.actual}   (${m.candidate})`);
  }
}

interface ScanFigures {
  runStatus: string;
  sources: number;
  sourcesOk: number;
  pages: number;
  items: number;
  candidates: number;
  durationMs: number;
}

function printReport(e: TriageEvaluation, scan: ScanFigures, failures: string[]): void {
  const idWidth = Math.max(...e.products.map(({ product }) => product.id.length)) + 1;
  const productOf = new Map<string, { id: string; label: string }>();
  for (const { product, candidates } of e.products) {
    for (const candidate of candidates) productOf.set(candidate.id, { id: product.id, label: product.label });
  }
  const row = (c: ScoredCandidate): string[] => [
    String(c.rank),
    c.total === null ? '–' : String(c.total),
    c.band,
    c.council,
    c.stage,
    c.processStatus,
    c.nominate ? 'yes' : '',
    productOf.get(c.id)?.label ?? '–',
    productOf.get(c.id)?.id ?? '',
    c.name.length > 70 ? `${c.name.slice(0, 69)}…` : c.name,
  ];
  const header = ['#', 'total', 'band', 'council', 'stage', 'status', 'nom', 'label', 'product', 'candidate'];

  console.log(
    `eval:triage  labels as of ${e.asOf}; run ${scan.runStatus}: ${scan.sourcesOk}/${scan.sources} sources ok, ` +
      `${scan.pages} pages, ${scan.items} items, ${scan.candidates} candidates in ${(scan.durationMs / 1000).toFixed(1)} s\n`,
  );
  console.log(ratio('pairwise ordering', e.pairwise, 'pairs', BOUNDS.pairwise));
  console.log(ratio(`recall in '${TOP_BAND}'`, e.recall, 'should-nominate'));
  console.log(count('established/low flagged', e.establishedFlagged.length, true));
  console.log(ratio('routing', e.routing, 'products', BOUNDS.routing));
  console.log(ratio('status', e.status, 'products'));
  console.log(ratio('stage', e.stage, 'products'));
  console.log(
    count(`council-listed unrecognised`, e.alreadyHandled.unrecognised.length, true) +
      `   (of ${e.alreadyHandled.products})`,
  );
  console.log(count('already-handled nominated', e.alreadyHandled.nominated.length, true));
  console.log(count('split products', e.split.length, false));
  console.log(count('products without candidate', e.missing.length, false));
  console.log(failures.length === 0 ? '\nall bounds met' : `\nFAILED: ${failures.join('; ')}`);

  const top = e.candidates.filter((c) => c.band === TOP_BAND);
  console.log(`\nTop band '${TOP_BAND}' (${top.length}):`);
  if (top.length > 0) for (const line of table([header, ...top.map(row)])) console.log(`  ${line}`);

  if (e.establishedFlagged.length > 0) {
    console.log(`\nEstablished/low in the top band or nominated (${e.establishedFlagged.length}):`);
    for (const f of e.establishedFlagged) {
      console.log(
        `  ${f.product.padEnd(idWidth)} ${f.label.padEnd(12)} #${f.candidate.rank} ${f.candidate.band}` +
          `${f.candidate.nominate ? ' nominated' : ''}   (${f.candidate.name})`,
      );
    }
  }
  if (e.alreadyHandled.nominated.length > 0) {
    console.log(`\nAlready handled and nominated (${e.alreadyHandled.nominated.length}):`);
    for (const f of e.alreadyHandled.nominated) {
      console.log(`  ${f.product.padEnd(idWidth)} (${f.candidate.name})`);
    }
  }

  const lost = new Map<string, number>();
  for (const pair of e.pairwise.wrong) {
    lost.set(pair.shouldNominate, (lost.get(pair.shouldNominate) ?? 0) + 1);
  }
  if (lost.size > 0) {
    const others = e.products.filter(({ product }) => ['established', 'low'].includes(product.label)).length;
    console.log(`\nShould-nominate products losing pairs (of ${others} established/low each):`);
    for (const [product, n] of [...lost].sort((a, b) => b[1] - a[1])) {
      console.log(`  ${product.padEnd(idWidth)} ${n}`);
    }
  }

  const predicted = [...new Set(Object.values(e.routing.confusion).flatMap((r) => Object.keys(r)))].sort();
  console.log('\nRouting, label (rows) × council (columns):');
  for (const line of table([
    ['', ...predicted],
    ...Object.entries(e.routing.confusion).map(([label, r]) => [
      label,
      ...predicted.map((p) => String(r[p] ?? '')),
    ]),
  ])) {
    console.log(`  ${line}`);
  }
  mismatches('Routing mismatches', e.routing.mismatches, idWidth);
  mismatches('Status mismatches', e.status.mismatches, idWidth);
  mismatches('Stage mismatches', e.stage.mismatches, idWidth);
  mismatches('Council-listed, not recognised', e.alreadyHandled.unrecognised, idWidth);

  if (e.split.length > 0) {
    console.log(`\nSplit over several candidates (${e.split.length}):`);
    for (const s of e.split) console.log(`  ${s.product.padEnd(idWidth)} ${s.candidates.join(' | ')}`);
  }
  if (e.missing.length > 0) console.log(`\nNo candidate: ${e.missing.join(', ')}`);

  console.log(`\nRanked candidates (${e.candidates.length}):`);
  for (const line of table([header, ...e.candidates.map(row)])) console.log(`  ${line}`);
}

const { evaluation, summary, durationMs } = await evaluateTriage();
const failures = boundFailures(evaluation);
process.exitCode = failures.length > 0 ? 1 : 0;

const scan: ScanFigures = {
  runStatus: summary.status,
  sources: summary.sources.length,
  sourcesOk: summary.sources.filter((source) => source.status === 'ok').length,
  pages: summary.sources.reduce((sum, source) => sum + source.pages, 0),
  items: summary.sources.reduce((sum, source) => sum + source.items_seen, 0),
  candidates: evaluation.candidates.length,
  durationMs,
};

if (process.argv.includes('--json')) {
  console.log(
    JSON.stringify({
      workload: 'eval:triage',
      scan,
      bounds: BOUNDS,
      failures,
      ...evaluation,
      products: evaluation.products.map(({ product, candidates }) => ({
        id: product.id,
        label: product.label,
        candidates: candidates.map((candidate) => candidate.id),
      })),
    }),
  );
} else {
  printReport(evaluation, scan, failures);
}
