import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSubscription } from '../../src/alerts/subscriptions.js';
import { buildWebApp } from '../../src/api/app.js';
import { startSmtpSink, waitFor } from '../alerts/servers.js';
import type { SmtpSink } from '../alerts/servers.js';
import { assertInvariants } from '../helpers/invariants.js';
import { REPO_ROOT } from '../helpers/harness.js';
import { prepareWorld } from './support/scenario.js';
import type { World } from './support/world.js';

/**
 * W6: a subscriber's unsubscribe (from the e-mail's link) and an administrator's erasure
 * (`horisont subscriptions remove`) leave no trace of the person: no row anywhere in the schema
 * holds the address, pending alerts are gone, decisions are untouched, and no log line of any
 * process involved (a worker child delivering the alerts, the app and web server, the CLI) ever
 * held an e-mail address, including while the SMTP server refused a recipient by name.
 */

const ORIGIN = 'https://horisont.example.se';
const ANNA = 'anna.andersson@region.example.se';
const ERIK = 'erik.ek@region.example.se';
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;

let smtp: SmtpSink;
let world: World | undefined;

beforeAll(async () => {
  smtp = await startSmtpSink();
  // Read by the alert relays of this process and, through childEnv, of the worker child.
  Object.assign(process.env, {
    NODE_ENV: 'test',
    HORISONT_SMTP_URL: smtp.url,
    HORISONT_ALERT_SWEEP_SECONDS: '0.5',
    HORISONT_PUBLIC_ORIGIN: ORIGIN,
  });
});
afterAll(async () => {
  await world?.close();
  await smtp?.close();
});

/** Rows of any table in the world's schema whose text mentions `needle`. */
async function rowsMentioning(w: World, needle: string): Promise<string[]> {
  const tables = await w.query<{ table_name: string }>(
    `select table_name from information_schema.tables
     where table_schema = current_schema() and table_type = 'BASE TABLE'`,
  );
  const found: string[] = [];
  for (const { table_name: table } of tables) {
    const [row] = await w.query<{ n: number }>(
      `select count(*)::int as n from "${table}" t where strpos(lower(t::text), lower($1)) > 0`,
      [needle],
    );
    if (row!.n > 0) found.push(`${table} ×${row!.n}`);
  }
  return found;
}

describe('W6 unsubscribe and erasure', () => {
  it('leave no address in the database or in any log, pending alerts go, decisions stay', async () => {
    const prepared = await prepareWorld();
    world = prepared.world;
    const app = await world.app();
    const anna = await addSubscription(
      app.db,
      { name: 'Allt nytt', ownerName: 'Anna Andersson', ownerEmail: ANNA, channel: 'email', filter: {} },
      { publicOrigin: ORIGIN, allowPrivate: [] },
    );
    const erik = await addSubscription(
      app.db,
      { name: 'Veckobrev', ownerName: 'Erik Ek', ownerEmail: ERIK, channel: 'email-weekly', filter: {} },
      { publicOrigin: ORIGIN, allowPrivate: [] },
    );
    smtp.refuseRecipientOnce.push(ANNA);

    // A worker child does the scan; its relay and the app's share the deliveries.
    const worker = world.startWorker();
    const summary = await world.waitForRun(await world.startRun());
    expect(summary.sources.map((s) => s.status)).not.toContain('failed');
    await waitFor('a message to Anna after the refusal', () =>
      smtp.messages.some((m) => m.to.includes(ANNA)),
    );
    expect(smtp.refused).toBe(1);
    const [pending] = await world.query<{ n: number }>(
      `select count(*)::int as n from alert_outbox where subscription_id = $1 and status = 'pending'`,
      [erik.subscription.id],
    );
    expect(pending!.n).toBeGreaterThan(0);

    // Anna follows the link in her e-mail.
    const web = await buildWebApp(app, { publicOrigin: ORIGIN });
    try {
      const url = `/prenumerationer/avsluta/${anna.subscription.unsubscribe_token}`;
      const page = await web.inject({ method: 'GET', url });
      expect(page.statusCode).toBe(200);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
      const cookie = String(page.headers['set-cookie']).split(';')[0]!;
      const done = await web.inject({
        method: 'POST',
        url,
        headers: { cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
        payload: `_csrf=${encodeURIComponent(csrf)}`,
      });
      expect(done.statusCode).toBe(200);
    } finally {
      await web.close();
    }

    // Erik asks the region to erase him; an administrator runs the CLI.
    const cli = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(REPO_ROOT, 'src/cli/main.ts'),
        'subscriptions',
        'remove',
        erik.subscription.id,
      ],
      { cwd: REPO_ROOT, env: world.childEnv() },
    );
    expect(cli.stdout).toContain(erik.subscription.id);

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);

    for (const address of [ANNA, ERIK]) expect(await rowsMentioning(world, address)).toEqual([]);
    for (const { subscription } of [anna, erik]) {
      for (const table of ['subscriptions', 'alert_outbox', 'alert_deliveries']) {
        const column = table === 'subscriptions' ? 'id' : 'subscription_id';
        expect(await world.query(`select 1 from ${table} where ${column} = $1`, [subscription.id])).toEqual(
          [],
        );
      }
    }

    const logs = [
      ...world.logs.map((line) => `app: ${line}`),
      ...worker.logs.map((line) => `worker: ${line}`),
      ...worker.stderr.map((chunk) => `worker stderr: ${chunk}`),
      `cli: ${cli.stdout}`,
      `cli stderr: ${cli.stderr}`,
    ];
    // The logs did see this scenario: the delivery, its refusal and both removals.
    expect(logs.some((line) => line.includes('alerts: delivery failed'))).toBe(true);
    expect(world.logs.some((line) => line.includes('alerts: unsubscribed'))).toBe(true);
    expect(logs.filter((line) => EMAIL.test(line))).toEqual([]);

    await assertInvariants(world, {
      oracle: prepared.oracle,
      decisionsBefore: prepared.decisionsBefore,
      app,
    });
  });
});
