/**
 * Builds the recordings of EMA's monthly list of applications for new human medicines under
 * evaluation by the CHMP deterministically, in the list's layout: a title and a note above the
 * table (the note names the INN column in a sentence), "Data extracted …", then the header row
 * around row 15, Y/N flags and date serials:
 *
 *   npx tsx scripts/make-ema-evaluation-xlsx.ts
 *
 * Writes demo/fixtures/ema-evaluation/under-evaluation-november-2026.xlsx and the edge cases
 * edge/header-moved.xlsx (the header row lower down: still read), edge/column-missing.xlsx,
 * edge/no-header.xlsx (the layout changed: no INN header) and edge/empty.xlsx (no rows).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureWorkbook } from './xlsx-fixture.js';
import type { FixtureCell } from './xlsx-fixture.js';

const OUT = fileURLToPath(new URL('../demo/fixtures/ema-evaluation/', import.meta.url));
const MTIME = '2026-11-05T09:00:00Z';

const HEADER = [
  'International non-proprietary name (INN) / Common Name',
  'Indication - Summary',
  'Substance type (classification)',
  'EMA Prod. Number',
  'Start of evaluation',
  'Orphan Product',
  'Is PRIME',
  'Accelerated assessment',
  'Is Open',
];

const PREAMBLE: FixtureCell[][] = [
  [
    'Applications for new human medicines under evaluation by the Committee for Medicinal Products for Human Use (CHMP)',
  ],
  ['November 2026'],
  [],
  [
    'This document lists the applications for initial marketing authorisation of new medicines for human use that are under evaluation by the CHMP. The international non-proprietary name (INN) or common name of the active substance and the therapeutic area are published once the evaluation has started.',
  ],
  [
    'Names of medicines are not published during the evaluation. Information on generic, hybrid and biosimilar medicines is not included.',
  ],
  [],
  ['Data extracted 03 November 2026'],
  [],
  [],
  [],
  [],
  [],
  [],
];

type Row = [string, string, string, string, string, string, string, string, string];

const ROWS: Row[] = [
  [
    'ulefnersen',
    'Treatment of amyotrophic lateral sclerosis (ALS) in adults with a mutation in the FUS gene',
    'Chemical',
    'EMEA/H/C/006512',
    '2026-06-26',
    'Y',
    'Y',
    'Y',
    'N',
  ],
  [
    'obicetrapib / ezetimibe',
    'Treatment of primary hypercholesterolaemia and mixed dyslipidaemia in adults, as an adjunct to diet',
    'Chemical',
    'EMEA/H/C/006430',
    '2026-03-26',
    'N',
    'N',
    'N',
    'N',
  ],
  [
    'vepdegestrant',
    'Treatment of adults with ER-positive, HER2-negative, ESR1-mutated locally advanced or metastatic breast cancer',
    'Chemical',
    'EMEA/H/C/006488',
    '2026-05-28',
    'N',
    'N',
    'N',
    'N',
  ],
  [
    'brensocatib',
    'Treatment of non-cystic fibrosis bronchiectasis in patients 12 years of age and older with two or more exacerbations in the prior 12 months',
    'Chemical',
    'EMEA/H/C/006398',
    '2026-01-29',
    'Y',
    'N',
    'N',
    'N',
  ],
  [
    'zopapogene imadenovec',
    'Treatment of adults with recurrent respiratory papillomatosis',
    'Biological',
    'EMEA/H/C/006547',
    '2026-09-24',
    'Y',
    'Y',
    'N',
    'N',
  ],
];

function sheet(header: string[], rows: Row[], preamble = PREAMBLE): Uint8Array {
  const cells = rows.map((row) =>
    row.map((text, column): FixtureCell => (column === 4 && text !== '' ? { date: text } : text)),
  );
  return fixtureWorkbook({
    rows: [...preamble, header, ...cells],
    headerRow: preamble.length + 1,
    mtime: MTIME,
  });
}

mkdirSync(path.join(OUT, 'edge'), { recursive: true });
writeFileSync(path.join(OUT, 'under-evaluation-november-2026.xlsx'), sheet(HEADER, ROWS));
// EMA's header row moves from month to month: two more note rows above it must not matter.
writeFileSync(
  path.join(OUT, 'edge', 'header-moved.xlsx'),
  sheet(HEADER, ROWS.slice(0, 2), [
    ...PREAMBLE.slice(0, 6),
    ['Start of procedure dates are the CHMP start dates.'],
    [],
    ...PREAMBLE.slice(6),
  ]),
);
writeFileSync(
  path.join(OUT, 'edge', 'column-missing.xlsx'),
  sheet(
    HEADER.filter((name) => name !== 'Orphan Product'),
    ROWS.map((row) => row.filter((_, column) => column !== 5) as Row),
  ),
);
writeFileSync(
  path.join(OUT, 'edge', 'no-header.xlsx'),
  sheet(
    HEADER.map((name) => (name.startsWith('International') ? 'Active substance' : name)),
    ROWS,
  ),
);
writeFileSync(path.join(OUT, 'edge', 'empty.xlsx'), sheet(HEADER, []));
console.log(`wrote the EMA under-evaluation recordings to ${OUT}`);
