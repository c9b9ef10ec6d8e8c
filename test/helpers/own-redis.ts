import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

/**
 * A redis-server of the test's own on a free loopback port, for tests that stop, kill, flush or
 * fill it: it can be shut down or killed and started again on the same port and data directory
 * (AOF on, as production runs it), paused or frozen. Never the machine's Redis.
 */
export interface OwnRedis {
  url: string;
  port: number;
  pid(): number | undefined;
  /** `SHUTDOWN NOSAVE` (the AOF is still flushed), then wait for the process to end. */
  shutdown(): Promise<void>;
  /** SIGKILL, then wait for the process to end. */
  kill(): Promise<void>;
  start(): Promise<void>;
  /** A client for the test's own commands (closed by destroy). */
  client(): Redis;
  destroy(): Promise<void>;
}

export interface RedisSettings {
  maxmemory?: string;
  policy?: string;
}

export async function startOwnRedis(settings: RedisSettings = {}): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'horisont-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  const clients: Redis[] = [];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function waitReady(): Promise<void> {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await probe.connect();
          // With AOF the server answers LOADING until the file is read back.
          if ((await probe.ping()) === 'PONG') return;
        } catch (error) {
          if (attempt > 100) throw error;
          probe.disconnect();
          await sleep(100);
        }
      }
    } finally {
      probe.disconnect();
    }
  }

  const server: OwnRedis = {
    url,
    port,
    pid: () => child?.pid,
    async start() {
      if (child) return;
      const started = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          'yes',
          '--appendfsync',
          'everysec',
          '--maxmemory-policy',
          settings.policy ?? 'noeviction',
          ...(settings.maxmemory ? ['--maxmemory', settings.maxmemory] : []),
        ],
        { stdio: 'ignore' },
      );
      child = started;
      exited = new Promise((resolve) =>
        started.once('exit', () => {
          if (child === started) child = undefined;
          resolve();
        }),
      );
      await waitReady();
    },
    async shutdown() {
      if (!child) return;
      const admin = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      admin.on('error', () => {});
      await admin.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
      admin.disconnect();
      await exited;
    },
    async kill() {
      if (!child) return;
      child.kill('SIGKILL');
      await exited;
    },
    client() {
      const client = new Redis(url);
      client.on('error', () => {});
      clients.push(client);
      return client;
    },
    async destroy() {
      for (const client of clients) client.disconnect();
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
