import { Queue, Worker } from 'bullmq';
import type { ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import { errorKindOf } from '../domain/errors.js';
import type { HttpClient } from '../fetch/http-client.js';
import { backoffDelay } from '../queue/retry-policy.js';
import type { Db } from '../store/db.js';
import { withTransaction } from '../store/db.js';
import {
  claimDeliveries,
  listenForAlerts,
  createDelivery,
  deliveryEvents,
  getSubscription,
  lockReadyRows,
  markAttemptFailed,
  markDelivered,
  nextDueAt,
} from '../store/alerts.js';
import type { AlertListener, ClaimedDelivery, ReadyRow, SubscriptionRow } from '../store/alerts.js';
import type { AlertConfig } from './config.js';
import { recordRunEvents, runsToCheck } from '../store/alert-events.js';
import type { Channel } from '../domain/alert-filter.js';
import { isEmailChannel } from '../domain/alert-filter.js';
import { createMailSender, mailErrorKind } from './mailer.js';
import type { MailSender } from './mailer.js';
import { currentPeriod } from './period.js';
import { groupEvents, htmlOf, subjectOf, textOf, webhookPayload } from './render.js';
import type { AlertLinks, AlertMessage } from './render.js';
import { postWebhook } from './webhook.js';

/** The BullMQ queue whose jobs only wake a relay; the outbox in PostgreSQL is the truth. */
export const ALERT_QUEUE = 'alerts';
/** Deliveries in flight at once per relay: one hanging receiver holds one of them, not all. */
const DELIVERY_LANES = 4;

export interface AlertRelayOptions {
  db: Db;
  http: HttpClient;
  log: Logger;
  config: AlertConfig;
  /** Wake-ups through BullMQ (any relay on any machine takes them); absent: in-process only. */
  queue?: { connection: ConnectionOptions; prefix: string };
  /** Instead of the sender the config describes (tests). */
  mail?: MailSender;
  now?: () => Date;
}

export interface DrainResult {
  runsChecked: number;
  planned: number;
  delivered: number;
  failed: number;
}

export function alertLinks(
  origin: string,
  subscription: Pick<SubscriptionRow, 'unsubscribe_token'>,
): AlertLinks {
  return {
    candidate: (id) => `${origin}/kandidater/${encodeURIComponent(id)}`,
    run: (id) => `${origin}/korningar/${encodeURIComponent(id)}`,
    // A case on the public list has a page anyone can read; before that, the workbench's page.
    case: (caseNumber, isPublic) =>
      `${origin}/${isPublic ? 'arenden' : 'arendehantering'}/${encodeURIComponent(caseNumber)}`,
    unsubscribe: `${origin}/prenumerationer/avsluta/${encodeURIComponent(subscription.unsubscribe_token)}`,
  };
}

/**
 * Drains the alert outbox: turns ready outbox rows into deliveries (single alerts, storms
 * collapsed into one digest, daily/weekly digests), then claims due deliveries with FOR UPDATE
 * SKIP LOCKED and sends them, retrying with backoff under the same id. Any number of relays may
 * run; a lost wake-up only delays delivery until the next sweep.
 */
export class AlertRelay {
  private readonly log: Logger;
  private readonly mail: MailSender | undefined;
  private readonly now: () => Date;
  private queue: Queue | undefined;
  private worker: Worker | undefined;
  private listener: AlertListener | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<DrainResult> | undefined;
  private again = false;
  private flushRequested = false;
  private stopped = false;

  constructor(private readonly options: AlertRelayOptions) {
    this.log = options.log.child({ component: 'alerts' });
    this.mail = options.mail ?? createMailSender(options.config);
    this.now = options.now ?? (() => new Date());
  }

  /** Channels this relay can deliver; e-mail only with a configured sender. */
  get channels(): Channel[] {
    return this.mail ? ['email', 'email-daily', 'email-weekly', 'webhook'] : ['webhook'];
  }

  async start(): Promise<void> {
    const { queue } = this.options;
    if (queue) {
      this.queue = new Queue(ALERT_QUEUE, { connection: queue.connection, prefix: queue.prefix });
      this.worker = new Worker(
        ALERT_QUEUE,
        async () => {
          await this.drain();
        },
        { connection: queue.connection, prefix: queue.prefix, concurrency: 1 },
      );
      // Without listeners BullMQ prints each lost connection as a multi-line stack on stderr.
      this.queue.on('error', (error) =>
        this.log.warn({ err: error.message, error_kind: 'network' }, 'alerts: queue error'),
      );
      this.worker.on('error', (error) =>
        this.log.warn({ err: error.message, error_kind: 'network' }, 'alerts: worker error'),
      );
    }
    await this.listen();
    this.timer = setInterval(() => void this.drainQuietly(), this.options.config.sweepMs);
    this.timer.unref();
    if (!this.mail) this.log.info('alerts: no SMTP configured; e-mail alerts wait in the outbox');
    void this.drainQuietly();
  }

  /** Asks some relay to drain soon. Without a queue (or with Redis away) this one drains. */
  async wake(delayMs = 0): Promise<void> {
    if (this.stopped) return;
    if (this.queue) {
      try {
        const at = Math.ceil((Date.now() + delayMs) / 1000);
        await this.queue.add(
          'wake',
          {},
          delayMs > 0
            ? { delay: delayMs, jobId: `wake-at-${at}`, removeOnComplete: true, removeOnFail: true }
            : { deduplication: { id: 'wake', ttl: 500 }, removeOnComplete: true, removeOnFail: true },
        );
        return;
      } catch (error) {
        this.log.warn({ err: (error as Error).message }, 'alerts: wake-up not queued; draining here');
      }
    }
    if (delayMs > 0) setTimeout(() => void this.drainQuietly(), delayMs).unref();
    else void this.drainQuietly();
  }

  private async drainQuietly(): Promise<void> {
    try {
      await this.drain();
    } catch (error) {
      this.log.error(
        { err: (error as Error).message, error_kind: errorKindOf(error) },
        'alerts: drain failed',
      );
    }
  }

  /** One pass; concurrent calls in this process share it (and one more pass follows). */
  drain(options: { flushDigests?: boolean } = {}): Promise<DrainResult> {
    if (options.flushDigests) this.flushRequested = true;
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const pass = async (): Promise<DrainResult> => {
      const total: DrainResult = { runsChecked: 0, planned: 0, delivered: 0, failed: 0 };
      do {
        this.again = false;
        // Sequential passes by design: a pass that found work may have left more behind.
        // eslint-disable-next-line no-await-in-loop
        const result = await this.drainOnce();
        total.runsChecked += result.runsChecked;
        total.planned += result.planned;
        total.delivered += result.delivered;
        total.failed += result.failed;
      } while (this.again && !this.stopped);
      return total;
    };
    this.running = pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async drainOnce(): Promise<DrainResult> {
    const { db } = this.options;
    const flush = this.flushRequested;
    this.flushRequested = false;
    let runsChecked = 0;
    for (const runId of await runsToCheck(db)) {
      // eslint-disable-next-line no-await-in-loop
      runsChecked += await recordRunEvents(db, runId);
    }
    const planned = (await this.planImmediate()) + (await this.planDigests(flush));
    const lanes = await Promise.all(Array.from({ length: DELIVERY_LANES }, () => this.deliverLane()));
    const delivered = lanes.reduce((sum, lane) => sum + lane.delivered, 0);
    const failed = lanes.reduce((sum, lane) => sum + lane.failed, 0);
    const wait = await nextDueAt(db, this.channels);
    if (wait !== undefined && !this.stopped) {
      if (wait > 0) await this.wake(wait + 50);
      // Due now: go again while passes make progress; otherwise look again shortly.
      else if (delivered + failed > 0) this.again = true;
      else await this.wake(1_000);
    }
    if (planned + delivered + failed + runsChecked > 0) {
      this.log.info({ runs_checked: runsChecked, planned, delivered, failed }, 'alerts: drained');
    }
    return { runsChecked, planned, delivered, failed };
  }

  /**
   * Single alerts (e-mail, webhook): one delivery per candidate and run, unless a subscription
   * got more than the storm limit from one run; then those become one digest.
   */
  private async planImmediate(): Promise<number> {
    const channels = this.channels.filter((c) => c === 'email' || c === 'webhook');
    if (channels.length === 0) return 0;
    const { config } = this.options;
    return withTransaction(this.options.db, async (tx) => {
      const rows = await lockReadyRows(tx, { channels, holdMs: config.holdMs, limit: 5000 });
      let planned = 0;
      for (const [subscriptionId, byRun] of groupBy(rows, (r) => r.subscription_id)) {
        for (const [runId, runRows] of groupBy(byRun, (r) => r.run_id ?? '-')) {
          const groups = groupBy(runRows, (r) => r.candidate_id ?? `event ${r.id}`);
          if (groups.size > config.stormLimit) {
            // eslint-disable-next-line no-await-in-loop
            const id = await createDelivery(
              tx,
              subscriptionId,
              `storm ${runId} ${runRows[0]!.id}`,
              'storm',
              ids(runRows),
            );
            if (id !== undefined) planned++;
            continue;
          }
          for (const groupRows of groups.values()) {
            // eslint-disable-next-line no-await-in-loop
            const id = await createDelivery(
              tx,
              subscriptionId,
              `single ${groupRows[0]!.id}`,
              'single',
              ids(groupRows),
            );
            if (id !== undefined) planned++;
          }
        }
      }
      return planned;
    });
  }

  /** Daily and weekly digests, once per period, with what arrived before the period began. */
  private async planDigests(flush: boolean): Promise<number> {
    if (!this.mail) return 0;
    const { config } = this.options;
    const now = this.now();
    const daily = currentPeriod(now, 'daily', config.digestHour, config.timezone);
    const weekly = currentPeriod(now, 'weekly', config.digestHour, config.timezone);
    return withTransaction(this.options.db, async (tx) => {
      const rows = await lockReadyRows(tx, {
        channels: ['email-daily', 'email-weekly'],
        holdMs: config.holdMs,
        createdBefore: flush ? {} : { 'email-daily': daily.start, 'email-weekly': weekly.start },
        limit: 20_000,
      });
      let planned = 0;
      for (const [subscriptionId, subscriptionRows] of groupBy(rows, (r) => r.subscription_id)) {
        const period = subscriptionRows[0]!.channel === 'email-daily' ? daily : weekly;
        // A flush (demo, `subscriptions test --flush`) sends now without using up the period.
        const key = flush ? `digest flush ${subscriptionRows[0]!.id}` : `digest ${period.key}`;
        // eslint-disable-next-line no-await-in-loop
        const id = await createDelivery(tx, subscriptionId, key, 'digest', ids(subscriptionRows));
        if (id !== undefined) planned++;
      }
      return planned;
    });
  }

  private async deliverLane(): Promise<{ delivered: number; failed: number }> {
    let delivered = 0;
    let failed = 0;
    while (!this.stopped) {
      // eslint-disable-next-line no-await-in-loop
      const [claimed] = await claimDeliveries(this.options.db, {
        channels: this.channels,
        leaseMs: this.options.config.leaseMs,
        limit: 1,
      });
      if (!claimed) break;
      // eslint-disable-next-line no-await-in-loop
      if (await this.deliver(claimed)) delivered++;
      else failed++;
    }
    return { delivered, failed };
  }

  /** Builds the message of a claimed delivery and sends it through its subscription's channel. */
  async message(
    delivery: Pick<ClaimedDelivery, 'id' | 'kind' | 'subscription_id'>,
  ): Promise<AlertMessage | undefined> {
    const subscription = await getSubscription(this.options.db, delivery.subscription_id);
    if (!subscription) return undefined;
    const events = await deliveryEvents(this.options.db, delivery.id);
    return {
      deliveryId: delivery.id,
      kind: delivery.kind,
      subscription,
      groups: groupEvents(events),
      links: alertLinks(this.options.config.publicOrigin, subscription),
    };
  }

  private async deliver(delivery: ClaimedDelivery): Promise<boolean> {
    const { db, config } = this.options;
    const started = performance.now();
    const message = await this.message(delivery);
    const fields = {
      delivery_id: delivery.id,
      subscription_id: delivery.subscription_id,
      channel: message?.subscription.channel,
      kind: delivery.kind,
      attempt: delivery.attempts,
    };
    if (!message || message.groups.length === 0) {
      await markDelivered(db, delivery.id);
      return true;
    }
    try {
      await this.send(message);
      await markDelivered(db, delivery.id);
      this.log.info(
        { ...fields, events: message.groups.length, duration_ms: Math.round(performance.now() - started) },
        'alerts: delivered',
      );
      return true;
    } catch (error) {
      const kind = isEmailChannel(message.subscription.channel)
        ? mailErrorKind(error)
        : webhookErrorKind(error);
      const outcome = await markAttemptFailed(db, delivery.id, {
        error: kind,
        retryInMs: backoffDelay(delivery.attempts, undefined, {
          baseDelayMs: config.retryBaseMs,
          maxDelayMs: config.retryMaxMs,
        }),
        maxAttempts: config.maxAttempts,
        attempt: delivery.attempts,
      });
      this.log.warn(
        {
          ...fields,
          error_kind: kind,
          final: outcome === 'failed',
          duration_ms: Math.round(performance.now() - started),
        },
        'alerts: delivery failed',
      );
      return false;
    }
  }

  /** Sends one message; used by deliveries and by `subscriptions test`. */
  async send(message: AlertMessage): Promise<void> {
    const { subscription } = message;
    if (isEmailChannel(subscription.channel)) {
      if (!this.mail) throw Object.assign(new Error('no mail sender'), { code: 'ENOTCONFIGURED' });
      await this.mail.send({
        to: subscription.owner_email!,
        subject: subjectOf(message),
        text: textOf(message),
        html: htmlOf(message),
        messageId: `<alert-${message.deliveryId}@horisont>`,
        unsubscribeUrl: message.links.unsubscribe,
      });
      return;
    }
    if (subscription.channel === 'webhook') {
      await postWebhook(
        this.options.http,
        {
          url: subscription.webhook_url!,
          secret: subscription.webhook_secret!,
          id: `alert-${message.deliveryId}`,
          body: JSON.stringify(webhookPayload(message)),
        },
        { timeoutMs: this.options.config.webhookTimeoutMs },
      );
      return;
    }
    throw new Error(`alerts: channel ${subscription.channel} is not delivered (it is read as a feed)`);
  }

  /** LISTEN for commits that may have made alerts due; reconnects after a lost connection. */
  private async listen(): Promise<void> {
    if (this.stopped) return;
    let listener: AlertListener | undefined;
    try {
      listener = await listenForAlerts(this.options.db, {
        onNotify: () => {
          // A pass already past its planning step would miss what this commit made due.
          if (this.running) this.again = true;
          void this.wake();
        },
        onLost: (error) => {
          this.log.warn({ err: error.message }, 'alerts: notification connection lost');
          if (this.listener === listener) this.listener = undefined;
          if (!this.stopped) setTimeout(() => void this.listen(), 5_000).unref();
        },
      });
      this.listener = listener;
    } catch (error) {
      this.log.warn(
        { err: (error as Error).message },
        'alerts: cannot listen for notifications; sweeping only',
      );
      if (!this.stopped) setTimeout(() => void this.listen(), 5_000).unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
    await this.worker?.close();
    await this.queue?.close();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.close();
    this.mail?.close();
  }
}

function webhookErrorKind(error: unknown): string {
  const status = (error as { status?: unknown }).status;
  return `${errorKindOf(error)}${typeof status === 'number' ? ` ${status}` : ''}`;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

function ids(rows: readonly ReadyRow[]): string[] {
  return rows.map((r) => r.id);
}
