import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { startReceiver, startSmtpSink, waitFor } from './servers.js';
import type { SmtpSink, WebhookReceiver } from './servers.js';
import { ALERT_QUEUE } from '../../src/alerts/relay.js';
import { addSubscription } from '../../src/alerts/subscriptions.js';
import type { AddedSubscription } from '../../src/alerts/subscriptions.js';
import { verifyWebhook } from '../../src/alerts/webhook.js';

// O1 and O3 of the reliability table: an SMTP server that refuses (451) and a webhook receiver
// that answers 500, both until they recover. Real servers on loopback, the app's own relay.
let h: Harness;
let smtp: SmtpSink;
let hook: WebhookReceiver;
let mail: AddedSubscription;
let webhook: AddedSubscription;

beforeAll(async () => {
  smtp = await startSmtpSink();
  hook = await startReceiver();
  smtp.mode = 'refuse';
  hook.statuses = [500, 500, 500];
  Object.assign(process.env, {
    NODE_ENV: 'test',
    HORISONT_SMTP_URL: smtp.url,
    HORISONT_ALLOW_PRIVATE_HOSTS: hook.host,
    HORISONT_ALERT_SWEEP_SECONDS: '0.5',
    HORISONT_ALERT_STORM_LIMIT: '50',
  });
  h = await createHarness();
  const app = await h.app();
  const options = { publicOrigin: 'https://horisont.example.se', allowPrivate: [hook.host] };
  mail = await addSubscription(
    app.db,
    {
      name: 'Glukos',
      ownerName: 'Anna',
      ownerEmail: 'anna@example.se',
      channel: 'email',
      filter: { keywords: ['libre'] },
    },
    options,
  );
  webhook = await addSubscription(
    app.db,
    {
      name: 'NPO-systemet',
      ownerName: 'NPO',
      channel: 'webhook',
      webhookUrl: hook.url,
      filter: { keywords: ['libre'] },
    },
    options,
  );
});

afterAll(async () => {
  await h?.close();
  const queue = new Queue(ALERT_QUEUE, { connection: { url: h.env.REDIS_URL }, prefix: h.prefix });
  await queue.obliterate({ force: true });
  await queue.close();
  await smtp?.close();
  await hook?.close();
});

async function deliveries(subscriptionId: string) {
  return h.query<{ id: string; status: string; attempts: number; last_error: string | null }>(
    'select id, status, attempts, last_error from alert_deliveries where subscription_id = $1 order by id',
    [subscriptionId],
  );
}

describe('alert delivery through failures', () => {
  it('SMTP refusing, then accepting: every alert delivered exactly once after recovery', async () => {
    await h.scan();
    await waitFor('refused attempts', () => smtp.refused >= 2);
    const failing = await deliveries(mail.subscription.id);
    expect(failing.length).toBeGreaterThan(0);
    expect(failing.every((d) => d.status === 'pending')).toBe(true);
    expect(failing.some((d) => d.last_error === 'smtp 451 EMESSAGE')).toBe(true);
    // Nothing the server said (it may quote addresses) is kept, only the code.
    expect(failing.every((d) => !(d.last_error ?? '').includes('@'))).toBe(true);

    smtp.mode = 'accept';
    const sent = await waitFor('all mail sent', async () => {
      const rows = await deliveries(mail.subscription.id);
      return rows.every((d) => d.status === 'sent') ? rows : undefined;
    });
    expect(sent.some((d) => d.attempts > 1)).toBe(true);
    const ids = smtp.messages.map((m) => m.messageId);
    expect(ids.sort()).toEqual(sent.map((d) => `<alert-${d.id}@horisont>`).sort());
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('webhook 500, then 200: retries keep the same webhook-id and a valid signature', async () => {
    const sent = await waitFor('all webhooks delivered', async () => {
      const rows = await deliveries(webhook.subscription.id);
      return rows.length > 0 && rows.every((d) => d.status === 'sent') ? rows : undefined;
    });
    expect(hook.requests.filter((r) => r.status === 500)).toHaveLength(3);
    for (const request of hook.requests) {
      expect(verifyWebhook(webhook.webhookSecret!, request.headers, request.body)).toBe(true);
    }
    const failedIds = hook.requests.filter((r) => r.status === 500).map((r) => r.headers['webhook-id']);
    const okIds = hook.requests.filter((r) => r.status === 200).map((r) => r.headers['webhook-id']);
    // Each delivery succeeded exactly once, and every failed attempt was retried under its id.
    expect(okIds.sort()).toEqual(sent.map((d) => `alert-${d.id}`).sort());
    for (const id of failedIds) expect(okIds).toContain(id);
    // The body is the same on every attempt: only the timestamp header (and signature) differ.
    const first = hook.requests.find((r) => r.headers['webhook-id'] === failedIds[0]);
    const last = hook.requests.filter((r) => r.headers['webhook-id'] === failedIds[0]).at(-1);
    expect(last!.body).toBe(first!.body);
  });
});
