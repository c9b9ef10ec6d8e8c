import { Redis } from 'ioredis';
import { startLocalRedis } from '../../src/app/local-servers.js';
import type { LocalRedis, LocalRedisSettings } from '../../src/app/local-servers.js';

/**
 * A redis-server of the test's own on a free loopback port, for tests that stop, kill, flush or
 * fill it: it can be shut down or killed and started again on the same port and data directory
 * (AOF on, as production runs it), paused or frozen. Never the machine's Redis.
 */
export interface OwnRedis extends LocalRedis {
  /** A client for the test's own commands (closed by destroy). */
  client(): Redis;
}

export type RedisSettings = Omit<LocalRedisSettings, 'binary'>;

export async function startOwnRedis(settings: RedisSettings = {}): Promise<OwnRedis> {
  const server = await startLocalRedis(settings);
  const clients: Redis[] = [];
  return {
    ...server,
    client() {
      const client = new Redis(server.url);
      client.on('error', () => {});
      clients.push(client);
      return client;
    },
    async destroy() {
      for (const client of clients) client.disconnect();
      await server.destroy();
    },
  };
}
