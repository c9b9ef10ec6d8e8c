import type { Logger } from 'pino';
import type { HttpClient } from '../fetch/http-client.js';
import type { Pipeline } from '../queue/pipeline.js';
import type { Db } from '../store/db.js';
import { alertConfigFromEnv } from './config.js';
import type { AlertConfig } from './config.js';
import { AlertRelay } from './relay.js';

/** What a process's relay works with (an application context has all of it). */
export interface RelayHost {
  db: Db;
  http: HttpClient;
  log: Logger;
  /** The relay's wake-up queue lives beside the nomination queue (same Redis, same prefix). */
  pipeline: Pick<Pipeline, 'nominations'>;
}

const relays = new WeakMap<RelayHost, AlertRelay>();

/**
 * Starts the alert relay of a process that runs workers (any number of processes may: they share
 * the outbox through row locks). Settings come from the environment (src/alerts/config.ts).
 */
export function startAlertRelay(ctx: RelayHost, overrides: Partial<AlertConfig> = {}): AlertRelay {
  const existing = relays.get(ctx);
  if (existing) return existing;
  const queue = ctx.pipeline.nominations.opts;
  const relay = new AlertRelay({
    db: ctx.db,
    http: ctx.http,
    log: ctx.log,
    config: alertConfigFromEnv(process.env, overrides),
    queue: { connection: queue.connection, prefix: queue.prefix ?? 'bull' },
  });
  relays.set(ctx, relay);
  relay
    .start()
    .catch((error: unknown) =>
      ctx.log.error({ err: (error as Error).message }, 'alerts: relay did not start'),
    );
  return relay;
}

export function alertRelayOf(ctx: RelayHost): AlertRelay | undefined {
  return relays.get(ctx);
}

export async function stopAlertRelay(ctx: RelayHost): Promise<void> {
  const relay = relays.get(ctx);
  relays.delete(ctx);
  await relay?.stop();
}
