import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';

/**
 * A Redis client on the queues' server that never queues a command while disconnected, so a
 * caller fails at once instead of waiting for a reconnect (BullMQ's own clients wait forever, as
 * workers should): readiness probes, and the login throttle, which falls back to its
 * in-process limits while Redis is away.
 */
export function failFastRedis(queue: Queue, connectTimeoutMs: number): Redis {
  const connection = queue.opts.connection as unknown;
  const overrides: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: connectTimeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  };
  let client: Redis;
  if (connection instanceof Redis) {
    client = new Redis({ ...connection.options, ...overrides });
  } else {
    const { url, ...rest } = (connection ?? {}) as RedisOptions & { url?: string };
    client = url ? new Redis(url, { ...rest, ...overrides }) : new Redis({ ...rest, ...overrides });
  }
  // Failures are reported by the callers; an unhandled 'error' event would only log noise.
  client.on('error', () => undefined);
  return client;
}
