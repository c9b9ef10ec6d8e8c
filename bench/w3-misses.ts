/**
 * W3's missed links by kind: run after `W3_KEEP_SCHEMA=1 … bench/w3-linkage.ts` with the same
 * W3_RECORDS / W3_DELTA / --quick, and the kept schema as the first argument. Regenerates the
 * world (deterministic), reads the clusters the resolver made and lists, per kind of pair, the
 * true pairs it left apart, with examples.
 *
 * argv: <schema> [upTo]
 */
import pg from 'pg';
import { DEFAULT_CONFIG_DIR, loadConfig } from '../src/config/load.js';
import { normaliseUdiDi } from '../src/domain/identifiers.js';
import { similarity } from '../src/domain/resolution.js';
import type { PageEntry } from '../src/domain/resolver.js';
import { pageEntries } from '../src/domain/resolver.js';
import { resolverContext } from '../src/workers/resolve.js';
import { generateDevices } from './lib/devices.js';
import { isQuick } from './lib/report.js';
import { generateWorld } from './lib/w3-world.js';

const [schema, upToArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const quick = isQuick();
const registrations = Number(process.env.W3_RECORDS ?? (quick ? 10_000 : 1_000_000));
const delta = Number(process.env.W3_DELTA ?? (quick ? 500 : 10_000));
const texts = Math.round(registrations / 20);
const world = generateWorld(registrations + delta, texts);
const corpus = generateDevices(registrations + delta, 20261120);
const upTo = Number(upToArg ?? world.items.length);

const db = new pg.Client({ connectionString: process.env.DATABASE_URL, options: `-c search_path=${schema}` });
await db.connect();
const rows = await db.query<{ item_id: string; cluster: string }>(
  `select e.item_id, coalesce(c.merged_into, c.id)::text as cluster
   from evidence e join candidates c on c.id = e.candidate_id where e.item_id <= $1`,
  [upTo],
);
/** Item (0-based) → its clusters (an item may link to several candidates). */
const clustersOf = new Map<number, Set<string>>();
for (const row of rows.rows) {
  const i = Number(row.item_id) - 1;
  const set = clustersOf.get(i) ?? new Set<string>();
  set.add(row.cluster);
  clustersOf.set(i, set);
}
const clusterOf = (i: number): string => {
  const set = clustersOf.get(i);
  return set === undefined ? `none:${i}` : [...set].sort()[0]!;
};

function kindOf(i: number): string {
  const item = world.items[i]!;
  if (item.kind === 'device' && item.publicationType === 'PMA') return 'pma';
  if (item.kind === 'device') return 'reg';
  if (item.kind === 'hta-report') return 'hta';
  return item.kind;
}

/** How a record names its entity. */
function nameVariant(i: number): string {
  const item = world.items[i]!;
  const entity = corpus.entities[world.truth[i]!]!;
  const named = item.product?.tradeName ?? item.certificate?.scopes?.[0]?.name ?? item.title;
  if (named === entity.tradeName) return 'same';
  if (named.toLowerCase() === entity.tradeName.toLowerCase()) return 'case';
  if (named.replace(/[®-]/g, ' ').replace(/\s+/g, ' ') === entity.tradeName) return 'punct';
  if (named === `${entity.tradeName} System`) return 'system';
  if (kindOf(i) === 'hta') return 'hta-title';
  if (kindOf(i) === 'trial') return 'gen-form';
  return 'typo';
}

function udiOf(i: number): string {
  const udi = world.items[i]!.product?.udiDi;
  if (udi === undefined) return 'noudi';
  return normaliseUdiDi(udi) === undefined ? 'badudi' : 'udi';
}

const ctx = resolverContext(await loadConfig(DEFAULT_CONFIG_DIR));
const entryOf = (i: number): PageEntry | undefined =>
  pageEntries([{ id: i + 1, sourceId: 'w3', item: world.items[i]! }], ctx)[0];
const blockKeys = (blocks: {
  head?: string;
  tail?: string;
  heads?: string[];
  tails?: string[];
}): string[] => [
  ...(blocks.head === undefined ? [] : [`h${blocks.head}`]),
  ...(blocks.tail === undefined ? [] : [`t${blocks.tail}`]),
  ...(blocks.heads ?? []).map((b) => `h${b}`),
  ...(blocks.tails ?? []).map((b) => `t${b}`),
];
/** Why the resolver left a pair apart: the names' similarity, or blocking that never compared them. */
function cause(a: number, b: number): string {
  const x = entryOf(a);
  const y = entryOf(b);
  if (x?.profile === undefined || y?.profile === undefined) return 'no name';
  const result = similarity(x.profile, y.profile, ctx.settings);
  if (result.score < ctx.settings.thresholds.link) {
    return `not similar: ${result.reason
      .replace(/\(.*\)/, '')
      .replace(/\d+/g, 'N')
      .trim()}`;
  }
  const stored = (e: PageEntry): Set<string> => new Set(blockKeys(e.stored));
  const meets = (from: PageEntry, to: PageEntry): boolean =>
    blockKeys(from.lookup).some((k) => stored(to).has(k));
  if (!meets(x, y) && !meets(y, x)) return 'similar, no block shared';
  if (!meets(x, y) || !meets(y, x)) return 'similar, one looks where the other is filed';
  return 'similar, blocks shared';
}

const byEntity = new Map<number, number[]>();
for (let i = 0; i < upTo; i++) {
  const list = byEntity.get(world.truth[i]!) ?? [];
  list.push(i);
  byEntity.set(world.truth[i]!, list);
}
const counts = new Map<string, { n: number; examples: string[] }>();
let missed = 0;
let truePairs = 0;
for (const [e, items] of byEntity) {
  const entity = corpus.entities[e]!;
  for (let x = 0; x < items.length; x++) {
    for (let y = x + 1; y < items.length; y++) {
      truePairs++;
      const a = items[x]!;
      const b = items[y]!;
      if (clusterOf(a) === clusterOf(b)) continue;
      missed++;
      const [p, q] = [a, b].sort((u, v) => kindOf(u).localeCompare(kindOf(v)) || u - v) as [number, number];
      const label = [
        `${kindOf(p)}/${kindOf(q)}`,
        `[${cause(p, q)}]`,
        `${nameVariant(p)}/${nameVariant(q)}`,
        kindOf(p) === 'reg' && kindOf(q) === 'reg' ? `${udiOf(p)}/${udiOf(q)}` : '',
        entity.sharedName ? 'shared-name' : '',
        // Under five letters besides the model code: no typo is allowed (src/domain/resolution.ts allowedEdits).
        entity.tradeName.replace(/\S*\d\S*/g, '').replace(/[^\p{L}]/gu, '').length < 5 ? 'short' : '',
        entity.generation !== undefined ? 'generation' : '',
        clustersOf.has(p) && clustersOf.has(q) ? '' : 'unlinked',
      ]
        .filter((s) => s !== '')
        .join(' ');
      const entry = counts.get(label) ?? { n: 0, examples: [] };
      entry.n++;
      if (entry.examples.length < 4) {
        const describe = (i: number): string => {
          const item = world.items[i]!;
          const name = item.product?.tradeName ?? item.certificate?.scopes?.[0]?.name ?? item.title;
          const maker = item.product?.manufacturer ?? item.certificate?.manufacturer ?? '';
          return `#${i + 1} "${name}" (${maker})`;
        };
        entry.examples.push(`${entity.tradeName}: ${describe(p)} ~ ${describe(q)}`);
      }
      counts.set(label, entry);
    }
  }
}
console.log(`true pairs ${truePairs}, missed ${missed}, recall ${(1 - missed / truePairs).toFixed(4)}`);
for (const [label, { n, examples }] of [...counts].sort((x, y) => y[1].n - x[1].n)) {
  console.log(`${String(n).padStart(6)}  ${label}`);
  for (const example of examples) console.log(`          ${example}`);
}
await db.end();
