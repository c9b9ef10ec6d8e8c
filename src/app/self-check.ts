import { Redis } from 'ioredis';
import type { AppContext } from './context.js';
import type { Env } from '../env.js';
import { pendingMigrations } from '../store/migrate.js';

export class SelfCheckError extends Error {
  constructor(readonly problems: string[]) {
    super(`start-up self-check failed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SelfCheckError';
  }
}

/**
 * Refuses to start on a setup that would lose work silently: a Redis that may evict queue keys,
 * or a database behind the code's migrations. Configuration and adapters were already checked
 * when the configuration was loaded.
 */
export async function selfCheck(
  ctx: AppContext,
  env: Env,
  options: { allowEviction: boolean },
): Promise<void> {
  const problems: string[] = [];
  const redis = new Redis(env.REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  try {
    await redis.connect();
    const policy = await redis.config('GET', 'maxmemory-policy').catch(() => undefined);
    const value = Array.isArray(policy) ? String(policy[1]) : undefined;
    if (value === undefined) {
      ctx.log.warn({}, 'self-check: CONFIG GET refused; cannot verify maxmemory-policy is noeviction');
    } else if (value !== 'noeviction' && !options.allowEviction) {
      problems.push(
        `Redis maxmemory-policy is "${value}"; BullMQ needs "noeviction" or queued work can vanish (override: --allow-eviction)`,
      );
    }
  } catch (error) {
    problems.push(`Redis at ${new URL(env.REDIS_URL).host} is not reachable: ${(error as Error).message}`);
  } finally {
    redis.disconnect();
  }
  const pending = await pendingMigrations(ctx.db, env.HORISONT_DB_SCHEMA);
  if (pending.length > 0) problems.push(`database migrations pending: ${pending.join(', ')}`);
  if (problems.length > 0) throw new SelfCheckError(problems);
}
