import type { Db } from './db.js';
import type { HostThrottle } from '../fetch/host-throttle.js';

/**
 * Per-host politeness shared by every worker on every machine: one atomic upsert hands out the
 * next free send slot, so two fetches to one host never get the same slot whatever their process,
 * and another records each send only when the host's last send (from any process) is an interval
 * old, so late sends cannot crowd the next one.
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

  async claim(host: string, minIntervalMs: number): Promise<number> {
    // When the update's condition fails, the second branch reads the row that stopped it. Under a
    // concurrent claim the statement's snapshot may predate that row or its last send; the small
    // positive floor (and `undefined` as 1 ms) then makes the caller ask again instead of sending.
    const result = await this.db.query<{ wait_ms: number }>(
      `with spacing as (select make_interval(secs => $2::double precision / 1000) as iv),
       claimed as (
         insert into host_throttle (host, next_at, last_sent_at)
         values ($1, clock_timestamp() + (select iv from spacing), clock_timestamp())
         on conflict (host) do update
           set last_sent_at = clock_timestamp(),
               next_at = greatest(host_throttle.next_at, clock_timestamp() + (select iv from spacing))
           where (host_throttle.last_sent_at is null
                  or host_throttle.last_sent_at <= clock_timestamp() - (select iv from spacing))
             and (host_throttle.held_until is null or host_throttle.held_until <= clock_timestamp())
         returning 0::float8 as wait_ms
       )
       select wait_ms from claimed
       union all
       select greatest(
                1,
                extract(epoch from (greatest(
                  coalesce(last_sent_at + (select iv from spacing), clock_timestamp()),
                  coalesce(held_until, clock_timestamp())
                ) - clock_timestamp())) * 1000
              )::float8
       from host_throttle
       where host = $1 and not exists (select 1 from claimed)`,
      [host.toLowerCase(), Math.max(0, minIntervalMs)],
    );
    const row = result.rows[0];
    return row === undefined ? 1 : Math.ceil(row.wait_ms);
  }

  async sent(host: string, minIntervalMs: number): Promise<void> {
    await this.db.query(
      `update host_throttle
       set last_sent_at = greatest(last_sent_at, clock_timestamp()),
           next_at = greatest(next_at, clock_timestamp() + make_interval(secs => $2::double precision / 1000))
       where host = $1`,
      [host.toLowerCase(), Math.max(0, minIntervalMs)],
    );
  }

  async penalise(host: string, ms: number): Promise<void> {
    await this.db.query(
      `insert into host_throttle (host, next_at, held_until)
       values ($1, clock_timestamp() + make_interval(secs => $2::double precision / 1000),
               clock_timestamp() + make_interval(secs => $2::double precision / 1000))
       on conflict (host) do update
         set next_at = greatest(host_throttle.next_at, excluded.next_at),
             held_until = greatest(host_throttle.held_until, excluded.held_until)`,
      [host.toLowerCase(), Math.max(0, ms)],
    );
  }
}
