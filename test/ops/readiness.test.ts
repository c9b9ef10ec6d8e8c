import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOwnPostgres } from '../helpers/own-postgres.js';
import type { OwnPostgres } from '../helpers/own-postgres.js';
import { startOwnRedis } from '../helpers/own-redis.js';
import type { OwnRedis } from '../helpers/own-redis.js';
import { buildWebApp } from '../../src/api/app.js';
import type { AppContext } from '../../src/app/context.js';
import type { HorisontConfig } from '../../src/config/load.js';
import type { HttpClient } from '../../src/fetch/http-client.js';
import { createLogger } from '../../src/log.js';
import { Pipeline } from '../../src/queue/pipeline.js';
import { createDb } from '../../src/store/db.js';
import { runLedger } from '../../src/store/runs.js';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';

// /readyz against a PostgreSQL and a Redis of the test's own (temporary data directories, free
// loopback ports), which the test stops and starts again. The machine's servers are never touched.
let pg: OwnPostgres;
let redis: OwnRedis;
let db: Db;
let pipeline: Pipeline;
let app: FastifyInstance;

beforeAll(async () => {
  pg = await startOwnPostgres();
  redis = await startOwnRedis();
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const schema = `r_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  db = createDb({ url: pg.url, schema, applicationName: 'horisont-readiness-test' }, log);
  await migrate(db, schema);
  pipeline = new Pipeline({
    connection: { url: redis.url, maxRetriesPerRequest: null },
    prefix: `r-${schema}`,
    db,
    ledger: runLedger,
    log,
    attempts: 1,
    backoff: { baseDelayMs: 100, maxDelayMs: 1000 },
  });
  const ctx: AppContext = {
    config: undefined as unknown as HorisontConfig,
    http: undefined as unknown as HttpClient,
    db,
    pipeline,
    log,
    reportDir: '/nonexistent',
  };
  app = await buildWebApp(ctx);
}, 120_000);

afterAll(async () => {
  await app?.close();
  await pipeline?.close().catch(() => undefined);
  await db?.end().catch(() => undefined);
  await redis?.destroy();
  await pg?.destroy();
}, 60_000);

async function readyz(): Promise<{
  status: number;
  ms: number;
  body: { status: string; reasons?: string[]; checks: Record<string, { ok: boolean }> };
}> {
  const started = performance.now();
  const response = await app.inject({ url: '/readyz' });
  return { status: response.statusCode, ms: performance.now() - started, body: response.json() };
}

async function eventuallyReady(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = await readyz();
    if (probe.status === 200) return;
    if (Date.now() > deadline) {
      throw new Error(`/readyz still ${probe.status}: ${JSON.stringify(probe.body)}`);
    }
    await sleep(250);
  }
}

describe('/readyz through outages', () => {
  it('is ready with both servers up', async () => {
    const probe = await readyz();
    expect(probe.status).toBe(200);
    expect(probe.body.status).toBe('ready');
  });

  it('fails within about a second while PostgreSQL is unreachable, and recovers after', async () => {
    await pg.stopImmediate();
    try {
      const probe = await readyz();
      expect(probe.status).toBe(503);
      expect(probe.body.status).toBe('unready');
      expect(probe.body.reasons).toEqual([expect.stringMatching(/^postgres: /)]);
      expect(probe.body.checks.redis!.ok).toBe(true);
      expect(probe.ms).toBeLessThan(2500);
      // Nothing in the answer points at the server.
      expect(JSON.stringify(probe.body)).not.toContain(String(pg.port));
      // Liveness does not depend on the database.
      expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
      const metrics = await app.inject({ url: '/metrics' });
      expect(metrics.statusCode).toBe(200);
      expect(metrics.body).toMatch(/^horisont_up\{dependency="postgres"\} 0$/m);
      expect(metrics.body).toMatch(/^horisont_up\{dependency="redis"\} 1$/m);
    } finally {
      await pg.start();
    }
    await eventuallyReady(30_000);
  }, 90_000);

  it('fails within about a second while Redis is unreachable, and recovers after', async () => {
    await redis.kill();
    try {
      const probe = await readyz();
      expect(probe.status).toBe(503);
      expect(probe.body.reasons).toEqual([expect.stringMatching(/^redis: /)]);
      expect(probe.body.checks.postgres!.ok).toBe(true);
      expect(probe.ms).toBeLessThan(2500);
      const again = await readyz();
      expect(again.status).toBe(503);
      expect(again.ms).toBeLessThan(2500);
      const metrics = await app.inject({ url: '/metrics' });
      expect(metrics.statusCode).toBe(200);
      expect(metrics.body).toMatch(/^horisont_up\{dependency="redis"\} 0$/m);
      expect(metrics.body).not.toContain('horisont_queue_jobs{');
    } finally {
      await redis.start();
    }
    await eventuallyReady(30_000);
    const metrics = await app.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/^horisont_up\{dependency="redis"\} 1$/m);
  }, 90_000);
});
