import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Sign-in throttling shared by every workbench process (Redis), with two independent limits:
 *
 * - per account (whatever the address): the `accountFreeFailures`-th failed attempt and each one
 *   after it make the account wait, 30 s, then 1, 2, 4 … minutes up to `accountMaxDelayMs`. It is
 *   a back-off, not a lock: attempts during a wait are refused without counting, so hammering
 *   an account cannot lengthen its wait, the longest wait is bounded, and a success clears it.
 *   Names that have no account are throttled the same way, so the answer never tells them apart;
 * - per address (whatever the account): `ipMaxFailures` failures within `ipWindowMs`, then the
 *   address waits out the window. Spraying many user names from one address is limited by this.
 *
 * Counters are ephemeral (keys expire) and hold no user name or address, only hashes of them.
 * While Redis cannot be reached the same limits are kept per process, as before, rather than
 * refusing every sign-in.
 */

export interface LoginThrottleSettings {
  accountFreeFailures: number;
  accountBaseDelayMs: number;
  accountMaxDelayMs: number;
  /** How long an account's failures are remembered after its last one. */
  accountMemoryMs: number;
  ipMaxFailures: number;
  ipWindowMs: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleSettings = {
  accountFreeFailures: 5,
  accountBaseDelayMs: 30_000,
  accountMaxDelayMs: 15 * 60_000,
  accountMemoryMs: 24 * 60 * 60_000,
  ipMaxFailures: 30,
  ipWindowMs: 15 * 60_000,
};

export type ThrottleVerdict =
  { allowed: true } | { allowed: false; scope: 'account' | 'address'; retryAfterMs: number };

/** The wait after an account's `failures`-th failure: none before the free ones are used up. */
export function accountDelayMs(failures: number, settings: LoginThrottleSettings): number {
  const over = failures - settings.accountFreeFailures;
  if (over < 0) return 0;
  return Math.min(settings.accountMaxDelayMs, settings.accountBaseDelayMs * 2 ** Math.min(over, 30));
}

interface AttemptState {
  /** Epoch ms until which the account waits (0: it does not). */
  accountUntil: number;
  ipFailures: number;
  /** Epoch ms when the address's window ends. */
  ipResetAt: number;
}

/** Where the counters live: Redis for every process, or this process alone. */
interface AttemptStore {
  read(account: string, address: string, now: number): Promise<AttemptState>;
  /** Counts a failure for both; returns the account's failures so far. */
  fail(account: string, address: string, now: number, settings: LoginThrottleSettings): Promise<number>;
  wait(account: string, until: number, settings: LoginThrottleSettings): Promise<void>;
  clear(account: string): Promise<void>;
}

class MemoryAttemptStore implements AttemptStore {
  private readonly accounts = new Map<string, { failures: number; until: number; expires: number }>();
  private readonly addresses = new Map<string, { failures: number; resetAt: number }>();

  private prune(now: number): void {
    if (this.accounts.size + this.addresses.size < 10_000) return;
    for (const [key, value] of this.accounts) if (value.expires <= now) this.accounts.delete(key);
    for (const [key, value] of this.addresses) if (value.resetAt <= now) this.addresses.delete(key);
  }

  read(account: string, address: string, now: number): Promise<AttemptState> {
    const a = this.accounts.get(account);
    const ip = this.addresses.get(address);
    const live = ip !== undefined && ip.resetAt > now;
    return Promise.resolve({
      accountUntil: a !== undefined && a.expires > now ? a.until : 0,
      ipFailures: live ? ip.failures : 0,
      ipResetAt: live ? ip.resetAt : 0,
    });
  }

  fail(account: string, address: string, now: number, settings: LoginThrottleSettings): Promise<number> {
    this.prune(now);
    const a = this.accounts.get(account);
    const failures = (a !== undefined && a.expires > now ? a.failures : 0) + 1;
    this.accounts.set(account, {
      failures,
      until: a?.until ?? 0,
      expires: now + settings.accountMemoryMs,
    });
    const ip = this.addresses.get(address);
    if (ip === undefined || ip.resetAt <= now) {
      this.addresses.set(address, { failures: 1, resetAt: now + settings.ipWindowMs });
    } else {
      ip.failures += 1;
    }
    return Promise.resolve(failures);
  }

  wait(account: string, until: number): Promise<void> {
    const a = this.accounts.get(account);
    if (a) a.until = until;
    return Promise.resolve();
  }

  clear(account: string): Promise<void> {
    this.accounts.delete(account);
    return Promise.resolve();
  }
}

class RedisAttemptStore implements AttemptStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private accountKey(account: string): string {
    return `${this.prefix}:login:account:${account}`;
  }

  private addressKey(address: string): string {
    return `${this.prefix}:login:address:${address}`;
  }

  private async ready(): Promise<void> {
    if (this.redis.status === 'wait') await this.redis.connect();
  }

  async read(account: string, address: string, now: number): Promise<AttemptState> {
    await this.ready();
    const [until, failures, ttl] = await Promise.all([
      this.redis.hget(this.accountKey(account), 'until'),
      this.redis.get(this.addressKey(address)),
      this.redis.pttl(this.addressKey(address)),
    ]);
    return {
      accountUntil: Number(until ?? 0),
      ipFailures: Number(failures ?? 0),
      ipResetAt: ttl > 0 ? now + ttl : 0,
    };
  }

  async fail(
    account: string,
    address: string,
    _now: number,
    settings: LoginThrottleSettings,
  ): Promise<number> {
    await this.ready();
    const results = await this.redis
      .multi()
      .hincrby(this.accountKey(account), 'failures', 1)
      .pexpire(this.accountKey(account), settings.accountMemoryMs)
      .incr(this.addressKey(address))
      // The window starts at an address's first failure and is not extended by later ones.
      .pexpire(this.addressKey(address), settings.ipWindowMs, 'NX')
      .exec();
    const failed = results?.find(([error]) => error !== null);
    if (!results || failed) throw failed?.[0] ?? new Error('login throttle: transaction discarded');
    return Number(results[0]![1]);
  }

  async wait(account: string, until: number, settings: LoginThrottleSettings): Promise<void> {
    await this.redis
      .multi()
      .hset(this.accountKey(account), 'until', String(until))
      .pexpire(this.accountKey(account), settings.accountMemoryMs)
      .exec();
  }

  async clear(account: string): Promise<void> {
    await this.ready();
    await this.redis.del(this.accountKey(account));
  }
}

function digest(kind: string, value: string): string {
  return createHash('sha256').update(`horisont login ${kind}\u0000${value}`).digest('hex').slice(0, 32);
}

export class LoginThrottle {
  private readonly settings: LoginThrottleSettings;
  private readonly local = new MemoryAttemptStore();
  private readonly shared: AttemptStore | undefined;
  private readonly log: Logger | undefined;
  private readonly now: () => number;

  constructor(
    options: {
      redis?: Redis | undefined;
      prefix?: string | undefined;
      settings?: Partial<LoginThrottleSettings> | undefined;
      log?: Logger | undefined;
      now?: () => number;
    } = {},
  ) {
    this.settings = { ...DEFAULT_LOGIN_THROTTLE, ...options.settings };
    this.shared = options.redis
      ? new RedisAttemptStore(options.redis, options.prefix ?? 'horisont')
      : undefined;
    this.log = options.log;
    this.now = options.now ?? Date.now;
  }

  /** Runs on the shared store, or on this process's own when Redis cannot answer. */
  private async use<T>(work: (store: AttemptStore) => Promise<T>): Promise<T> {
    if (this.shared) {
      try {
        return await work(this.shared);
      } catch (error) {
        this.log?.warn(
          { err: error instanceof Error ? error.message : String(error), error_kind: 'network' },
          'web: login throttle cannot reach Redis; limits apply per process meanwhile',
        );
      }
    }
    return work(this.local);
  }

  /** Whether a sign-in for `username` from `ip` may be tried now. */
  async check(username: string, ip: string): Promise<ThrottleVerdict> {
    const now = this.now();
    const state = await this.use((store) =>
      store.read(digest('account', username.toLowerCase()), digest('address', ip), now),
    );
    if (state.accountUntil > now) {
      return { allowed: false, scope: 'account', retryAfterMs: state.accountUntil - now };
    }
    if (state.ipFailures >= this.settings.ipMaxFailures && state.ipResetAt > now) {
      return { allowed: false, scope: 'address', retryAfterMs: state.ipResetAt - now };
    }
    return { allowed: true };
  }

  async failed(username: string, ip: string): Promise<void> {
    const account = digest('account', username.toLowerCase());
    const now = this.now();
    await this.use(async (store) => {
      const failures = await store.fail(account, digest('address', ip), now, this.settings);
      const delay = accountDelayMs(failures, this.settings);
      if (delay > 0) await store.wait(account, now + delay, this.settings);
    });
  }

  async succeeded(username: string): Promise<void> {
    await this.use((store) => store.clear(digest('account', username.toLowerCase())));
  }
}
