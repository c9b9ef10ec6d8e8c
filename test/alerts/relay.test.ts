import http from 'node:http';
import type { LookupAddress } from 'node:dns';
import type { AddressInfo, LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { alertConfigFromEnv } from '../../src/alerts/config.js';
import { AlertRelay } from '../../src/alerts/relay.js';
import { SubscriptionError, addSubscription } from '../../src/alerts/subscriptions.js';
import { HttpClient } from '../../src/fetch/http-client.js';
import { MemoryHostThrottle } from '../../src/fetch/host-throttle.js';
import { createMailSender } from '../../src/alerts/mailer.js';
import type { MailSender } from '../../src/alerts/mailer.js';
import { insertEvent, insertOutbox } from '../../src/store/alerts.js';
import { startSmtpSink } from './servers.js';
import { withTransaction } from '../../src/store/db.js';

// S5, O2 and O4 of the reliability table, with a relay of the test's own (no workers run here).
// S5: a subscriber's webhook URL that is private or loopback is refused when it is saved, and a
// name that later resolves to a private address is refused when delivering. A sentinel server on
// loopback stands for "internal": it must never be reached.
let h: Harness;
let sentinel: http.Server;
let sentinelPort = 0;
let sentinelHits = 0;
const answers = new Map<string, string>();

/** A stub resolver: the tests decide what each name resolves to, and can change it later. */
const lookup = ((
  hostname: string,
  _options: unknown,
  callback: (err: Error | null, addresses: LookupAddress[]) => void,
) => {
  const address = answers.get(hostname);
  if (!address) return callback(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
  return callback(null, [{ address, family: address.includes(':') ? 6 : 4 }]);
}) as unknown as LookupFunction;

beforeAll(async () => {
  sentinel = http.createServer((_req, res) => {
    sentinelHits++;
    res.end('internal');
  });
  await new Promise<void>((resolve) => sentinel.listen(0, '127.0.0.1', resolve));
  sentinelPort = (sentinel.address() as AddressInfo).port;
  h = await createHarness({ workers: false });
});

afterAll(async () => {
  await h?.close();
  await new Promise<void>((resolve) => sentinel.close(() => resolve()));
});

const save = async (webhookUrl: string) => {
  const app = await h.app();
  return addSubscription(
    app.db,
    { name: 'NPO-systemet', ownerName: 'NPO', channel: 'webhook', webhookUrl, filter: {} },
    { publicOrigin: 'https://horisont.example.se', allowPrivate: [], lookup },
  );
};

describe('webhook URLs and the SSRF policy', () => {
  it('refuses private, loopback and non-https webhook URLs when they are saved', async () => {
    answers.set('internal.npo.test', '10.0.0.5');
    answers.set('metadata.npo.test', '169.254.169.254');
    answers.set('mapped.npo.test', '::ffff:127.0.0.1');
    for (const url of [
      `http://127.0.0.1:${sentinelPort}/in`,
      `https://127.0.0.1:${sentinelPort}/in`,
      'https://[::1]/in',
      'https://[::ffff:7f00:1]/in',
      'https://2130706433/in',
      'https://localhost/in',
      'https://internal.npo.test/in',
      'https://metadata.npo.test/in',
      'https://mapped.npo.test/in',
      'http://hooks.npo.test/in',
      'file:///etc/passwd',
    ]) {
      await expect(save(url), url).rejects.toBeInstanceOf(SubscriptionError);
    }
    expect(await h.query('select id from subscriptions')).toEqual([]);
    expect(sentinelHits).toBe(0);
  });

  it('refuses at delivery when the saved name later resolves to a private address', async () => {
    answers.set('hooks.npo.test', '93.184.216.34');
    const saved = await save(`https://hooks.npo.test:${sentinelPort}/in`);
    // DNS now points the saved name at this machine (rebinding, or a changed record).
    answers.set('hooks.npo.test', '127.0.0.1');

    const app = await h.app();
    const [candidate] = await h.query<{ id: string }>(
      `insert into candidates (kind, name) values ('device', 'Testprodukt') returning id`,
    );
    await withTransaction(app.db, async (tx) => {
      const eventId = await insertEvent(tx, {
        key: `new-candidate ${candidate!.id}`,
        kind: 'new-candidate',
        candidateId: candidate!.id,
        runId: null,
        details: {
          candidate: {
            id: candidate!.id,
            name: 'Testprodukt',
            manufacturer: null,
            kind: 'device',
            band: 'medel',
            total: 50,
            council: 'MTP-rådet',
          },
          evidence: [],
          evidenceTotal: 0,
          evidenceChanged: 0,
        },
      });
      await insertOutbox(tx, [
        {
          subscriptionId: saved.subscription.id,
          eventId: eventId!,
          channel: 'webhook',
          candidateId: candidate!.id,
          runId: null,
        },
      ]);
    });

    const client = new HttpClient({
      userAgent: 'Horisont-test',
      allowPrivate: [],
      deadlineMs: 5_000,
      connectTimeoutMs: 2_000,
      headersTimeoutMs: 2_000,
      bodyTimeoutMs: 2_000,
      maxBodyBytes: 1024 * 1024,
      maxRedirects: 0,
      throttle: new MemoryHostThrottle(),
      minIntervalMs: () => 0,
      lookup,
    });
    const relay = new AlertRelay({
      db: app.db,
      http: client,
      log: pino({ level: 'silent' }),
      config: alertConfigFromEnv({ NODE_ENV: 'test' }, { retryBaseMs: 60_000 }),
    });
    try {
      const result = await relay.drain();
      expect(result).toMatchObject({ planned: 1, delivered: 0, failed: 1 });
    } finally {
      await relay.stop();
      await client.close();
    }
    const [delivery] = await h.query<{ status: string; last_error: string }>(
      'select status, last_error from alert_deliveries where subscription_id = $1',
      [saved.subscription.id],
    );
    expect(delivery).toEqual({ status: 'pending', last_error: 'ssrf-blocked' });
    expect(sentinelHits).toBe(0);
  });
});

describe('one hanging receiver', () => {
  it('times out without holding up other subscribers (O4)', async () => {
    const hangs: http.ServerResponse[] = [];
    const slow = http.createServer((_req, res) => hangs.push(res));
    let okAt = 0;
    const fast = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        okAt = Date.now();
        res.writeHead(204).end();
      });
    });
    await Promise.all([
      new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve)),
      new Promise<void>((resolve) => fast.listen(0, '127.0.0.1', resolve)),
    ]);
    const slowHost = `127.0.0.1:${(slow.address() as AddressInfo).port}`;
    const fastHost = `127.0.0.1:${(fast.address() as AddressInfo).port}`;
    const app = await h.app();
    const options = { publicOrigin: 'https://horisont.example.se', allowPrivate: [slowHost, fastHost] };
    const hanging = await addSubscription(
      app.db,
      { name: 'Hänger', ownerName: 'A', channel: 'webhook', webhookUrl: `http://${slowHost}/in`, filter: {} },
      options,
    );
    const healthy = await addSubscription(
      app.db,
      { name: 'Svarar', ownerName: 'B', channel: 'webhook', webhookUrl: `http://${fastHost}/in`, filter: {} },
      options,
    );
    const [candidate] = await h.query<{ id: string }>(
      `insert into candidates (kind, name) values ('device', 'Annan produkt') returning id`,
    );
    await withTransaction(app.db, async (tx) => {
      const eventId = await insertEvent(tx, {
        key: `new-candidate ${candidate!.id}`,
        kind: 'new-candidate',
        candidateId: candidate!.id,
        runId: null,
        details: {
          candidate: {
            id: candidate!.id,
            name: 'Annan produkt',
            manufacturer: null,
            kind: 'device',
            band: 'hög',
            total: 70,
            council: 'MTP-rådet',
          },
          evidence: [],
          evidenceTotal: 0,
          evidenceChanged: 0,
        },
      });
      await insertOutbox(
        tx,
        [hanging, healthy].map((s) => ({
          subscriptionId: s.subscription.id,
          eventId: eventId!,
          channel: 'webhook' as const,
          candidateId: candidate!.id,
          runId: null,
        })),
      );
    });
    const client = new HttpClient({
      userAgent: 'Horisont-test',
      allowPrivate: [slowHost, fastHost],
      deadlineMs: 60_000,
      connectTimeoutMs: 2_000,
      headersTimeoutMs: 60_000,
      bodyTimeoutMs: 60_000,
      maxBodyBytes: 1024 * 1024,
      maxRedirects: 0,
      throttle: new MemoryHostThrottle(),
      minIntervalMs: () => 0,
    });
    const relay = new AlertRelay({
      db: app.db,
      http: client,
      log: pino({ level: 'silent' }),
      config: alertConfigFromEnv({ NODE_ENV: 'test' }, { retryBaseMs: 60_000, webhookTimeoutMs: 1_500 }),
    });
    const started = Date.now();
    try {
      const result = await relay.drain();
      expect(result).toMatchObject({ delivered: 1, failed: 1 });
    } finally {
      await relay.stop();
      await client.close();
      for (const res of hangs) res.destroy();
      await Promise.all([
        new Promise<void>((resolve) => slow.close(() => resolve())),
        new Promise<void>((resolve) => fast.close(() => resolve())),
      ]);
    }
    // The healthy receiver was served while the other one was still hanging.
    expect(okAt - started).toBeLessThan(1_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    const rows = await h.query<{ subscription_id: string; status: string; last_error: string | null }>(
      'select subscription_id, status, last_error from alert_deliveries where subscription_id = any($1::uuid[])',
      [[hanging.subscription.id, healthy.subscription.id]],
    );
    expect(rows.find((r) => r.subscription_id === healthy.subscription.id)).toMatchObject({ status: 'sent' });
    expect(rows.find((r) => r.subscription_id === hanging.subscription.id)).toMatchObject({
      status: 'pending',
      last_error: 'timeout',
    });
  });
});

describe('a relay that dies after the SMTP server accepted', () => {
  it('leads to at most two copies with the same Message-ID, and a late relay cannot reopen it (O2)', async () => {
    const smtp = await startSmtpSink();
    const app = await h.app();
    const saved = await addSubscription(
      app.db,
      { name: 'Glukos', ownerName: 'Anna', ownerEmail: 'anna@example.se', channel: 'email', filter: {} },
      { publicOrigin: 'https://horisont.example.se', allowPrivate: [] },
    );
    const [candidate] = await h.query<{ id: string }>(
      `insert into candidates (kind, name) values ('device', 'Tredje produkten') returning id`,
    );
    await withTransaction(app.db, async (tx) => {
      const eventId = await insertEvent(tx, {
        key: `new-candidate ${candidate!.id}`,
        kind: 'new-candidate',
        candidateId: candidate!.id,
        runId: null,
        details: {
          candidate: {
            id: candidate!.id,
            name: 'Tredje produkten',
            manufacturer: null,
            kind: 'device',
            band: 'hög',
            total: 70,
            council: 'MTP-rådet',
          },
          evidence: [],
          evidenceTotal: 0,
          evidenceChanged: 0,
        },
      });
      await insertOutbox(tx, [
        {
          subscriptionId: saved.subscription.id,
          eventId: eventId!,
          channel: 'email',
          candidateId: candidate!.id,
          runId: null,
        },
      ]);
    });
    const config = alertConfigFromEnv(
      { NODE_ENV: 'test', HORISONT_SMTP_URL: smtp.url },
      { leaseMs: 300, retryBaseMs: 60_000 },
    );
    const smtpSender = createMailSender(config)!;
    // The first relay's process "dies" right after the 250: it never gets to record the outcome
    // until long after its lease ran out (then it reports a failure, which must change nothing).
    let release: (error: Error) => void = () => {};
    const dying: MailSender = {
      async send(mail) {
        await smtpSender.send(mail);
        await new Promise<void>((_resolve, reject) => {
          release = reject;
        });
      },
      close: () => undefined,
    };
    const silent = pino({ level: 'silent' });
    const http = new HttpClient({
      userAgent: 'Horisont-test',
      allowPrivate: [],
      deadlineMs: 5_000,
      connectTimeoutMs: 2_000,
      headersTimeoutMs: 2_000,
      bodyTimeoutMs: 2_000,
      maxBodyBytes: 1024 * 1024,
      maxRedirects: 0,
      throttle: new MemoryHostThrottle(),
      minIntervalMs: () => 0,
    });
    const first = new AlertRelay({ db: app.db, http, log: silent, config, mail: dying });
    const second = new AlertRelay({ db: app.db, http, log: silent, config });
    try {
      const firstPass = first.drain();
      const deadline = Date.now() + 10_000;
      while (smtp.messages.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(smtp.messages).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 400));
      expect(await second.drain()).toMatchObject({ delivered: 1 });
      release(new Error('process died'));
      await firstPass;
    } finally {
      await first.stop();
      await second.stop();
      smtpSender.close();
      await http.close();
      await smtp.close();
    }
    expect(smtp.messages).toHaveLength(2);
    expect(smtp.messages[0]!.messageId).toBe(smtp.messages[1]!.messageId);
    const [delivery] = await h.query<{ id: string; status: string; attempts: number }>(
      'select id, status, attempts from alert_deliveries where subscription_id = $1',
      [saved.subscription.id],
    );
    expect(delivery).toMatchObject({ status: 'sent', attempts: 2 });
    expect(smtp.messages[0]!.messageId).toBe(`<alert-${delivery!.id}@horisont>`);
  });
});
