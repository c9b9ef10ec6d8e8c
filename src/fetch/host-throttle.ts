/**
 * Per-host politeness in two steps. `reserve` hands out send slots in order, so parallel requests
 * to a host queue up fairly; `claim`, called right before a request leaves, checks the spacing
 * against the host's last actual send. Slots alone do not space sends: a request that leaves late
 * (a busy event loop, a deferred job picked up late) would otherwise go out less than the
 * interval before the next slot's request, which leaves on time.
 * Implementations must be safe under concurrency: two callers never get the same slot, and never
 * both claim a send within one interval.
 */
export interface HostThrottle {
  /** Reserves the next send slot for a host; resolves with how long to wait (ms, >= 0) for it. */
  reserve(host: string, minIntervalMs: number): Promise<number>;
  /**
   * Records a send to the host now, unless its last send was less than `minIntervalMs` ago or it
   * asked us to stay away (`penalise`): resolves with 0 when the send may leave at once, else with
   * how long to wait (ms, > 0) before claiming again.
   */
  claim(host: string, minIntervalMs: number): Promise<number>;
  /**
   * The claimed request's first byte is being written now: its send counts from here, which may
   * be later than its claim (a busy event loop between the claim's answer and the write, a new
   * connection's handshake), so the next claim measures from the actual send.
   */
  sent(host: string, minIntervalMs: number): Promise<void>;
  /**
   * The host asked us to stay away (429/503 with Retry-After): no slot is handed out and no send
   * claimed before `ms` from now, so parallel requests to the host wait too, slots already
   * reserved included, instead of hammering it.
   */
  penalise?(host: string, ms: number): Promise<void>;
}

/**
 * In-process throttle. Each call decides synchronously, so concurrent callers in one process are
 * serialised by the event loop. It does not coordinate between processes; the PostgreSQL-backed
 * throttle does that. It keeps no Retry-After penalties: the client's unit tests classify many
 * rate-limit answers from one loopback host.
 */
export class MemoryHostThrottle implements HostThrottle {
  private readonly nextFree = new Map<string, number>();
  private readonly lastSent = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  reserve(host: string, minIntervalMs: number): Promise<number> {
    const now = this.now();
    const key = host.toLowerCase();
    const slot = Math.max(now, this.nextFree.get(key) ?? now);
    this.nextFree.set(key, slot + Math.max(0, minIntervalMs));
    this.prune(now);
    return Promise.resolve(slot - now);
  }

  claim(host: string, minIntervalMs: number): Promise<number> {
    const now = this.now();
    const key = host.toLowerCase();
    const last = this.lastSent.get(key);
    const spacing = Math.max(0, minIntervalMs);
    if (last !== undefined && now - last < spacing) return Promise.resolve(last + spacing - now);
    this.lastSent.set(key, now);
    // A late send pushes the slots handed out next, so their waits stay honest.
    this.nextFree.set(key, Math.max(this.nextFree.get(key) ?? now, now + spacing));
    return Promise.resolve(0);
  }

  sent(host: string, minIntervalMs: number): Promise<void> {
    const now = this.now();
    const key = host.toLowerCase();
    this.lastSent.set(key, Math.max(this.lastSent.get(key) ?? now, now));
    this.nextFree.set(key, Math.max(this.nextFree.get(key) ?? now, now + Math.max(0, minIntervalMs)));
    return Promise.resolve();
  }

  /** Slots in the past carry no information; dropping them keeps the maps bounded by active hosts. */
  private prune(now: number): void {
    if (this.nextFree.size < 1024) return;
    for (const [host, next] of this.nextFree) {
      if (next <= now) {
        this.nextFree.delete(host);
        this.lastSent.delete(host);
      }
    }
  }
}
