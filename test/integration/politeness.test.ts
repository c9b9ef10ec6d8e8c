import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DEMO_CONFIG } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { buildApp, closeApp, startWorkers } from '../../src/app/build.js';
import type { AppContext } from '../../src/app/context.js';
import { startRun, waitForRun } from '../../src/app/scan-once.js';
import { HorisontError } from '../../src/domain/errors.js';
import { HttpClient } from '../../src/fetch/http-client.js';
import { toFixtureUrl } from '../../src/fixtures/server.js';
import { createLogger } from '../../src/log.js';
import { createDb } from '../../src/store/db.js';
import type { Db } from '../../src/store/db.js';
import { PgHostThrottle } from '../../src/store/host-throttle.js';

/**
 * Per-host politeness with real PostgreSQL slots: the spacing configured for a host holds for
 * parallel fetches (in one process and across separate clients, as on two machines), and a 429
 * with Retry-After holds back the retry and every other request to the host.
 */

const SPACING_MS = 1000;
/**
 * Sends are claimed in PostgreSQL right before they leave; two requests' arrivals at the fixture
 * server (in this process, on the workers' event loop) can still come closer than the spacing by
 * the difference of what happens between a claim and the server's receipt, which on a loaded test
 * machine reaches tens of milliseconds.
 */
const TOLERANCE_MS = 150;

let h: Harness;
let app: AppContext;
let configDir: string;
const pools: Db[] = [];

beforeAll(async () => {
  h = await createHarness({ workers: false });
  // The demo configuration, with the fixture host (where every source is served) given a spacing.
  configDir = mkdtempSync(path.join(tmpdir(), 'horisont-politeness-'));
  const demo = readFileSync(path.join(DEMO_CONFIG, 'sources.yaml'), 'utf8');
  writeFileSync(
    path.join(configDir, 'sources.yaml'),
    `${demo}\nhosts:\n  '127.0.0.1':\n    minIntervalMs: ${SPACING_MS}\n`,
  );
  app = await buildApp({ env: h.env, log: createLogger('silent'), configDir });
  startWorkers(app);
});
afterAll(async () => {
  if (app) await closeApp(app);
  await Promise.all(pools.map((pool) => pool.end()));
  await h?.close();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

function gaps(times: number[]): number[] {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted.slice(1).map((at, index) => at - sorted[index]!);
}

function hitsOn(fragment: string): number[] {
  return h.server.hits.filter((hit) => hit.path.includes(fragment)).map((hit) => hit.at);
}

/** A guarded client with its own connection pool: what a worker on another machine would have. */
function separateClient(spacingMs: number): HttpClient {
  const db = createDb(
    { url: h.env.DATABASE_URL, schema: h.schema, applicationName: 'politeness-test', max: 2 },
    createLogger('silent'),
  );
  pools.push(db);
  return new HttpClient({
    userAgent: 'Mozilla/5.0 (compatible; Horisont/0.1; politeness test)',
    allowPrivate: [new URL(h.server.origin).host],
    deadlineMs: 10_000,
    connectTimeoutMs: 2_000,
    headersTimeoutMs: 5_000,
    bodyTimeoutMs: 5_000,
    maxBodyBytes: 1024 * 1024,
    maxRedirects: 5,
    throttle: new PgHostThrottle(db),
    minIntervalMs: () => spacingMs,
  });
}

function addFixture(dir: string, name: string, url: string, meta: Record<string, unknown> = {}): string {
  const where = path.join(h.fixturesDir, dir);
  mkdirSync(where, { recursive: true });
  writeFileSync(path.join(where, `${name}.json`), JSON.stringify({ name }));
  writeFileSync(
    path.join(where, `${name}.meta.json`),
    JSON.stringify({ url, status: 200, headers: { 'content-type': 'application/json' }, ...meta }),
  );
  return toFixtureUrl(url, h.server.origin);
}

describe('politeness under concurrency', () => {
  it('parallel fetches of a scan keep the configured spacing to one host', async () => {
    h.server.hits.length = 0;
    // Four first requests planned at once (two lists each), all served by one host.
    const summary = await waitForRun(app, await startRun(app, ['sbu-publications', 'tlv'], 'test'), 60_000);
    expect(summary.sources.map((s) => s.status)).toEqual(['ok', 'ok']);
    const times = h.server.hits.map((hit) => hit.at);
    expect(times.length).toBeGreaterThanOrEqual(4);
    for (const gap of gaps(times)) expect(gap).toBeGreaterThanOrEqual(SPACING_MS - TOLERANCE_MS);
    // Slots more than two seconds away were waited for as delayed jobs, not in a worker slot,
    // and that cost no attempt.
    const jobs = await app.pipeline.queues.fetch.getJobs(['completed', 'failed'], 0, -1);
    const deferred = jobs.filter((job) => job.data.runId === summary.runId && job.data.slotAt !== undefined);
    expect(deferred.length).toBeGreaterThanOrEqual(1);
    for (const job of deferred) {
      expect(job.finishedOn).toBeGreaterThanOrEqual(job.data.slotAt!);
      expect(job.failedReason ?? '').toBe('');
    }
  });

  it("a send that leaves late holds back the next slot's send, across separate clients", async () => {
    const [first, second] = [0, 1].map(() => {
      const db = createDb(
        { url: h.env.DATABASE_URL, schema: h.schema, applicationName: 'politeness-test', max: 1 },
        createLogger('silent'),
      );
      pools.push(db);
      return new PgHostThrottle(db);
    });
    const host = 'late.example';
    expect(await first!.reserve(host, SPACING_MS)).toBe(0);
    expect(await second!.reserve(host, SPACING_MS)).toBeGreaterThan(SPACING_MS - TOLERANCE_MS);
    // The first slot's request leaves 400 ms late; the second slot's request, asking at its slot,
    // is told to wait for what is left of the interval since that send.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await first!.claim(host, SPACING_MS)).toBe(0);
    const claimedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, SPACING_MS - 400));
    const rest = await second!.claim(host, SPACING_MS);
    expect(rest).toBeGreaterThan(0);
    expect(rest).toBeLessThanOrEqual(SPACING_MS - (Date.now() - claimedAt) + TOLERANCE_MS);
    await new Promise((resolve) => setTimeout(resolve, rest));
    expect(await second!.claim(host, SPACING_MS)).toBe(0);
    // Its first byte is written 300 ms after the claim (a new connection's handshake): the next
    // send counts from the write.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await second!.sent(host, SPACING_MS);
    expect(await first!.claim(host, SPACING_MS)).toBeGreaterThan(SPACING_MS - TOLERANCE_MS);
    // A Retry-After holds back sends whose slots were reserved before it came.
    const slotWait = await first!.reserve(host, 0);
    await second!.penalise(host, 1500);
    await new Promise((resolve) => setTimeout(resolve, slotWait));
    expect(await first!.claim(host, 0)).toBeGreaterThan(1500 - TOLERANCE_MS - slotWait);
  });

  it('separate clients (separate processes or machines) share the host slots', async () => {
    const urls = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) =>
      addFixture('politeness', name, `https://shared.example/${name}`),
    );
    const [first, second] = [separateClient(SPACING_MS), separateClient(SPACING_MS)];
    h.server.hits.length = 0;
    try {
      await Promise.all(urls.map((url, index) => (index % 2 === 0 ? first : second).get(url)));
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
    const times = hitsOn('/shared.example/');
    expect(times).toHaveLength(6);
    for (const gap of gaps(times)) expect(gap).toBeGreaterThanOrEqual(SPACING_MS - TOLERANCE_MS);
  });

  it('a 429 with Retry-After holds back every request to the host, not only its retry', async () => {
    const limited = addFixture('rate-limit', 'limited', 'https://busy.example/limited', {
      sequence: [{ status: 429, headers: { 'retry-after': '2' } }],
    });
    const other = addFixture('rate-limit', 'other', 'https://busy.example/other');
    const client = separateClient(0);
    try {
      const error = await client.get(limited).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(HorisontError);
      expect((error as HorisontError).kind).toBe('rate-limited');
      expect((error as HorisontError).retryAfterMs).toBe(2000);
      // Another request to the same host, asked for at once, waits out the Retry-After.
      const outcome = await client.get(other);
      expect(outcome.status).toBe(200);
    } finally {
      await client.close();
    }
    const [limitedAt] = hitsOn('/busy.example/limited');
    const [otherAt] = hitsOn('/busy.example/other');
    expect(otherAt! - limitedAt!).toBeGreaterThanOrEqual(2000 - TOLERANCE_MS);
  });

  it('the fetch job retries a 429 after Retry-After and the source completes', async () => {
    const meta = path.join(h.fixturesDir, 'tlv', 'halsoekonomiska-bedomningar.meta.json');
    const recorded = JSON.parse(readFileSync(meta, 'utf8')) as Record<string, unknown>;
    writeFileSync(
      meta,
      JSON.stringify({ ...recorded, sequence: [{ status: 429, headers: { 'retry-after': '2' } }] }),
    );
    h.server.hits.length = 0;
    const summary = await waitForRun(app, await startRun(app, ['tlv'], 'test'), 60_000);
    expect(summary.sources[0]).toMatchObject({
      source_id: 'tlv',
      status: expect.stringMatching(/ok|unchanged/),
    });
    const attempts = hitsOn('halsoekonomiska-bedomningar');
    expect(attempts).toHaveLength(2);
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(2000 - TOLERANCE_MS);
    const [job] = await h.query<{ failed: boolean }>(
      `select failed from run_jobs where run_id = $1 and queue = 'fetch' and job_id like '%halsoekonomiska%'`,
      [summary.runId],
    );
    expect(job).toEqual({ failed: false });
  });
});
