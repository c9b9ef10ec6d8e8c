import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildWebApp } from '../../src/api/app.js';
import { LoginThrottle, accountDelayMs, DEFAULT_LOGIN_THROTTLE } from '../../src/api/login-throttle.js';
import { createWorld, csrfFrom, PASSWORD, setCookieOf } from './world.js';
import type { World } from './world.js';

/**
 * Sign-in throttling (issue 21): shared by every workbench process through Redis, per account
 * and per address independently, an account's back-off growing rather than locking, every
 * throttled attempt in the audit log. Real Redis and PostgreSQL.
 */

let w: World;
let other: FastifyInstance;

beforeAll(async () => {
  w = await createWorld({ loginThrottle: { accountFreeFailures: 3, ipMaxFailures: 8 } });
  // A second workbench process on the same Redis and database.
  other = await buildWebApp(w.ctx, { loginThrottle: { accountFreeFailures: 3, ipMaxFailures: 8 } });
});
afterAll(async () => {
  await other?.close();
  await w?.close();
});

async function attempt(app: FastifyInstance, username: string, password: string, ip = '192.0.2.10') {
  const page = await app.inject({ url: '/logga-in', remoteAddress: ip });
  return app.inject({
    method: 'POST',
    url: '/logga-in',
    remoteAddress: ip,
    headers: {
      cookie: setCookieOf(page)!.split(';')[0]!,
      origin: 'http://localhost:80',
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: new URLSearchParams({ username, password, _csrf: csrfFrom(page.body) }).toString(),
  });
}

async function audited(action: string): Promise<Array<{ username: string; scope: string }>> {
  return w.h.query(
    `select details->>'username' as username, details->>'scope' as scope from audit_log
     where action = $1 order by seq`,
    [action],
  );
}

describe('sign-in throttling across processes', () => {
  it('failures on one process count on the other: the account waits, with Retry-After, audited', async () => {
    expect((await attempt(w.app, 'admin-test', 'fel-1')).statusCode).toBe(401);
    expect((await attempt(other, 'admin-test', 'fel-2', '198.51.100.7')).statusCode).toBe(401);
    expect((await attempt(w.app, 'admin-test', 'fel-3', '203.0.113.9')).statusCode).toBe(401);
    // From a fourth address, on the other process, with the right password: the account waits.
    const waiting = await attempt(other, 'admin-test', PASSWORD, '192.0.2.99');
    expect(waiting.statusCode).toBe(429);
    expect(waiting.body).toContain('För många misslyckade inloggningsförsök för kontot');
    expect(Number(waiting.headers['retry-after'])).toBeGreaterThan(0);
    expect(await audited('auth.login_throttled')).toEqual([{ username: 'admin-test', scope: 'account' }]);
    // Another account from the same addresses is not affected.
    expect((await attempt(w.app, 'viewer-test', PASSWORD)).statusCode).toBe(303);
  });

  it('spraying many user names from one address is limited at the address, not at the accounts', async () => {
    const sprayer = '192.0.2.66';
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push(
        (await attempt(i % 2 === 0 ? w.app : other, `nobody-${i}`, 'gissning', sprayer)).statusCode,
      );
    }
    expect(statuses.slice(0, 8).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(8)).toEqual([429, 429]);
    // The address waits even for a real account and the right password...
    const blocked = await attempt(w.app, 'reviewer-test', PASSWORD, sprayer);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.body).toContain('från din adress');
    // ...while the same account signs in from elsewhere.
    expect((await attempt(other, 'reviewer-test', PASSWORD, '192.0.2.67')).statusCode).toBe(303);
    const scopes = (await audited('auth.login_throttled')).filter((row) => row.scope === 'address');
    expect(scopes).toHaveLength(3);
  });
});

describe('an account backs off; it is never locked', () => {
  const settings = {
    ...DEFAULT_LOGIN_THROTTLE,
    accountFreeFailures: 2,
    accountBaseDelayMs: 1000,
    accountMaxDelayMs: 8000,
  };

  it('waits grow exponentially up to a bound', () => {
    expect([1, 2, 3, 4, 5, 6, 40].map((n) => accountDelayMs(n, settings))).toEqual([
      0, 1000, 2000, 4000, 8000, 8000, 8000,
    ]);
  });

  it('attempts during a wait are refused without lengthening it, and a success clears it (shared Redis, a clock of the test)', async () => {
    const redis = new Redis(w.ctx.pipeline.queues.scan.opts.connection as never);
    let now = 1_000_000;
    const prefix = `throttle-${randomUUID()}`;
    const throttle = new LoginThrottle({ redis, prefix, settings, now: () => now });
    const second = new LoginThrottle({ redis, prefix, settings, now: () => now });
    try {
      await throttle.failed('Greta', '192.0.2.1');
      expect(await throttle.check('GRETA', '192.0.2.3')).toEqual({ allowed: true });
      await second.failed('greta', '192.0.2.2');
      expect(await second.check('greta', '192.0.2.4')).toEqual({
        allowed: false,
        scope: 'account',
        retryAfterMs: 1000,
      });
      // Hammering during the wait: every attempt refused, the wait unchanged.
      for (let i = 0; i < 20; i++) {
        now += 40;
        expect((await second.check('greta', '192.0.2.5')).allowed).toBe(false);
      }
      now = 1_000_000 + 1000;
      expect(await throttle.check('greta', '192.0.2.1')).toEqual({ allowed: true });
      await throttle.failed('greta', '192.0.2.1');
      expect(await throttle.check('greta', '192.0.2.1')).toMatchObject({ retryAfterMs: 2000 });
      now += 2000;
      await throttle.succeeded('greta');
      expect(await second.check('greta', '192.0.2.1')).toEqual({ allowed: true });
    } finally {
      redis.disconnect();
    }
  });

  it('while Redis cannot be reached, the same limits hold per process', async () => {
    const gone = new Redis({
      port: 1,
      host: '127.0.0.1',
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    gone.on('error', () => undefined);
    const throttle = new LoginThrottle({ redis: gone, prefix: 'unused', settings });
    for (let i = 0; i < 2; i++) await throttle.failed('adam', '192.0.2.1');
    expect(await throttle.check('adam', '192.0.2.9')).toMatchObject({ allowed: false, scope: 'account' });
    gone.disconnect();
  });
});
