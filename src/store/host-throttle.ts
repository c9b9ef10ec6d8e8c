import type { Db } from './db.js';
import type { HostThrottle } from '../fetch/host-throttle.js';

/**
 * Per-host politeness shared by every worker on every machine: one atomic upsert hands out the
 * next free send slot, so two fetches to one host never get the same slot whatever their process.
 */
export class PgHostThrottle implements HostThrottle {
  constructor(private readonly db: Db) {}

  async reserve(host: string, minIntervalMs: number): Promise<number> {
    const result = await this.db.query<{ wait_ms: number }>(
      `insert into host_throttle (host, next_at)
       values ($1, clock_timestamp() + make_interval(secs => $2::double precision / 1000))
       on conflict (host) do update
         set next_at = greatest(host_throttle.next_at, clock_timestamp())
                       + make_interval(secs => $2::double precision / 1000)
       returning greatest(0, extract(epoch from (next_at - clock_timestamp())) * 1000 - $2)::float8 as wait_ms`,
      [host.toLowerCase(), Math.max(0, minIntervalMs)],
    );
    return Math.ceil(result.rows[0]?.wait_ms ?? 0);
  }

  /** Pushes the host's next free slot to at least `ms` from now (a 429/503 with Retry-After). */
  async penalise(host: string, ms: number): Promise<void> {
    await this.db.query(
      `insert into host_throttle (host, next_at)
       values ($1, clock_timestamp() + make_interval(secs => $2::double precision / 1000))
       on conflict (host) do update set next_at = greatest(host_throttle.next_at, excluded.next_at)`,
      [host.toLowerCase(), Math.max(0, ms)],
    );
  }
}
