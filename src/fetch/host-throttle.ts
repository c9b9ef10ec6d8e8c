/** Reserves the next send slot for a host; resolves with how long to wait (ms, >= 0) before sending. Implementations must be safe under concurrency (two callers never get the same slot). */
export interface HostThrottle {
  reserve(host: string, minIntervalMs: number): Promise<number>;
  /**
   * The host asked us to stay away (429/503 with Retry-After): no slot is handed out before
   * `ms` from now, so parallel requests to the host wait too instead of hammering it.
   */
  penalise?(host: string, ms: number): Promise<void>;
}

/**
 * In-process throttle. Reservation is synchronous inside `reserve`, so concurrent callers in one
 * process are serialised by the event loop and each gets its own slot. It does not coordinate
 * between processes; the PostgreSQL-backed throttle does that. It keeps no Retry-After
 * penalties: the client's unit tests classify many rate-limit answers from one loopback host.
 */
export class MemoryHostThrottle implements HostThrottle {
  private readonly nextFree = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  reserve(host: string, minIntervalMs: number): Promise<number> {
    const now = this.now();
    const key = host.toLowerCase();
    const slot = Math.max(now, this.nextFree.get(key) ?? now);
    this.nextFree.set(key, slot + Math.max(0, minIntervalMs));
    this.prune(now);
    return Promise.resolve(slot - now);
  }

  /** Slots in the past carry no information; dropping them keeps the map bounded by active hosts. */
  private prune(now: number): void {
    if (this.nextFree.size < 1024) return;
    for (const [host, next] of this.nextFree) {
      if (next <= now) this.nextFree.delete(host);
    }
  }
}
