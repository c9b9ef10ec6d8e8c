import { DelayedError, Queue, Worker, UnrecoverableError } from 'bullmq';
import type { Job, ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import { errorKindOf, errorMessageOf } from '../domain/errors.js';
import type { ErrorKind } from '../domain/errors.js';
import { Messages } from './messages.js';
import type { JobData } from './messages.js';
import { STAGES, NOMINATION_QUEUE } from './names.js';
import type { Stage } from './names.js';
import { RETRY_POLICY, backoffDelay } from './retry-policy.js';
import type { BackoffSettings } from './retry-policy.js';
import type { Db, Tx } from '../store/db.js';
import { isConnectionError, withTransaction } from '../store/db.js';
import type { PlannedJob } from '../store/run-jobs.js';

/**
 * The bookkeeping the pipeline keeps with each job of a run, given to it by the composition root
 * (src/store/runs.ts `runLedger`): the queue runs jobs, what a job means for its run is the
 * store's.
 */
export interface RunLedger {
  /** Registers planned jobs with their run before they are enqueued; how many were new. */
  register(tx: Tx, runId: string, jobs: PlannedJob[]): Promise<number>;
  /** Marks a job done, in the transaction of its effects. */
  markDone(tx: Tx, runId: string, jobId: string): Promise<void>;
  /** Marks a job failed for good, in the transaction that records it: the jobs its run now needs. */
  fail(tx: Tx, runId: string, jobId: string, failure: { kind: ErrorKind }): Promise<PlannedJob[]>;
  /** After a job's commit: the jobs its run needs when no work of it is left (its next step). */
  settle(db: Db, runId: string): Promise<PlannedJob[]>;
}

export interface PipelineOptions {
  connection: ConnectionOptions;
  prefix: string;
  db: Db;
  ledger: RunLedger;
  log: Logger;
  attempts: number;
  backoff: BackoffSettings;
  /** Stalled-job detection; tests shorten it so a killed worker's job is picked up quickly. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Told about every job attempt (metrics: durations and failures per stage and source). */
  observer?: (observation: JobObservation) => void;
  /**
   * Awaited at each point of a job's commit. The fault tests pass one that holds a job there, so
   * a SIGKILL, a database restart or a second worker lands at a deterministic spot.
   */
  commitHook?: CommitHook;
}

/**
 * Points of a job's commit, in order: `begin` (transaction open, before the stage's work),
 * `before-commit` (work done, COMMIT not sent), `after-commit` (committed, before the next jobs
 * are enqueued and the job is acknowledged).
 */
export const COMMIT_POINTS = ['begin', 'before-commit', 'after-commit'] as const;
export type CommitPoint = (typeof COMMIT_POINTS)[number];
export type CommitHook = (point: CommitPoint, queue: string, jobId: string) => Promise<void>;

async function commitWithHook<T>(
  db: Db,
  hook: CommitHook | undefined,
  queue: string,
  jobId: string,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  if (!hook) return withTransaction(db, work);
  const result = await withTransaction(db, async (tx) => {
    await hook('begin', queue, jobId);
    const value = await work(tx);
    await hook('before-commit', queue, jobId);
    return value;
  });
  await hook('after-commit', queue, jobId);
  return result;
}

export interface JobObservation {
  stage: Stage;
  sourceId: string | undefined;
  durationMs: number;
  outcome: 'completed' | 'failed';
  errorKind?: ErrorKind;
  /** For a failure: no retry follows. */
  final?: boolean;
}

export interface JobContext {
  log: Logger;
  jobId: string;
  attempt: number;
  /**
   * Commits the job's effects together with its bookkeeping (marks it done in the run and
   * registers the jobs it plans next); the planned jobs are enqueued after the commit.
   */
  commit(work: (tx: Tx) => Promise<PlannedJob[]>): Promise<void>;
}

/**
 * Thrown by a stage handler, before it commits, to run the job again at `at` (epoch ms) with
 * `data`, without counting an attempt: it waits as a delayed job instead of holding a worker slot
 * (a fetch whose host's send slot is seconds away).
 */
export class JobDeferral<S extends Stage = Stage> extends Error {
  constructor(
    readonly at: number,
    readonly data: JobData[S],
  ) {
    super(`job deferred until ${new Date(at).toISOString()}`);
    this.name = 'JobDeferral';
  }
}

export type StageHandler<S extends Stage> = (data: JobData[S], ctx: JobContext) => Promise<void>;

/**
 * Hooks called when a job has failed for good, inside the transaction that records it. They may
 * plan jobs of the run (a source's scan settling lets its waiting items on to resolution).
 */
export type FinalFailureHook<S extends Stage> = (
  tx: Tx,
  data: JobData[S],
  failure: { kind: ErrorKind; message: string },
  jobId: string,
) => Promise<PlannedJob[] | void>;

export interface StageDefinition<S extends Stage> {
  handle: StageHandler<S>;
  onFinalFailure?: FinalFailureHook<S>;
  concurrency: number;
}

function runIdOf(data: unknown): string | undefined {
  const value = (data as { runId?: unknown }).runId;
  return typeof value === 'string' ? value : undefined;
}

/** BullMQ's reason for a job that stalled more than `maxStalledCount` times (its worker kept dying). */
const STALLED_TOO_OFTEN = 'job stalled more than allowable limit';

/** Queues, typed enqueueing and the one worker wrapper that maps error kinds to retry policy. */
export class Pipeline {
  readonly queues: { [S in Stage]: Queue<JobData[S]> };
  readonly nominations: Queue;
  private readonly workers: Worker[] = [];

  constructor(private readonly options: PipelineOptions) {
    const make = <S extends Stage>(stage: S): Queue<JobData[S]> =>
      new Queue<JobData[S]>(stage, {
        connection: options.connection,
        prefix: options.prefix,
        defaultJobOptions: {
          attempts: options.attempts,
          backoff: { type: 'horisont' },
          removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
          removeOnFail: { age: 30 * 24 * 3600 },
        },
      });
    this.queues = {
      scan: make('scan'),
      fetch: make('fetch'),
      parse: make('parse'),
      resolve: make('resolve'),
      score: make('score'),
      report: make('report'),
    };
    // Kept for a week after completion so a re-add with the same id stays deduplicated.
    this.nominations = new Queue(NOMINATION_QUEUE, {
      connection: options.connection,
      prefix: options.prefix,
      defaultJobOptions: { removeOnComplete: { age: 7 * 24 * 3600 }, removeOnFail: false },
    });
    // Without a listener BullMQ prints connection errors (Redis down, reconnecting) to stderr as
    // multi-line stacks; they belong in the log as one JSON line each.
    for (const queue of [...Object.values(this.queues), this.nominations] as Queue[]) {
      queue.on('error', (error: Error) =>
        options.log.warn(
          { queue: queue.name, err: error.message, error_kind: 'network' },
          'queue: redis error',
        ),
      );
    }
  }

  /** Validates and adds planned jobs; the same job id twice is one job. */
  async enqueue(jobs: PlannedJob[]): Promise<void> {
    await Promise.all(
      jobs.map((job) => {
        const stage = job.queue as Stage;
        if (!STAGES.includes(stage)) throw new Error(`enqueue: unknown queue ${job.queue}`);
        const data = Messages[stage].parse(job.data);
        return (this.queues[stage] as Queue).add(stage, data, { jobId: job.jobId });
      }),
    );
  }

  define<S extends Stage>(stage: S, definition: StageDefinition<S>): Worker {
    const { db, ledger, log } = this.options;
    const worker = new Worker<JobData[S]>(
      stage,
      async (job: Job<JobData[S]>, token?: string) => {
        const parsed = Messages[stage].safeParse(job.data);
        if (!parsed.success) {
          // A malformed message is a bug upstream; retrying cannot fix it.
          throw new UnrecoverableError(`${stage}: invalid message: ${parsed.error.issues[0]?.message ?? ''}`);
        }
        const data = parsed.data as JobData[S];
        const jobId = job.id ?? 'unknown';
        const runId = runIdOf(data);
        const jobLog = log.child({
          queue: stage,
          job_id: jobId,
          source_id: (data as { sourceId?: string }).sourceId,
        });
        const started = performance.now();
        const sourceId = (data as { sourceId?: string }).sourceId;
        let planned: PlannedJob[] = [];
        let committed = false;
        const ctx: JobContext = {
          log: jobLog,
          jobId,
          attempt: job.attemptsMade + 1,
          commit: async (work) => {
            if (committed) throw new Error(`${stage}: commit called twice`);
            let registered = 0;
            planned = await commitWithHook(db, this.options.commitHook, stage, jobId, async (tx) => {
              const next = await work(tx);
              if (!runId) return next;
              registered = await ledger.register(tx, runId, next);
              await ledger.markDone(tx, runId, jobId);
              return next;
            });
            committed = true;
            // Jobs it has just registered keep the run open until they finish themselves;
            // otherwise this may have been the run's last job.
            if (runId && registered === 0) planned = [...planned, ...(await ledger.settle(db, runId))];
          },
        };
        try {
          await definition.handle(data, ctx);
          if (!committed) await ctx.commit(() => Promise.resolve([]));
        } catch (error) {
          if (error instanceof JobDeferral && !committed) {
            await job.updateData(Messages[stage].parse(error.data) as JobData[S]);
            await job.moveToDelayed(Math.max(error.at, Date.now()), token);
            jobLog.debug({ delay_ms: Math.max(0, Math.round(error.at - Date.now())) }, `${stage}: deferred`);
            throw new DelayedError();
          }
          const kind = errorKindOf(error);
          const message = errorMessageOf(error);
          // What the job committed stands, and so do the jobs it registered with it (a report's
          // files failing to be written after its commit must not hold up the run's next step).
          if (committed) await this.enqueue(planned);
          if ((kind === 'db-unavailable' && !committed) || kind === 'disk-full') {
            // The database was not there to ask (down, restarting, out of connections) or a disk
            // had no room (the database's, or the report directory's after the commit: a job runs
            // again safely): nothing about the job itself failed, so it waits for the database or
            // the space instead of spending an attempt and, past the budget, failing for good
            // with work lost for the run.
            const delayMs = backoffDelay(Math.min(job.attemptsStarted, 12), undefined, this.options.backoff);
            jobLog.warn(
              { error_kind: kind, err: message, delay_ms: delayMs },
              kind === 'disk-full'
                ? `${stage}: no space left on a disk; the job waits and runs again`
                : `${stage}: the database is out of reach; the job waits and runs again`,
            );
            await job.moveToDelayed(Date.now() + delayMs, token);
            throw new DelayedError();
          }
          const final = RETRY_POLICY[kind] === 'fail' || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
          this.options.observer?.({
            stage,
            sourceId,
            durationMs: performance.now() - started,
            outcome: 'failed',
            errorKind: kind,
            final,
          });
          jobLog.warn(
            {
              error_kind: kind,
              err: message,
              attempt: job.attemptsMade + 1,
              final,
              duration_ms: Math.round(performance.now() - started),
            },
            `${stage}: job failed`,
          );
          if (final && !committed) {
            let next: PlannedJob[];
            try {
              next = await this.recordFinalFailure(definition, data, jobId, { kind, message });
            } catch (bookkeeping) {
              if (!isConnectionError(bookkeeping)) throw bookkeeping;
              // The failure cannot be recorded (the database is down too). Failed in BullMQ but
              // open in run_jobs, the job would hold its run open for good, and its id would stop
              // the start-up reconcile from adding it again: run it again later instead.
              const delayMs = backoffDelay(job.attemptsMade + 1, undefined, this.options.backoff);
              jobLog.warn(
                { err: errorMessageOf(bookkeeping), delay_ms: delayMs },
                `${stage}: could not record the failure; the job runs again later`,
              );
              await job.moveToDelayed(Date.now() + delayMs, token);
              throw new DelayedError();
            }
            await this.enqueue(next);
          }
          if (RETRY_POLICY[kind] === 'fail') throw new UnrecoverableError(`${kind}: ${message}`);
          throw error;
        }
        await this.enqueue(planned);
        this.options.observer?.({
          stage,
          sourceId,
          durationMs: performance.now() - started,
          outcome: 'completed',
        });
        jobLog.debug(
          { duration_ms: Math.round(performance.now() - started), next_jobs: planned.length },
          `${stage}: done`,
        );
      },
      {
        connection: this.options.connection,
        prefix: this.options.prefix,
        concurrency: definition.concurrency,
        autorun: true,
        ...(this.options.lockDurationMs === undefined ? {} : { lockDuration: this.options.lockDurationMs }),
        ...(this.options.stalledIntervalMs === undefined
          ? {}
          : { stalledInterval: this.options.stalledIntervalMs }),
        settings: {
          backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) =>
            backoffDelay(
              attemptsMade,
              (error as { retryAfterMs?: number } | undefined)?.retryAfterMs,
              this.options.backoff,
            ),
        },
      },
    );
    worker.on('error', (error) => log.error({ queue: stage, err: error.message }, 'worker: error'));
    worker.on('stalled', (id) =>
      log.warn({ queue: stage, job_id: id }, 'worker: job stalled; it will run again'),
    );
    worker.on('failed', (job, error) => {
      if (job === undefined || error.message !== STALLED_TOO_OFTEN) return;
      this.recordLostJob(stage, definition, job).catch((bookkeeping: unknown) =>
        log.error(
          { queue: stage, job_id: job.id, err: errorMessageOf(bookkeeping) },
          `${stage}: a job whose workers died could not be recorded as failed`,
        ),
      );
    });
    this.workers.push(worker);
    return worker;
  }

  /**
   * Records a job that failed for good, in one transaction: the stage's hook (a source's failure),
   * the job done and failed in its run, and the jobs that leaves to do (the run's next step).
   */
  private async recordFinalFailure<S extends Stage>(
    definition: StageDefinition<S>,
    data: JobData[S],
    jobId: string,
    failure: { kind: ErrorKind; message: string },
  ): Promise<PlannedJob[]> {
    const runId = runIdOf(data);
    return withTransaction(this.options.db, async (tx) => {
      const planned = (await definition.onFinalFailure?.(tx, data, failure, jobId)) ?? [];
      if (!runId) return planned;
      await this.options.ledger.register(tx, runId, planned);
      return [...planned, ...(await this.options.ledger.fail(tx, runId, jobId, { kind: failure.kind }))];
    });
  }

  /**
   * A job whose worker process died each time it ran it (out of memory, killed) is failed by
   * BullMQ itself once it has stalled more often than allowed, without reaching the processor.
   * Unrecorded, its run would wait for it for good; it is recorded here as failed instead.
   */
  private async recordLostJob<S extends Stage>(
    stage: S,
    definition: StageDefinition<S>,
    job: Job<JobData[S]>,
  ): Promise<void> {
    const parsed = Messages[stage].safeParse(job.data);
    if (!parsed.success || job.id === undefined) return;
    const failure = {
      kind: 'internal' as const,
      message: `${stage}: the processes running this job died each time (out of memory or killed); it is not run again`,
    };
    this.options.log.error(
      { queue: stage, job_id: job.id, error_kind: failure.kind, err: failure.message, final: true },
      `${stage}: job failed`,
    );
    await this.enqueue(await this.recordFinalFailure(definition, parsed.data as JobData[S], job.id, failure));
  }

  /** Number of jobs not yet finished across the stage queues. */
  async pendingJobs(): Promise<number> {
    const counts = await Promise.all(
      STAGES.map((stage) =>
        this.queues[stage].getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children'),
      ),
    );
    return counts.reduce((sum, c) => sum + Object.values(c).reduce((a, b) => a + b, 0), 0);
  }

  /** Stops taking jobs and lets running ones finish, within a deadline. */
  async closeWorkers(deadlineMs = 25_000): Promise<void> {
    const graceful = Promise.all(this.workers.map((worker) => worker.close()));
    const timer = new Promise<'timeout'>((resolve) => setTimeout(resolve, deadlineMs, 'timeout').unref());
    if ((await Promise.race([graceful, timer])) === 'timeout') {
      // BullMQ's close(true) only returns the graceful close already under way, so it cannot cut
      // that short. The jobs still running are left behind: closing the HTTP client and the
      // database fails them (and they are retried elsewhere), or their locks lapse when the
      // process exits and another worker takes them over as stalled.
      this.options.log.warn(
        { deadline_ms: deadlineMs },
        'pipeline: jobs still running at the shutdown deadline are handed back',
      );
    }
    this.workers.length = 0;
  }

  async close(): Promise<void> {
    await this.closeWorkers();
    await Promise.all([...STAGES.map((stage) => this.queues[stage].close()), this.nominations.close()]);
  }
}
