import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { allowPrivateHosts } from '../app/build.js';
import { alertConfigFromEnv } from '../alerts/config.js';
import {
  BANDS,
  CHANNELS,
  CHANNEL_LABELS,
  COUNCILS,
  EVENT_KINDS,
  describeFilter,
} from '../domain/alert-filter.js';
import type { Channel } from '../domain/alert-filter.js';
import { AlertRelay, alertLinks } from '../alerts/relay.js';
import { SubscriptionError, addSubscription } from '../alerts/subscriptions.js';
import { deleteSubscription, deliveryLog, getSubscription, listSubscriptions } from '../store/alerts.js';
import type { EventRow, SubscriptionRow } from '../store/alerts.js';
import { table, isoMinute } from './format.js';
import { oneLine } from '../text/one-line.js';
import { withApp } from './with-app.js';
import { NotFoundError } from './errors.js';
import { DELIVERY_KIND_LABELS, DELIVERY_STATUS_LABELS, label } from '../domain/labels.js';

function noSubscription(id: string): NotFoundError {
  return new NotFoundError(`Ingen prenumeration med id ${id}.`);
}

function uuid(value: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
    throw new InvalidArgumentError('prenumerationens id är ett uuid');
  }
  return value.toLowerCase();
}

function list(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

function channelLine(s: SubscriptionRow): string {
  if (s.channel === 'webhook') return `webhook ${s.webhook_url ?? ''}`;
  return CHANNEL_LABELS[s.channel];
}

/** A made-up alert that exercises the channel without touching the outbox. */
function testEvent(): EventRow {
  return {
    outbox_id: '0',
    event_id: '0',
    kind: 'new-candidate',
    candidate_id: '00000000-0000-0000-0000-000000000000',
    run_id: null,
    source_id: null,
    created_at: new Date(),
    details: {
      candidate: {
        id: '00000000-0000-0000-0000-000000000000',
        name: 'Testkandidat (provmeddelande från Horisont)',
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
  };
}

export function registerAlertCommands(program: Command): void {
  const subscriptions = program
    .command('subscriptions')
    .description(
      'prenumerationer på ämnen och aviseringar (e-post, sammanställningar, webhooks, Atom-flöden)',
    );

  subscriptions
    .command('add')
    .description(
      'lägg till en prenumeration; skriver ut Atom-flödets adress eller webhookens signeringsnyckel en gång',
    )
    .requiredOption('--name <name>', 'prenumerationens namn, t.ex. "NPO Endokrina sjukdomar: diabetes"')
    .requiredOption('--owner <name>', 'prenumerantens namn')
    .option('--email <address>', 'prenumerantens e-postadress (krävs för e-postkanalerna)')
    .addOption(
      new Option('--channel <channel>', 'hur aviseringarna levereras')
        .choices(CHANNELS)
        .makeOptionMandatory(),
    )
    .option('--webhook-url <url>', 'https-adress till det mottagande systemet (kanalen webhook)')
    .option('--npo <name>', 'programområde (NPO); upprepa flaggan eller skilj med kommatecken', list)
    .option(
      '--keyword <word>',
      'sökord (sv/en/no, * som jokertecken); upprepa eller skilj med kommatecken',
      list,
    )
    .option('--emdn <prefix>', 'början på EMDN-kod, t.ex. J eller W0101; kan upprepas', list)
    .addOption(new Option('--council <council...>', 'råd').choices(COUNCILS))
    .addOption(new Option('--min-band <band>', 'lägsta prioritetsnivå').choices(BANDS))
    .option('--source <id>', 'bara kandidater med belägg från dessa källor; kan upprepas', list)
    .option('--events <kinds>', `händelsetyper, skilda med kommatecken (${EVENT_KINDS.join(', ')})`, list)
    .option('--json', 'resultatet som JSON')
    .action(
      async (options: {
        name: string;
        owner: string;
        email?: string;
        channel: Channel;
        webhookUrl?: string;
        npo?: string[];
        keyword?: string[];
        emdn?: string[];
        council?: string[];
        minBand?: string;
        source?: string[];
        events?: string[];
        json?: boolean;
      }) => {
        await withApp(program, async (ctx, env) => {
          const config = alertConfigFromEnv();
          try {
            const added = await addSubscription(
              ctx.db,
              {
                name: options.name,
                ownerName: options.owner,
                ownerEmail: options.email,
                channel: options.channel,
                webhookUrl: options.webhookUrl,
                filter: {
                  npo: options.npo ?? [],
                  keywords: options.keyword ?? [],
                  emdn: options.emdn ?? [],
                  council: options.council ?? [],
                  ...(options.minBand ? { minBand: options.minBand } : {}),
                  sources: options.source ?? [],
                  ...(options.events ? { events: options.events } : {}),
                },
              },
              { publicOrigin: config.publicOrigin, allowPrivate: allowPrivateHosts(env) },
            );
            if (options.json) {
              console.log(
                JSON.stringify(
                  {
                    id: added.subscription.id,
                    channel: added.subscription.channel,
                    filter: added.subscription.filter,
                    feedUrl: added.feedUrl,
                    webhookSecret: added.webhookSecret,
                  },
                  null,
                  2,
                ),
              );
              return;
            }
            console.log(`Prenumerationen är sparad: ${added.subscription.id}`);
            console.log(`  ${describeFilter(added.subscription.filter)}`);
            console.log(`  Kanal: ${channelLine(added.subscription)}`);
            if (added.feedUrl) console.log(`  Atom-flöde (hemlig adress, visas bara nu): ${added.feedUrl}`);
            if (added.webhookSecret) {
              console.log(
                `  Signeringsnyckel för mottagaren (Standard Webhooks, visas bara nu): ${added.webhookSecret}`,
              );
            }
          } catch (error) {
            if (error instanceof SubscriptionError) {
              console.error(error.message);
              process.exitCode = 2;
              return;
            }
            throw error;
          }
        });
      },
    );

  subscriptions
    .command('list')
    .description('prenumerationerna och vad var och en har fått')
    .option('--json', 'som JSON (utan hemligheter)')
    .action(async (options: { json?: boolean }) => {
      await withApp(program, async (ctx) => {
        const rows = await listSubscriptions(ctx.db);
        const log = await deliveryLog(ctx.db);
        const sent = (id: string, status: string): number =>
          log.filter((d) => d.subscription_id === id && d.status === status).length;
        if (options.json) {
          console.log(
            JSON.stringify(
              rows.map((s) => ({
                id: s.id,
                name: s.name,
                owner: s.owner_name,
                channel: s.channel,
                webhookUrl: s.webhook_url,
                filter: s.filter,
                createdAt: s.created_at.toISOString(),
                deliveries: {
                  sent: sent(s.id, 'sent'),
                  pending: sent(s.id, 'pending'),
                  failed: sent(s.id, 'failed'),
                },
              })),
              null,
              2,
            ),
          );
          return;
        }
        if (rows.length === 0) {
          console.log('Inga prenumerationer. Lägg till med `horisont subscriptions add`.');
          return;
        }
        console.log(
          table(
            ['id', 'namn', 'ägare', 'kanal', 'filter', 'skickade', 'väntande', 'misslyckade'],
            rows.map((s) => [
              s.id,
              oneLine(s.name, 40),
              oneLine(s.owner_name, 24),
              oneLine(channelLine(s), 40),
              oneLine(describeFilter(s.filter), 60),
              String(sent(s.id, 'sent')),
              String(sent(s.id, 'pending')),
              String(sent(s.id, 'failed')),
            ]),
          ),
        );
      });
    });

  subscriptions
    .command('remove')
    .description(
      'ta bort en prenumeration med dess väntande och skickade aviseringar (även vid begäran om radering)',
    )
    .argument('<id>', 'prenumerationens id', uuid)
    .action(async (id: string) => {
      await withApp(program, async (ctx) => {
        if (!(await deleteSubscription(ctx.db, id))) throw noSubscription(id);
        console.log(`Prenumerationen ${id} är borttagen.`);
      });
    });

  subscriptions
    .command('test')
    .description('skicka ett provmeddelande genom prenumerationens kanal nu (utanför utkorgen)')
    .argument('<id>', 'prenumerationens id', uuid)
    .action(async (id: string) => {
      await withApp(program, async (ctx) => {
        const subscription = await getSubscription(ctx.db, id);
        if (!subscription) throw noSubscription(id);
        if (subscription.channel === 'atom') {
          console.log(
            'Atom-flöden hämtas av läsaren; det finns inget att skicka. Flödets adress visades när den lades till.',
          );
          return;
        }
        const config = alertConfigFromEnv();
        const relay = new AlertRelay({ db: ctx.db, http: ctx.http, log: ctx.log, config });
        try {
          await relay.send({
            deliveryId: `test-${Date.now()}`,
            kind: 'single',
            subscription,
            groups: [{ candidateId: testEvent().candidate_id, events: [testEvent()] }],
            links: alertLinks(config.publicOrigin, subscription),
          });
          console.log(`Provmeddelandet skickades (${channelLine(subscription)}).`);
        } catch (error) {
          const e = error as { kind?: string; code?: string; responseCode?: number };
          if (e.code === 'ENOTCONFIGURED') {
            console.error(
              'Ingen e-post är konfigurerad: ange HORISONT_SMTP_URL (eller HORISONT_MAILBOX_DIR).',
            );
            process.exitCode = 1;
            return;
          }
          console.error(
            `Provmeddelandet kunde inte skickas: ${e.kind ?? e.code ?? 'fel'}${e.responseCode ? ` ${e.responseCode}` : ''}`,
          );
          process.exitCode = 1;
        } finally {
          await relay.stop();
        }
      });
    });

  subscriptions
    .command('deliver')
    .description('töm utkorgen för aviseringar en gång nu (en körande `horisont start` gör det själv)')
    .option('--flush-digests', 'skicka dags- och veckosammanställningar nu i stället för på sin timme')
    .action(async (options: { flushDigests?: boolean }) => {
      await withApp(program, async (ctx) => {
        const relay = new AlertRelay({
          db: ctx.db,
          http: ctx.http,
          log: ctx.log,
          config: alertConfigFromEnv(),
        });
        try {
          const result = await relay.drain({ flushDigests: options.flushDigests === true });
          console.log(
            `Levererade ${result.delivered}, misslyckade ${result.failed} (försöks igen), nya utskick ${result.planned}.`,
          );
        } finally {
          await relay.stop();
        }
      });
    });

  subscriptions
    .command('deliveries')
    .description('vad som har skickats, per prenumeration')
    .argument('[id]', 'bara denna prenumeration', uuid)
    .option('--json', 'som JSON')
    .action(async (id: string | undefined, options: { json?: boolean }) => {
      await withApp(program, async (ctx) => {
        if (id !== undefined && !(await getSubscription(ctx.db, id))) throw noSubscription(id);
        const rows = await deliveryLog(ctx.db, id);
        if (options.json) {
          console.log(JSON.stringify(rows, null, 2));
          return;
        }
        console.log(
          table(
            ['utskick', 'prenumeration', 'kanal', 'typ', 'händelser', 'status', 'försök', 'fel', 'skickat'],
            rows.map((d) => [
              d.id,
              oneLine(d.subscription_name, 36),
              CHANNEL_LABELS[d.channel],
              label(DELIVERY_KIND_LABELS, d.kind),
              String(d.events),
              label(DELIVERY_STATUS_LABELS, d.status),
              String(d.attempts),
              d.last_error ?? '',
              d.sent_at ? isoMinute(d.sent_at) : '–',
            ]),
          ),
        );
      });
    });
}
