import { Redis } from 'ioredis';
import type { AppContext } from './context.js';
import type { Env } from '../env.js';
import { currentSetting } from '../store/db.js';
import { pendingMigrations } from '../store/migrate.js';

export class SelfCheckError extends Error {
  constructor(readonly problems: string[]) {
    super(`start-up self-check failed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SelfCheckError';
  }
}

/**
 * Database settings that slow the pipeline down without losing anything: warned about, not
 * refused. With autovacuum off nothing analyses the tables as they grow, and the pipeline's
 * prepared statements keep plans made for the sizes the planner last knew (docs/benchmarks.md, W5:
 * the night took 46 s of PostgreSQL CPU on never-analysed tables against 17 s on analysed ones).
 */
export function databaseSettingWarnings(settings: { autovacuum: string }): string[] {
  return settings.autovacuum === 'off'
    ? [
        'PostgreSQL autovacuum is off: tables are never analysed as they grow and queries get slow plans; turn it on, or run ANALYZE after large loads',
      ]
    : [];
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
  for (const warning of databaseSettingWarnings({ autovacuum: await currentSetting(ctx.db, 'autovacuum') })) {
    ctx.log.warn({}, `self-check: ${warning}`);
  }
  const pending = await pendingMigrations(ctx.db, env.HORISONT_DB_SCHEMA);
  if (pending.length > 0) problems.push(`database migrations pending: ${pending.join(', ')}`);
  if (problems.length > 0) throw new SelfCheckError(problems);
}
