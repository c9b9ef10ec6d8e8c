/**
 * W1: what the queue adds to the stage work. Synthetic EUDAMED-shaped items go through the real
 * `Pipeline` (message validation, job context, commit bookkeeping, typed enqueueing of the
 * planned jobs, retry policy) with the real stage logic (adapter parse, RawItem validation,
 * content hashing, identity keys, candidate description and triage scoring) but no database: the
 * transaction client is an in-memory stub and "stored" data lives in maps. Documents are
 * pre-generated in memory, so Redis is the only I/O.
 *
 * Baseline in the same run: the same stage logic called directly, in this one process, on the
 * same items (the same generator and seed), before and after the pipeline runs (the mean). The
 * pipeline also runs in one Node process, beside the one Redis; both sides are timed by the
 * wall clock (what a night waits for), and CPU per item (Node, and Redis for the pipeline) is
 * reported alongside.
 * (a) one job per item per stage: fetch → parse → resolve → score, four jobs per item
 *     (reported, not gated: a job per item pays BullMQ's own work per job several times over);
 * (b) one job per source page of 100 items: fetch → parse → resolve (scoring the page's
 *     candidates inside the resolve job), three jobs per 100 items: gated at ≥ 0.9× the logic.
 * A no-op BullMQ worker's jobs/s is reported as context for (a).
 *
 * `BENCH_W1_JOB_OVERHEAD_US=<µs>` adds that much busy work to every pipeline job (never to the
 * baseline): the artificially slowed stage that shows the gate can fail.
 */
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import type { ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { EvidenceItem } from '../src/domain/candidate.js';
import { BENCH_AS_OF, loadScoring } from './lib/scale-world.js';
import { describeCandidate } from '../src/domain/candidate.js';
import { scoreCandidate } from '../src/domain/score.js';
import { identitiesOf } from '../src/domain/identity.js';
import { RawItem } from '../src/domain/item.js';
import { createLogger } from '../src/log.js';
import { jobId, STAGES } from '../src/queue/names.js';
import { Pipeline } from '../src/queue/pipeline.js';
import type { RunLedger } from '../src/queue/pipeline.js';
import { eudamedDevices, EudamedDevicesOptions } from '../src/sources/adapters/eudamed-devices.js';
import type { FetchedDocument, SourceSpec } from '../src/sources/types.js';
import type { Db } from '../src/store/db.js';
import { canonicalJson, sha256, toEvidence } from '../src/store/items.js';
import type { PlannedJob } from '../src/store/run-jobs.js';
import { eudamedPage, refs } from './lib/corpus.js';
import { atLeastRatio, collect, emit, isQuick, log, machine, reported, runId } from './lib/report.js';

const quick = isQuick();
const started = performance.now();
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const connection: ConnectionOptions = { url: REDIS_URL, maxRetriesPerRequest: null };
const id = runId();
const prefixes: string[] = [];
const noopJobs = quick ? 3_000 : 50_000;
const perItemItems = quick ? 500 : 15_000;
const batchedPages = quick ? 50 : 1_000;
const PAGE = 100;
const STAGE_CONCURRENCY = Number(process.env.BENCH_W1_CONCURRENCY ?? 100);
const JOB_OVERHEAD_US = Number(process.env.BENCH_W1_JOB_OVERHEAD_US ?? 0);

/** Busy work of `BENCH_W1_JOB_OVERHEAD_US` per pipeline job (0 unless a gate test asks). */
function jobOverhead(): void {
  if (JOB_OVERHEAD_US <= 0) return;
  const until = performance.now() + JOB_OVERHEAD_US / 1000;
  while (performance.now() < until) {
    // Spin: the point is CPU the baseline does not spend.
  }
}

const scoring = await loadScoring();
const source: SourceSpec<unknown> = {
  id: 'eudamed-devices',
  urls: ['https://ec.europa.eu/tools/eudamed/api/devices/udiDiData'],
  options: EudamedDevicesOptions.parse({}),
};

function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

const redis = new Redis(REDIS_URL);

async function redisCpuSeconds(): Promise<number> {
  const info = await redis.info('cpu');
  const user = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0);
  const sys = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0);
  return user + sys;
}

/** A transaction client without a database: the stages here write nothing, so it only begins and commits. */
function stubDb(): Db {
  const client = {
    query: () => Promise.resolve({ rows: [], rowCount: 0 }),
    release: () => undefined,
  };
  return { connect: () => Promise.resolve(client), query: client.query } as unknown as Db;
}

/** No run bookkeeping: the benchmark measures the queue's own cost per job. */
const NO_LEDGER: RunLedger = {
  register: () => Promise.resolve(0),
  markDone: () => Promise.resolve(),
  fail: () => Promise.resolve([]),
  settle: () => Promise.resolve([]),
};

interface Measured {
  jobs: number;
  items: number;
  seconds: number;
  jobsPerS: number;
  itemsPerS: number;
  cpuSeconds: number;
  redisCpuSeconds: number;
}

async function noopBaseline(count: number): Promise<Measured> {
  const prefix = `bench-w1-${id}-noop`;
  prefixes.push(prefix);
  const queue = new Queue('noop', {
    connection,
    prefix,
    defaultJobOptions: {
      removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
      removeOnFail: { age: 3600 },
    },
  });
  for (let from = 0; from < count; from += 1000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1000, count - from) }, (_, k) => ({
        name: 'noop',
        data: { i: from + k },
      })),
    );
  }
  collect();
  let done = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const redis0 = await redisCpuSeconds();
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  const worker = new Worker('noop', () => Promise.resolve(), { connection, prefix, concurrency: 100 });
  worker.on('completed', () => {
    if (++done === count) finish();
  });
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - cpu0;
  const redisCpu = (await redisCpuSeconds()) - redis0;
  await worker.close();
  await queue.close();
  return {
    jobs: count,
    items: count,
    seconds,
    jobsPerS: count / seconds,
    itemsPerS: count / seconds,
    cpuSeconds: cpu,
    redisCpuSeconds: redisCpu,
  };
}

/** The stage logic over in-memory stand-ins for HTTP and PostgreSQL. */
function world(perPage: number, pages: number) {
  const documents = new Map<string, string>();
  for (let p = 0; p < pages; p++) {
    documents.set(`page-${p}`, eudamedPage(7, refs(p * perPage, perPage), p, perPage, perPage * pages));
  }
  const snapshots = new Map<number, FetchedDocument>();
  const stored = new Map<string, { id: number; hash: string }>();
  const itemsById = new Map<number, RawItem>();
  const candidateByKey = new Map<string, string>();
  const evidence = new Map<string, EvidenceItem[]>();
  let snapshotSeq = 0;
  let itemSeq = 0;
  return {
    documents,
    fetch(request: { key: string; url: string }): number {
      const body = Buffer.from(documents.get(request.key) ?? '', 'utf8');
      const bodyHash = sha256(body);
      const snapshotId = ++snapshotSeq;
      snapshots.set(snapshotId, {
        request,
        url: request.url,
        status: 200,
        headers: { 'content-type': 'application/json', etag: `"${bodyHash}"` },
        body,
        fetchedAt: '2026-11-20T01:00:00Z',
      });
      return snapshotId;
    },
    parse(snapshotId: number): RawItem[] {
      const result = eudamedDevices.parse(snapshots.get(snapshotId)!, source as never);
      return result.items.map((item) => RawItem.parse(item));
    },
    upsert(items: RawItem[]): number[] {
      const ids: number[] = [];
      for (const item of items) {
        const hash = sha256(canonicalJson(item));
        const known = stored.get(item.itemKey);
        if (known?.hash === hash) continue;
        const itemId = known?.id ?? ++itemSeq;
        stored.set(item.itemKey, { id: itemId, hash });
        itemsById.set(itemId, item);
        ids.push(itemId);
      }
      return ids;
    },
    resolve(itemIds: number[]): string[] {
      const touched = new Set<string>();
      for (const itemId of itemIds) {
        const item = itemsById.get(itemId)!;
        for (const identity of identitiesOf(source.id, item)) {
          let candidateId: string | undefined;
          for (const key of identity.keys) candidateId ??= candidateByKey.get(`${key.scheme}:${key.value}`);
          candidateId ??= randomUUID();
          for (const key of identity.keys) candidateByKey.set(`${key.scheme}:${key.value}`, candidateId);
          const list = evidence.get(candidateId) ?? [];
          list.push(toEvidence({ id: itemId, sourceId: source.id, item }));
          evidence.set(candidateId, list);
          touched.add(candidateId);
        }
      }
      return [...touched];
    },
    score(candidateId: string): void {
      const view = describeCandidate(
        candidateId,
        candidateId,
        evidence.get(candidateId) ?? [],
        scoring.sourceProfiles,
      );
      scoreCandidate(view, { criteria: scoring.criteria, conditions: scoring.conditions, asOf: BENCH_AS_OF });
    },
  };
}

interface LogicMeasured {
  items: number;
  seconds: number;
  cpuSeconds: number;
  itemsPerS: number;
  itemsPerCpuS: number;
}

/** The same stage logic called directly, without a queue: what the work itself costs. */
function logicOnly(perPage: number, pages: number): LogicMeasured {
  const w = world(perPage, pages);
  collect();
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  for (const key of w.documents.keys()) {
    const ids = w.upsert(w.parse(w.fetch({ key, url: `${source.urls[0]!}?${key}` })));
    for (const candidateId of w.resolve(ids)) w.score(candidateId);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - cpu0;
  const items = perPage * pages;
  return { items, seconds, cpuSeconds: cpu, itemsPerS: items / seconds, itemsPerCpuS: items / cpu };
}

/** The mean of two measurements of the baseline, taken before and after the pipeline runs. */
function meanOf(a: LogicMeasured, b: LogicMeasured): LogicMeasured {
  const items = a.items + b.items;
  const seconds = a.seconds + b.seconds;
  const cpu = a.cpuSeconds + b.cpuSeconds;
  return { items, seconds, cpuSeconds: cpu, itemsPerS: items / seconds, itemsPerCpuS: items / cpu };
}

/** The real pipeline over the in-memory world. */
async function pipelineRun(topology: 'per-item' | 'batched'): Promise<Measured> {
  const prefix = `bench-w1-${id}-${topology}`;
  prefixes.push(prefix);
  const perPage = topology === 'per-item' ? 1 : PAGE;
  const pages = topology === 'per-item' ? perItemItems : batchedPages;
  const w = world(perPage, pages);
  const runIdValue = randomUUID();

  const pipeline = new Pipeline({
    connection,
    prefix,
    db: stubDb(),
    ledger: NO_LEDGER,
    log: createLogger('silent'),
    attempts: 1,
    backoff: { baseDelayMs: 1000, maxDelayMs: 1000 },
  });

  // Initial fetch jobs, added before the clock starts (the scan stage's output).
  const initial: PlannedJob[] = [...w.documents.keys()].map((key) => ({
    queue: 'fetch',
    jobId: jobId('fetch', runIdValue, source.id, key),
    data: {
      runId: runIdValue,
      sourceId: source.id,
      request: { key, url: `${source.urls[0]!}?${key}` },
      page: 0,
    },
  }));
  for (let from = 0; from < initial.length; from += 1000) {
    await pipeline.queues.fetch.addBulk(
      initial.slice(from, from + 1000).map((job) => ({
        name: 'fetch',
        data: job.data as never,
        opts: { jobId: job.jobId },
      })),
    );
  }
  const expected = topology === 'per-item' ? pages * 4 : pages * 3;
  let done = 0;
  let finish: () => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  collect();
  const redis0 = await redisCpuSeconds();
  const cpu0 = cpuSeconds();
  const t0 = performance.now();

  const workers = [
    pipeline.define('fetch', {
      concurrency: STAGE_CONCURRENCY,
      handle: async (data, job) => {
        jobOverhead();
        await job.commit(() => {
          const snapshotId = w.fetch(data.request);
          return Promise.resolve([
            {
              queue: 'parse',
              jobId: jobId('parse', snapshotId),
              data: { runId: data.runId, sourceId: data.sourceId, snapshotId, page: data.page },
            },
          ]);
        });
      },
    }),
    pipeline.define('parse', {
      concurrency: STAGE_CONCURRENCY,
      handle: async (data, job) => {
        jobOverhead();
        const items = w.parse(data.snapshotId);
        await job.commit(() => {
          const ids = w.upsert(items);
          const next: PlannedJob[] = [];
          for (let from = 0; from < ids.length; from += 100) {
            next.push({
              queue: 'resolve',
              jobId: jobId('resolve', data.snapshotId, from / 100),
              data: { runId: data.runId, itemIds: ids.slice(from, from + 100) },
            });
          }
          return Promise.resolve(next);
        });
      },
    }),
    pipeline.define('resolve', {
      concurrency: STAGE_CONCURRENCY,
      handle: async (data, job) => {
        jobOverhead();
        await job.commit(() => {
          const touched = w.resolve(data.itemIds);
          if (topology === 'batched') {
            for (const candidateId of touched) w.score(candidateId);
            return Promise.resolve([]);
          }
          return Promise.resolve(
            touched.map((candidateId) => ({
              queue: 'score',
              jobId: jobId('score', data.runId, candidateId),
              data: { runId: data.runId, candidateIds: [candidateId] },
            })),
          );
        });
      },
    }),
    pipeline.define('score', {
      concurrency: STAGE_CONCURRENCY,
      handle: (data) => {
        jobOverhead();
        for (const candidateId of data.candidateIds) w.score(candidateId);
        return Promise.resolve();
      },
    }),
  ];
  for (const worker of workers) {
    worker.on('completed', () => {
      if (++done === expected) finish();
    });
    worker.on('failed', (job, error) => fail(new Error(`${job?.queueName ?? '?'}: ${error.message}`)));
  }
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - cpu0;
  const redisCpu = (await redisCpuSeconds()) - redis0;
  await pipeline.close();
  const items = pages * perPage;
  return {
    jobs: expected,
    items,
    seconds,
    jobsPerS: expected / seconds,
    itemsPerS: items / seconds,
    cpuSeconds: cpu,
    redisCpuSeconds: redisCpu,
  };
}

async function cleanup(): Promise<void> {
  for (const prefix of prefixes) {
    for (const name of [...STAGES, 'nominations', 'noop']) {
      const queue = new Queue(name, { connection, prefix });
      await queue.obliterate({ force: true });
      await queue.close();
    }
  }
}

try {
  log(`W1: no-op BullMQ worker (context), ${noopJobs} jobs at concurrency 100`);
  const noop = await noopBaseline(noopJobs);
  log(`W1: no-op ${noop.jobsPerS.toFixed(0)} jobs/s`);
  // Warm-up, discarded: the first pass through the stage logic pays for compiling it, and the
  // pipeline runs after it would not.
  logicOnly(1, 200);
  logicOnly(PAGE, 20);
  log(`W1: stage logic alone (baseline, before)`);
  const logicPerItemBefore = logicOnly(1, perItemItems);
  const logicBatchedBefore = logicOnly(PAGE, batchedPages);
  log(`W1: (a) one job per item and stage, ${perItemItems} items`);
  const perItem = await pipelineRun('per-item');
  log(`W1: (a) ${perItem.jobsPerS.toFixed(0)} jobs/s, ${perItem.itemsPerS.toFixed(0)} items/s`);
  log(`W1: (b) one job per page of ${PAGE}, ${batchedPages * PAGE} items`);
  const batched = await pipelineRun('batched');
  log(`W1: (b) ${batched.itemsPerS.toFixed(0)} items/s`);
  // The baseline again after the pipeline runs, so drift on a shared machine shows and averages.
  const logicPerItemAfter = logicOnly(1, perItemItems);
  const logicBatchedAfter = logicOnly(PAGE, batchedPages);
  const logicPerItem = meanOf(logicPerItemBefore, logicPerItemAfter);
  const logicBatched = meanOf(logicBatchedBefore, logicBatchedAfter);
  log(
    `W1: stage logic alone ${logicBatched.itemsPerS.toFixed(0)} items/s batched, ${logicPerItem.itemsPerS.toFixed(0)} items/s one item per page (wall)`,
  );
  const microsPerItem = (seconds: number, items: number) => ((seconds / items) * 1e6).toFixed(0);
  emit({
    bench: 'horisont',
    workload: 'W1',
    title: 'queue overhead: real pipeline and stage logic, no database',
    quick,
    seconds: (performance.now() - started) / 1000,
    params: {
      noopJobs,
      perItemItems,
      batchedPages,
      pageSize: PAGE,
      stageConcurrency: STAGE_CONCURRENCY,
      jobOverheadUs: JOB_OVERHEAD_US,
      timing: 'wall clock; one Node process on both sides (the pipeline also uses Redis)',
    },
    baselines: {
      logicBatchedItemsPerS: logicBatched.itemsPerS,
      logicPerItemItemsPerS: logicPerItem.itemsPerS,
      noopJobsPerS: noop.jobsPerS,
    },
    metrics: {
      noop,
      perItem,
      batched,
      logicPerItem,
      logicBatched,
      logicPerItemBefore,
      logicPerItemAfter,
      logicBatchedBefore,
      logicBatchedAfter,
    },
    goals: [
      reported(
        'W1a',
        'one job per item and stage: items/s',
        perItem.itemsPerS,
        'items/s',
        logicPerItem.itemsPerS,
        'stage logic alone, one item per page, items/s',
      ),
      atLeastRatio(
        'W1b',
        'one job per page of 100: items/s',
        batched.itemsPerS,
        'items/s',
        logicBatched.itemsPerS,
        'stage logic alone items/s',
        0.9,
      ),
    ],
    notes: [
      `Both rates are wall-clock items/s of one Node process; the baseline is the mean of a run before and one after the pipeline runs (${logicBatchedBefore.itemsPerS.toFixed(0)} and ${logicBatchedAfter.itemsPerS.toFixed(0)} items/s batched).`,
      `CPU per item, batched: pipeline ${microsPerItem(batched.cpuSeconds, batched.items)} µs Node + ${microsPerItem(batched.redisCpuSeconds, batched.items)} µs Redis against ${microsPerItem(logicBatched.cpuSeconds, logicBatched.items)} µs for the logic alone; one job per item: ${microsPerItem(perItem.cpuSeconds, perItem.items)} µs + ${microsPerItem(perItem.redisCpuSeconds, perItem.items)} µs against ${microsPerItem(logicPerItem.cpuSeconds, logicPerItem.items)} µs.`,
      `Context for (a): a no-op BullMQ worker ran ${noop.jobsPerS.toFixed(0)} jobs/s; (a) ran ${perItem.jobsPerS.toFixed(0)} jobs/s (four per item).`,
    ],
    machine: machine(),
  });
} finally {
  await cleanup();
  redis.disconnect();
}
