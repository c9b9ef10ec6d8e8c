import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { mulberry32 } from '../../bench/lib/prng.js';
import type { HorisontConfig } from '../../src/config/load.js';
import { withTransaction } from '../../src/store/db.js';
import type { Db } from '../../src/store/db.js';
import { loadItems } from '../../src/store/items.js';
import { migrate } from '../../src/store/migrate.js';
import { openRun } from '../../src/store/runs.js';
import { resolveItems } from '../../src/workers/resolve.js';
import type { EvalEntry } from './eval-set.js';

/**
 * Runs the evaluation set through the production resolver (src/workers/resolve.ts on a real
 * PostgreSQL schema of its own) and scores the clusters pairwise against the ground truth.
 */

export interface PairwiseScores {
  items: number;
  truePairs: number;
  predictedPairs: number;
  correctPairs: number;
  precision: number;
  recall: number;
  f1: number;
}

/** The candidate pairs flagged as possible duplicates, and how many of them truly are one product. */
export interface FlagScores {
  flaggedPairs: number;
  trueDuplicates: number;
  /** Share of flagged pairs that are true duplicates (1 when nothing is flagged). */
  precision: number;
  /** Flagged pairs that are different products, as items of each side (for diagnosis). */
  falseFlags: Array<[string[], string[]]>;
}

export interface EvaluationRun {
  scores: PairwiseScores;
  flags: FlagScores;
  /** Per item (`sourceId/itemKey`), the candidates it was linked to. */
  candidatesOf: Map<string, string[]>;
  /** The clusters as sets of items, canonical (sorted) so two runs compare with `toEqual`. */
  clusters: string[][];
  /** Pairs predicted together that the truth keeps apart, and the reverse (for diagnosis). */
  falseLinks: Array<[string, string]>;
  missedLinks: Array<[string, string]>;
  /** For `options.explain`: each item of those clusters with its candidates and link reasons. */
  explanations: Array<{
    cluster: string;
    item: string;
    candidate: string;
    reason: string;
    confidence: number;
  }>;
}

export interface EvaluateOptions {
  databaseUrl: string;
  config: Pick<HorisontConfig, 'resolution' | 'manufacturers'>;
  /** Arrival order: item indexes into the set (default: as loaded). */
  order?: number[];
  /** Concurrent resolvers, each on its own connection (default 1). */
  workers?: number;
  /** Items per resolve transaction, as a source page would bring them (default 10). */
  batchSize?: number;
  /** Ground-truth clusters whose links to explain (candidate, reason, confidence per item). */
  explain?: string[];
}

const itemId = (entry: EvalEntry): string => `${entry.sourceId}/${entry.item.itemKey}`;

/** Pairwise precision, recall and F1: an item pair is predicted together when it shares a candidate. */
export function pairwiseScores(
  entries: EvalEntry[],
  candidatesOf: Map<string, string[]>,
): PairwiseScores & {
  falseLinks: Array<[string, string]>;
  missedLinks: Array<[string, string]>;
} {
  let truePairs = 0;
  let predictedPairs = 0;
  let correctPairs = 0;
  const falseLinks: Array<[string, string]> = [];
  const missedLinks: Array<[string, string]> = [];
  for (let i = 0; i < entries.length; i++) {
    const a = entries[i]!;
    const linkedA = new Set(candidatesOf.get(itemId(a)) ?? []);
    for (let j = i + 1; j < entries.length; j++) {
      const b = entries[j]!;
      const same = a.cluster === b.cluster;
      const predicted = (candidatesOf.get(itemId(b)) ?? []).some((c) => linkedA.has(c));
      if (same) truePairs += 1;
      if (predicted) predictedPairs += 1;
      if (same && predicted) correctPairs += 1;
      if (predicted && !same) falseLinks.push([itemId(a), itemId(b)]);
      if (same && !predicted) missedLinks.push([itemId(a), itemId(b)]);
    }
  }
  const precision = predictedPairs === 0 ? 1 : correctPairs / predictedPairs;
  const recall = truePairs === 0 ? 1 : correctPairs / truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return {
    items: entries.length,
    truePairs,
    predictedPairs,
    correctPairs,
    precision,
    recall,
    f1,
    falseLinks,
    missedLinks,
  };
}

async function storeItems(db: Db, entries: EvalEntry[]): Promise<Map<string, number>> {
  const sources = [...new Set(entries.map((e) => e.sourceId))].sort();
  await db.query(
    `insert into sources (id, adapter, enabled) select s, s, true from unnest($1::text[]) as s on conflict do nothing`,
    [sources],
  );
  const rows = await db.query<{ id: string; source_id: string; item_key: string }>(
    `insert into source_items (source_id, item_key, kind, title, url, published_at, content_hash, data)
     select t.source_id, t.data->>'itemKey', t.data->>'kind', t.data->>'title', t.data->>'url',
            t.data->>'publishedAt', md5(t.data::text), t.data
     from unnest($1::text[], $2::jsonb[]) as t(source_id, data)
     returning id, source_id, item_key`,
    [entries.map((e) => e.sourceId), entries.map((e) => JSON.stringify(e.item))],
  );
  return new Map(rows.rows.map((row) => [`${row.source_id}/${row.item_key}`, Number(row.id)]));
}

/** Resolves the set in a schema of its own (dropped afterwards) and scores the result. */
export async function evaluateLinkage(
  entries: EvalEntry[],
  options: EvaluateOptions,
): Promise<EvaluationRun> {
  const schema = `eval_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const workers = options.workers ?? 1;
  const pools = Array.from(
    { length: workers },
    () => new pg.Pool({ connectionString: options.databaseUrl, max: 1, options: `-c search_path=${schema}` }),
  );
  const db = pools[0]!;
  try {
    await migrate(db, schema);
    const ids = await storeItems(db, entries);
    const runId = await withTransaction(
      db,
      async (tx) => (await openRun(tx, `eval ${schema}`, 'eval', [])).runId,
    );
    const order = options.order ?? entries.map((_, index) => index);
    const batchSize = options.batchSize ?? 10;
    const batches: number[][] = [];
    for (let start = 0; start < order.length; start += batchSize) {
      batches.push(order.slice(start, start + batchSize).map((index) => ids.get(itemId(entries[index]!))!));
    }
    let next = 0;
    await Promise.all(
      pools.map(async (pool) => {
        for (;;) {
          const batch = batches[next];
          next += 1;
          if (batch === undefined) return;
          // Sequential per worker, as one BullMQ worker slot runs one job at a time.

          await withRetryOnDeadlock(() =>
            withTransaction(pool, async (tx) =>
              resolveItems(tx, await loadItems(tx, batch), options.config, runId),
            ),
          );
        }
      }),
    );
    const links = await db.query<{ source_id: string; item_key: string; candidates: string[] }>(
      `select i.source_id, i.item_key, array_agg(e.candidate_id::text order by e.candidate_id) as candidates
       from source_items i join evidence e on e.item_id = i.id group by i.source_id, i.item_key`,
    );
    const candidatesOf = new Map(
      links.rows.map((row) => [`${row.source_id}/${row.item_key}`, row.candidates]),
    );
    const explained = entries.filter((e) => options.explain?.includes(e.cluster));
    const reasons = await db.query<{ item: string; candidate: string; reason: string; confidence: number }>(
      `select i.source_id || '/' || i.item_key as item, e.candidate_id::text as candidate, e.reason, e.confidence
       from source_items i join evidence e on e.item_id = i.id
       where i.source_id || '/' || i.item_key = any($1::text[]) order by e.candidate_id, item`,
      [explained.map(itemId)],
    );
    const clusterOf = new Map(entries.map((e) => [itemId(e), e.cluster]));
    const explanations = reasons.rows.map((row) => ({ cluster: clusterOf.get(row.item)!, ...row }));
    const scores = pairwiseScores(entries, candidatesOf);
    const members = new Map<string, string[]>();
    for (const [item, candidates] of candidatesOf) {
      for (const candidate of candidates) members.set(candidate, [...(members.get(candidate) ?? []), item]);
    }
    const clusters = [...members.values()]
      .map((list) => list.sort())
      .sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
    const flagged = await db.query<{ a: string; b: string }>(
      'select candidate_a::text as a, candidate_b::text as b from possible_duplicates order by 1, 2',
    );
    const truthOf = (candidate: string): Set<string> =>
      new Set((members.get(candidate) ?? []).map((item) => clusterOf.get(item)!));
    const falseFlags: Array<[string[], string[]]> = [];
    for (const { a, b } of flagged.rows) {
      const truthA = truthOf(a);
      if (![...truthOf(b)].some((cluster) => truthA.has(cluster))) {
        falseFlags.push([members.get(a) ?? [], members.get(b) ?? []]);
      }
    }
    const flags: FlagScores = {
      flaggedPairs: flagged.rows.length,
      trueDuplicates: flagged.rows.length - falseFlags.length,
      precision: flagged.rows.length === 0 ? 1 : 1 - falseFlags.length / flagged.rows.length,
      falseFlags,
    };
    const { falseLinks, missedLinks, ...rest } = scores;
    return { scores: rest, flags, candidatesOf, clusters, falseLinks, missedLinks, explanations };
  } finally {
    await db.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await Promise.all(pools.map((pool) => pool.end()));
  }
}

/** A deadlock between two resolvers aborts one transaction; the job would retry it, so do we. */
async function withRetryOnDeadlock<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if ((error as { code?: string }).code !== '40P01' || attempt >= 5) throw error;
    }
  }
}

/** A reproducible shuffle of `0…length-1` from its seed (Fisher–Yates over mulberry32). */
export function shuffled(length: number, seed: number): number[] {
  const random = mulberry32(seed);
  const order = Array.from({ length }, (_, i) => i);
  for (let i = length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
