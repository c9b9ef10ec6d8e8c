import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { AppContext } from '../../src/app/context.js';
import { assertInvariants } from '../helpers/invariants.js';
import { createWorld } from './support/world.js';
import type { World } from './support/world.js';

/**
 * Q10 (the same poll twice), Q11 (a poison message), S6 (hostile links in a feed), P8 (hostile
 * text and logs, through the HTML and the JSON adapters) and W7 (what Redis holds) on one world
 * with in-process workers.
 */

let world: World;
let app: AppContext;

beforeAll(async () => {
  world = await createWorld();
  app = await world.app({ workers: true });
});
afterAll(async () => {
  await world?.close();
});

describe('Q10 the same source polled twice at once', () => {
  it('the same scan job id twice is one job; two runs of one source at once still store each item once', async () => {
    const scan = app.pipeline.queues.scan;
    await Promise.all([
      scan.add('scan', { sourceId: 'tlv', runKey: 'q10' }, { jobId: 'q10-same-id' }),
      scan.add('scan', { sourceId: 'tlv', runKey: 'q10' }, { jobId: 'q10-same-id' }),
    ]);
    const runs = await Promise.all([
      world.startRun(['sbu-publications']),
      world.startRun(['sbu-publications']),
    ]);
    const summaries = await Promise.all(runs.map((runId) => world.waitForRun(runId)));
    for (const summary of summaries) expect(summary.sources.map((s) => s.status)).not.toContain('failed');
    await world.quiescent();
    const scanRuns = await world.query(`select id from runs where run_key = 'q10'`);
    expect(scanRuns).toHaveLength(1);
    await assertInvariants(world, { app });
  });
});

describe('Q11 a poison message', () => {
  it('a message that fails validation fails at once, without retries, and other work flows on', async () => {
    const job = await app.pipeline.queues.fetch.add(
      'fetch',
      { runId: 'not-a-uuid', sourceId: 'tlv' } as never,
      {
        jobId: 'q11-poison',
      },
    );
    const other = await world.waitForRun(await world.startRun(['tlv']));
    expect(other.sources.map((s) => s.status)).not.toContain('failed');
    const failed = await app.pipeline.queues.fetch.getJob(job.id!);
    expect(await failed?.getState()).toBe('failed');
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.failedReason).toMatch(/^fetch: invalid message/);
  });
});

describe('S6 and P8 hostile links and text in a source', () => {
  it('javascript:, data: and file: links are never fetched nor stored; every log line stays one JSON line', async () => {
    const file = path.join(world.fixturesDir, 'sbu-publications', 'all-types.html');
    const hostile = readFileSync(file, 'utf8')
      .replace(
        'href="/sv/publikationer/sbu-utvarderar/robotassisterad-kirurgi-vid-prostatacancer/"',
        `href="javascript:fetch('${world.sentinel.origin}/js')"`,
      )
      .replace(
        'href="/sv/publikationer/regional-hta/kontinuerlig-glukosmatning-med-freestyle-libre-3-vid-typ-2-diabetes/"',
        'href="file:///etc/passwd"',
      )
      .replace(
        'href="/sv/publikationer/sbu-kommenterar/hybrid-closed-loop-system-vid-typ-1-diabetes-hos-barn/"',
        'href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"',
      )
      .replace(
        'Robotassisterad kirurgi vid prostatacancer</a>',
        'Robot\u001b[31m kirurgi\r\n{"level":60,"msg":"forged"}</a>',
      );
    writeFileSync(file, hostile);
    world.logs.length = 0;
    world.source.hits.length = 0;
    const summary = await world.waitForRun(await world.startRun(['sbu-publications']));
    // The adapter leaves links it cannot read as http(s) out; the rest of the page reads.
    expect(summary.sources[0]!.status).toBe('ok');
    expect(world.sentinel.hits).toEqual([]);
    expect(
      world.source.hits.filter((hit) => !hit.path.startsWith('/www.sbu.se/') && hit.path !== '/robots.txt'),
    ).toEqual([]);
    const unsafe = await world.query(`select url from source_items where url !~* '^https?://'`);
    expect(unsafe).toEqual([]);
    const controls = await world.query(`select title from source_items where title ~ '[[:cntrl:]]'`);
    expect(controls).toEqual([]);
    expect(world.logs.length).toBeGreaterThan(0);
    for (const line of world.logs) {
      const body = line.endsWith('\n') ? line.slice(0, -1) : line;
      expect(body.includes('\n') || body.includes('\r') || body.includes(String.fromCharCode(27))).toBe(
        false,
      );
      const entry = JSON.parse(line) as { msg?: string };
      expect(entry.msg).not.toBe('forged');
    }
  });
});

/** C0/C1 controls but tab and newline, bidi embeddings, overrides and isolates, BOM, lone surrogates. */
const UNSAFE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('P8 hostile text through the JSON adapters', () => {
  it('a BEL, a right-to-left override, a NUL and a lone surrogate never reach source_items', async () => {
    // As the outside tester sent them: JSON escapes, so the adapters see the real characters.
    const edit = (relative: string, from: string, to: string): void => {
      const file = path.join(world.fixturesDir, relative);
      const text = readFileSync(file, 'utf8');
      expect(text).toContain(from);
      writeFileSync(file, text.replace(from, to));
    };
    edit(
      'openfda-devices/510k-page-0.json',
      '"device_name": "Dexcom G7 15 Day Continuous Glucose Monitoring System"',
      '"device_name": "Dexcom G7\\u0007 15 Day \\u202eCGM\\u202c System\\u0000"',
    );
    edit(
      'openfda-devices/510k-page-0.json',
      '"applicant": "DexCom, Inc."',
      '"applicant": "DexCom,\\u0085 Inc.\\ud800"',
    );
    edit(
      'clinicaltrials/page-1.json',
      '"briefTitle": "Accuracy and Wear of the Dexcom G7 15 Day CGM System',
      '"briefTitle": "Accuracy\\u001b[31m and Wear of the \\u2066Dexcom\\u2069 G7 15 Day CGM System',
    );
    edit(
      'eudamed-devices/page-0.json',
      '"tradeName" : "FreeStyle Libre 2 Sensor"',
      '"tradeName" : "FreeStyle\\u0000 Libre 2\\u202e Sensor\\ufeff"',
    );
    const summary = await world.waitForRun(
      await world.startRun(['openfda-devices', 'clinicaltrials', 'eudamed-devices']),
    );
    expect(summary.sources.map((s) => [s.source_id, s.status])).toEqual(
      expect.arrayContaining([
        ['openfda-devices', 'ok'],
        ['clinicaltrials', 'ok'],
        ['eudamed-devices', 'ok'],
      ]),
    );
    const rows = await world.query<{ source_id: string; title: string; data: unknown }>(
      `select source_id, title, data from source_items
       where source_id in ('openfda-devices', 'clinicaltrials', 'eudamed-devices')`,
    );
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) {
      expect(row.title, row.source_id).not.toMatch(UNSAFE);
      expect(
        JSON.stringify(row.data).replace(/\\u[0-9a-f]{4}/gi, (e) => JSON.parse(`"${e}"`) as string),
      ).not.toMatch(UNSAFE);
    }
    const titles = rows.map((row) => row.title);
    expect(titles).toContain('Dexcom G7 15 Day CGM System (510(k) K252318)');
    expect(titles.some((t) => t.startsWith('Accuracy[31m and Wear of the Dexcom G7 15 Day CGM System'))).toBe(
      true,
    );
    const candidates = await world.query<{ name: string }>(
      `select name from candidates where name like 'FreeStyle Libre 2%'`,
    );
    expect(candidates.map((c) => c.name)).not.toContainEqual(expect.stringMatching(UNSAFE));
    await assertInvariants(world, { app });
  });
});

describe('W7 what Redis holds', () => {
  it('job data carries no database credentials, e-mail addresses, secrets or fetched bodies', async () => {
    const redis = new Redis(world.env.REDIS_URL);
    try {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `${world.prefix}:*`, 'COUNT', 1000);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      const jobKeys = keys.filter((key) => /:[^:]+:[^:]+$/.test(key));
      let checked = 0;
      for (const key of jobKeys) {
        if ((await redis.type(key)) !== 'hash') continue;
        const hash = await redis.hgetall(key);
        if (hash.data === undefined) continue;
        checked++;
        const text = JSON.stringify(hash);
        expect(text).not.toMatch(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/);
        expect(text).not.toContain(world.env.DATABASE_URL);
        expect(text).not.toMatch(/password|passwd|secret|whsec_|<html/i);
      }
      expect(checked).toBeGreaterThan(10);
    } finally {
      redis.disconnect();
    }
  });
});
