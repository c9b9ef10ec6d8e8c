import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Queue } from 'bullmq';
import type { AppContext } from '../app/context.js';
import { table } from './format.js';
import { oneLine } from '../text/one-line.js';
import { demoCommand } from './demo-world.js';
import { deliveryLog, feedEvents, listSubscriptions } from '../store/alerts.js';
import { atomFeed } from '../alerts/atom.js';
import { alertConfigFromEnv } from '../alerts/config.js';
import { CHANNEL_LABELS } from '../domain/alert-filter.js';
import { alertRelayOf } from '../alerts/index.js';
import { ALERT_QUEUE, alertLinks } from '../alerts/relay.js';
import { addSubscription } from '../alerts/subscriptions.js';
import type { AddedSubscription, NewSubscriptionInput } from '../alerts/subscriptions.js';
import { verifyWebhook } from '../alerts/webhook.js';

const MAILBOX_DIR = path.join('var', 'demo', 'mailbox');
const FEED_DIR = path.join('var', 'demo', 'feeds');

interface ReceivedHook {
  id: string;
  type: string;
  items: number;
  signatureValid: boolean;
}

/**
 * The alert part of `npm run demo`: example NPO subscriptions (a weekly e-mail digest, an Atom
 * reader, the NPO's own system taking a signed webhook, the operator's alerts), e-mail written as
 * `.eml` files into var/demo/mailbox/ (never a real SMTP server), and a webhook receiver on
 * loopback standing for the NPO's system.
 */
export interface DemoAlerts {
  /** Environment for the demo app: the loopback receiver is allowlisted for the guarded client. */
  env: { HORISONT_ALLOW_PRIVATE_HOSTS: string };
  subscribe(ctx: AppContext): Promise<void>;
  afterScan(ctx: AppContext, scan: number): Promise<void>;
  show(ctx: AppContext): Promise<void>;
  close(): Promise<void>;
}

export async function prepareDemoAlerts(base: { HORISONT_ALLOW_PRIVATE_HOSTS: string }): Promise<DemoAlerts> {
  // The relay reads its settings from the environment: the demo mails into a directory only.
  delete process.env.HORISONT_SMTP_URL;
  delete process.env.HORISONT_SMTP_URL_FILE;
  process.env.HORISONT_MAILBOX_DIR = MAILBOX_DIR;
  await rm(MAILBOX_DIR, { recursive: true, force: true });
  await rm(FEED_DIR, { recursive: true, force: true });

  const received: ReceivedHook[] = [];
  let secret = '';
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let type = '?';
      let items = 0;
      try {
        const payload = JSON.parse(body) as { type?: string; data?: { items?: unknown[] } };
        type = payload.type ?? '?';
        items = payload.data?.items?.length ?? 0;
      } catch {
        // Counted below as a delivery whose body was not JSON.
      }
      received.push({
        id: String(req.headers['webhook-id'] ?? ''),
        type,
        items,
        signatureValid: verifyWebhook(secret, req.headers, body),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const allow = [base.HORISONT_ALLOW_PRIVATE_HOSTS, host].filter(Boolean).join(',');
  const added = new Map<string, AddedSubscription>();
  let sentBefore = 0;

  return {
    env: { HORISONT_ALLOW_PRIVATE_HOSTS: allow },

    async subscribe(ctx) {
      const queue = new Queue(ALERT_QUEUE, ctx.pipeline.nominations.opts);
      await queue.obliterate({ force: true });
      await queue.close();
      const config = alertConfigFromEnv();
      const examples: NewSubscriptionInput[] = [
        {
          name: 'NPO Endokrina sjukdomar: diabetesprodukter',
          ownerName: 'Erik Ek (NPO Endokrina sjukdomar)',
          ownerEmail: 'erik.ek@example.se',
          channel: 'email-weekly',
          filter: { npo: ['Endokrina sjukdomar'], council: ['MTP-rådet'], minBand: 'medel' },
        },
        {
          name: 'Glukosmätning och insulinpumpar (flöde)',
          ownerName: 'Sara Lind (NPO Endokrina sjukdomar)',
          channel: 'atom',
          filter: { keywords: ['glukos*', 'glucose', 'libre', 'dexcom', 'insulinpump*', 'insulin pump*'] },
        },
        {
          name: 'NPO Endokrina sjukdomar: eget ärendesystem',
          ownerName: 'NPO Endokrina sjukdomar',
          channel: 'webhook',
          webhookUrl: `http://${host}/horisont`,
          filter: { npo: ['Endokrina sjukdomar'], minBand: 'medel' },
        },
        {
          name: 'Beredningen MTP-rådet: nominerade',
          ownerName: 'Beredningen',
          ownerEmail: 'beredningen@example.se',
          channel: 'email',
          filter: { council: ['MTP-rådet'], events: ['nominated'] },
        },
        {
          name: 'Drift: trasiga källor och misslyckade körningar',
          ownerName: 'IT-drift',
          ownerEmail: 'drift@example.se',
          channel: 'email',
          filter: { events: ['source-broken', 'run-failed'] },
        },
      ];
      for (const example of examples) {
        // Sequential: the listing shows them in this order.
        // eslint-disable-next-line no-await-in-loop
        const result = await addSubscription(ctx.db, example, {
          publicOrigin: config.publicOrigin,
          allowPrivate: allow.split(','),
        });
        added.set(result.subscription.id, result);
        if (result.webhookSecret) secret = result.webhookSecret;
      }
    },

    async afterScan(ctx, scan) {
      await alertRelayOf(ctx)?.drain();
      const sent = (await deliveryLog(ctx.db)).filter((d) => d.status === 'sent').length;
      console.log(
        scan === 1
          ? `   Larm: ${sent} utskick levererade direkt (e-post och webhook); veckosammanfattningen väntar på måndag 07:00.\n`
          : `   Larm: ${sent - sentBefore} nya utskick (samma källor igen ger inga nya larm).\n`,
      );
      sentBefore = sent;
    },

    async show(ctx) {
      // The weekly digest would go out on Monday morning; the demo sends it now.
      await alertRelayOf(ctx)?.drain({ flushDigests: true });
      const config = alertConfigFromEnv();
      const subscriptions = await listSubscriptions(ctx.db);
      const log = await deliveryLog(ctx.db);
      const feeds = new Map(
        await Promise.all(
          subscriptions
            .filter((s) => s.channel === 'atom')
            .map(async (s) => [s.id, (await feedEvents(ctx.db, s.id, 1000)).length] as const),
        ),
      );
      console.log('\n4b. Bevakningar för programområdena: vad prenumeranterna fick');
      console.log(
        table(
          ['prenumeration', 'kanal', 'utskick', 'händelser', 'misslyckade'],
          subscriptions.map((s) => {
            const mine = log.filter((d) => d.subscription_id === s.id);
            return [
              oneLine(s.name, 50),
              CHANNEL_LABELS[s.channel],
              s.channel === 'atom' ? '–' : String(mine.filter((d) => d.status === 'sent').length),
              String(
                s.channel === 'atom' ? (feeds.get(s.id) ?? 0) : mine.reduce((sum, d) => sum + d.events, 0),
              ),
              String(mine.filter((d) => d.status === 'failed').length),
            ];
          }),
        ),
      );

      const files = (await readdir(MAILBOX_DIR).catch(() => [] as string[])).filter((f) =>
        f.endsWith('.eml'),
      );
      console.log(`\n   E-post i ${MAILBOX_DIR}/ (${files.length} meddelanden):`);
      for (const file of files.sort()) {
        // eslint-disable-next-line no-await-in-loop
        const raw = await readFile(path.join(MAILBOX_DIR, file), 'utf8');
        const to = /^To: (.*)$/m.exec(raw)?.[1] ?? '';
        const subject = decodeSubject(/^Subject: ((?:.*)(?:\n[ \t].*)*)/m.exec(raw)?.[1] ?? '');
        console.log(`   - ${file}  till ${to}: ${oneLine(subject, 90)}`);
      }

      const valid = received.filter((r) => r.signatureValid).length;
      console.log(
        `\n   Webhook till NPO:ns system (http://${host}/horisont): ${received.length} anrop, ${valid} med giltig signatur, ` +
          `${new Set(received.map((r) => r.id)).size} olika webhook-id.`,
      );

      await mkdir(FEED_DIR, { recursive: true });
      for (const [id, result] of added) {
        if (!result.feedUrl) continue;
        const subscription = subscriptions.find((s) => s.id === id)!;
        // eslint-disable-next-line no-await-in-loop
        const events = await feedEvents(ctx.db, id, 100);
        const file = path.join(FEED_DIR, 'glukos.atom');
        // eslint-disable-next-line no-await-in-loop
        await writeFile(
          file,
          atomFeed({
            subscription,
            events,
            selfUrl: result.feedUrl,
            links: alertLinks(config.publicOrigin, subscription),
            now: new Date(),
          }),
        );
        console.log(
          `   Atom-flöde: ${events.length} poster, hemlig adress ${result.feedUrl} (kopia i ${file})`,
        );
      }
      console.log(`   Mer: ${demoCommand('subscriptions list | deliveries | test <id>')}\n`);
    },

    async close() {
      await new Promise<void>((resolve) => {
        receiver.closeAllConnections();
        receiver.close(() => resolve());
      });
    },
  };
}

/** RFC 2047 encoded words (nodemailer writes UTF-8 Q or B) back to text, for the console. */
function decodeSubject(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?[^?]+\?([QqBb])\?([^?]*)\?=/g, (_m, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(
            text
              .replace(/_/g, ' ')
              .replace(/=([0-9A-Fa-f]{2})|([^=])/g, (_x, hex: string | undefined, ch: string | undefined) =>
                hex ? String.fromCharCode(parseInt(hex, 16)) : ch!,
              ),
            'latin1',
          ).toString('utf8'),
    )
    .replace(/\s+/g, ' ');
}
