import type pg from 'pg';
import type { AppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config/load.js';
import { isErrorKind } from '../../src/domain/errors.js';
import { identitiesOf } from '../../src/domain/identity.js';
import { RawItem } from '../../src/domain/item.js';
import { toFixtureUrl } from '../../src/fixtures/server.js';
import { STAGES } from '../../src/queue/names.js';
import { readDocument } from '../../src/sources/read.js';
import type { FetchRequest, FetchedDocument } from '../../src/sources/types.js';

/**
 * The invariants of docs/reliability.md (§7.1 of the research), checked after every fault
 * scenario against the world's PostgreSQL (and Redis, when an app is given):
 *
 * - I1 nothing lost: every item the fixture sources serve maps to a stored item, and every item
 *   that names a product is evidence on a live candidate (or, for the councils' lists, waits);
 * - I2 no duplicates: natural keys unique in source_items, candidate_keys, evidence, reports,
 *   snapshots, nominations per report and per queue job; no candidate left without a key;
 * - I3 one alert: at most one event, outbox row and delivery per natural key (when the alert
 *   tables exist);
 * - I4 decisions intact: the md5 over every decisions row is unchanged, the audit chain unbroken;
 * - I5 no private egress: the sentinel server saw no request;
 * - I6 clear error: every failed job and every failed source carries a kind from the closed set
 *   in src/domain/errors.ts, and no stage job failed outside the pipeline's bookkeeping.
 */

export interface InvariantWorld {
  query<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  sentinel: { hits: readonly string[] };
}

/** What the fixture sources serve: item per source, read straight from the fixture server. */
export type Oracle = Map<string, RawItem[]>;

export interface InvariantExpectations {
  /** I1: the items that must be stored (from `fixtureOracle`); skipped when absent. */
  oracle?: Oracle;
  /** I4: `decisionsChecksum` taken before the scenario. */
  decisionsBefore?: string;
  /** I6 and quiescence: the BullMQ side (failed jobs, pending nominations). */
  app?: AppContext;
}

export async function decisionsChecksum(world: Pick<InvariantWorld, 'query'>): Promise<string> {
  const [row] = await world.query<{ sum: string }>(
    `select md5(coalesce(string_agg(row_to_json(d)::text, ',' order by d.id), '')) as sum from decisions d`,
  );
  return row!.sum;
}

/**
 * Reads every source's pages the way the pipeline would (requests, then each page's `next`),
 * from the fixture server, and returns the valid items per source. `pipelineOrigin` is the
 * origin the world's configuration points at, so URLs inside items come out the same as in the
 * pipeline; `fixtureOrigin` is where the bytes are actually read.
 */
export async function fixtureOracle(
  configDir: string,
  pipelineOrigin: string,
  fixtureOrigin: string,
  sourceIds: readonly string[],
): Promise<Oracle> {
  const config = await loadConfig(configDir);
  const oracle: Oracle = new Map();
  for (const sourceId of sourceIds) {
    const source = config.sources.find((s) => s.id === sourceId);
    if (!source) throw new Error(`fixtureOracle: unknown source ${sourceId}`);
    const spec = { ...source, urls: source.urls.map((url) => toFixtureUrl(url, pipelineOrigin)) };
    const items = new Map<string, RawItem>();
    const queue: FetchRequest[] = source.adapter.requests(spec);
    for (let request = queue.shift(); request; request = queue.shift()) {
      const transport = fixtureOrigin + request.url.slice(pipelineOrigin.length);
      const response = await fetch(transport, request.accept ? { headers: { accept: request.accept } } : {});
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
      const doc: FetchedDocument = {
        request,
        url: request.url,
        status: response.status,
        headers,
        body: Buffer.from(await response.arrayBuffer()),
        fetchedAt: new Date().toISOString(),
      };
      const result = readDocument(source.adapter, doc, spec);
      for (const raw of result.items) {
        const item = RawItem.parse(raw);
        if (!items.has(item.itemKey)) items.set(item.itemKey, item);
      }
      if (result.next) queue.push(result.next);
    }
    oracle.set(sourceId, [...items.values()]);
  }
  return oracle;
}

async function duplicates(world: InvariantWorld, label: string, sql: string): Promise<string[]> {
  const rows = await world.query<{ key: string; n: number }>(sql);
  return rows.map((row) => `I2 ${label}: ${row.key} ×${row.n}`);
}

async function tableExists(world: InvariantWorld, table: string): Promise<boolean> {
  const [row] = await world.query<{ found: boolean }>('select to_regclass($1) is not null as found', [table]);
  return row!.found;
}

async function nothingLost(world: InvariantWorld, oracle: Oracle): Promise<string[]> {
  const problems: string[] = [];
  const stored = await world.query<{ id: string; source_id: string; item_key: string }>(
    'select id, source_id, item_key from source_items',
  );
  const idOf = new Map(stored.map((row) => [`${row.source_id} ${row.item_key}`, row.id]));
  const evidenceByItem = new Map<string, Set<string>>();
  for (const row of await world.query<{ candidate_id: string; item_id: string }>(
    `select e.candidate_id, e.item_id from evidence e join candidates c on c.id = e.candidate_id
     where c.merged_into is null`,
  )) {
    evidenceByItem.set(row.item_id, (evidenceByItem.get(row.item_id) ?? new Set()).add(row.candidate_id));
  }
  const deferred = new Set(
    (
      await world.query<{ item_id: string }>(
        'select item_id from deferred_links union select item_id from deferred_names',
      )
    ).map((row) => row.item_id),
  );
  for (const [sourceId, items] of oracle) {
    for (const item of items) {
      const id = idOf.get(`${sourceId} ${item.itemKey}`);
      if (id === undefined) {
        problems.push(`I1 item lost: ${sourceId}/${item.itemKey}`);
        continue;
      }
      if (identitiesOf(sourceId, item).length === 0) continue;
      if ((evidenceByItem.get(id)?.size ?? 0) > 0) continue;
      // The councils' own lists only ever attach to a candidate; until one exists they wait.
      if (item.kind === 'council-decision' && deferred.has(id)) continue;
      problems.push(`I1 no candidate for ${sourceId}/${item.itemKey} (no evidence on a live candidate)`);
    }
  }
  const [unscored] = await world.query<{ n: number }>(
    'select count(*)::int as n from candidates where current_score_id is null',
  );
  if (unscored!.n > 0) problems.push(`I1 ${unscored!.n} candidate(s) never scored`);
  return problems;
}

async function noDuplicates(world: InvariantWorld): Promise<string[]> {
  const checks: Array<[string, string]> = [
    [
      'source item',
      `select source_id || '/' || item_key as key, count(*)::int as n from source_items
       group by source_id, item_key having count(*) > 1`,
    ],
    [
      'identity key',
      `select scheme || ':' || value as key, count(*)::int as n from candidate_keys
       group by scheme, value having count(*) > 1`,
    ],
    [
      'evidence',
      `select candidate_id || '/' || item_id as key, count(*)::int as n from evidence
       group by candidate_id, item_id having count(*) > 1`,
    ],
    [
      'report',
      `select candidate_id || '/' || input_hash as key, count(*)::int as n from reports
       group by candidate_id, input_hash having count(*) > 1`,
    ],
    [
      'snapshot',
      `select run_id || '/' || source_id || '/' || request_key as key, count(*)::int as n from snapshots
       group by run_id, source_id, request_key having count(*) > 1`,
    ],
    [
      'scan nomination per report',
      `select report_id::text as key, count(*)::int as n from nominations
       where origin = 'scan' and nominated_by is null group by report_id having count(*) > 1`,
    ],
    [
      'nomination queue job',
      `select queue_job_id as key, count(*)::int as n from nominations group by queue_job_id having count(*) > 1`,
    ],
  ];
  const problems = (await Promise.all(checks.map(([label, sql]) => duplicates(world, label, sql)))).flat();
  // A candidate without any identifier or name was created by a race that lost them to another;
  // one merged into another hands them over and lives on only as a pointer.
  const orphans = await world.query<{ id: string; name: string }>(
    `select c.id, c.name from candidates c
     where c.merged_into is null and not exists (select 1 from candidate_keys k where k.candidate_id = c.id)
       and not exists (select 1 from candidate_names n where n.candidate_id = c.id)`,
  );
  problems.push(
    ...orphans.map((row) => `I2 candidate without identifiers or names: ${row.name} (${row.id})`),
  );
  return problems;
}

async function oneAlert(world: InvariantWorld): Promise<string[]> {
  const problems: string[] = [];
  if (await tableExists(world, 'candidate_events')) {
    problems.push(
      ...(await duplicates(
        world,
        'alert event',
        `select coalesce(candidate_id::text, source_id, '') || '/' || kind as key, count(*)::int as n
         from candidate_events where kind = 'new-candidate' group by candidate_id, source_id, kind
         having count(*) > 1`,
      )),
    );
  }
  if (await tableExists(world, 'alert_outbox')) {
    problems.push(
      ...(await duplicates(
        world,
        'alert outbox',
        `select subscription_id || '/' || event_id as key, count(*)::int as n from alert_outbox
         group by subscription_id, event_id having count(*) > 1`,
      )),
    );
  }
  if (await tableExists(world, 'alert_deliveries')) {
    problems.push(
      ...(await duplicates(
        world,
        'alert delivery',
        `select subscription_id || '/' || delivery_key as key, count(*)::int as n from alert_deliveries
         group by subscription_id, delivery_key having count(*) > 1`,
      )),
    );
  }
  return problems.map((p) => p.replace(/^I2/, 'I3'));
}

async function decisionsIntact(world: InvariantWorld, before: string | undefined): Promise<string[]> {
  const problems: string[] = [];
  if (before !== undefined && (await decisionsChecksum(world)) !== before) {
    problems.push('I4 decisions changed');
  }
  const broken = await world.query<{ seq: string; problem: string }>(
    'select seq, problem from horisont_audit_broken_links()',
  );
  problems.push(...broken.map((row) => `I4 audit chain broken at ${row.seq}: ${row.problem}`));
  return problems;
}

async function clearErrors(world: InvariantWorld, app: AppContext | undefined): Promise<string[]> {
  const problems: string[] = [];
  const jobs = await world.query<{ job_id: string; error_kind: string | null }>(
    'select job_id, error_kind from run_jobs where failed',
  );
  for (const job of jobs) {
    if (!isErrorKind(job.error_kind)) problems.push(`I6 failed job ${job.job_id} has kind ${job.error_kind}`);
  }
  const sources = await world.query<{ source_id: string; status: string; error_kind: string | null }>(
    `select source_id, status, error_kind from run_sources where status in ('failed', 'broken')`,
  );
  for (const source of sources) {
    if (!isErrorKind(source.error_kind)) {
      problems.push(`I6 ${source.status} source ${source.source_id} has kind ${source.error_kind}`);
    }
  }
  if (app) {
    const registered = new Map(
      (await world.query<{ job_id: string; done: boolean }>('select job_id, done from run_jobs')).map(
        (row) => [row.job_id, row.done],
      ),
    );
    for (const stage of STAGES) {
      const failed = await app.pipeline.queues[stage].getFailed();
      for (const job of failed) {
        // The pipeline records a job that failed for good as done (and failed, with its kind) in
        // the same step; a job BullMQ failed on its own (stalled too often, say) never is, and
        // its run could never finish.
        if (registered.get(job.id ?? '') === false) {
          problems.push(
            `I6 ${stage} job ${job.id} failed outside the pipeline: ${(job.failedReason ?? '').slice(0, 200)}`,
          );
        }
      }
    }
    const [pending] = await world.query<{ n: number }>(
      'select count(*)::int as n from nominations where enqueued_at is null',
    );
    if (pending!.n > 0) problems.push(`I1 ${pending!.n} nomination(s) never pushed to the queue`);
  }
  return problems;
}

/** Every violated invariant, as readable lines (empty when all hold). */
export async function invariantViolations(
  world: InvariantWorld,
  expectations: InvariantExpectations = {},
): Promise<string[]> {
  const problems: string[] = [];
  if (expectations.oracle) problems.push(...(await nothingLost(world, expectations.oracle)));
  problems.push(...(await noDuplicates(world)));
  problems.push(...(await oneAlert(world)));
  problems.push(...(await decisionsIntact(world, expectations.decisionsBefore)));
  if (world.sentinel.hits.length > 0) {
    problems.push(
      `I5 the sentinel was reached ${world.sentinel.hits.length}×: ${world.sentinel.hits.join(', ')}`,
    );
  }
  problems.push(...(await clearErrors(world, expectations.app)));
  return problems;
}

/** Throws with every violation listed when any invariant does not hold. */
export async function assertInvariants(
  world: InvariantWorld,
  expectations: InvariantExpectations = {},
): Promise<void> {
  const problems = await invariantViolations(world, expectations);
  if (problems.length > 0) throw new Error(`invariants violated:\n  ${problems.join('\n  ')}`);
}
