import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort } from './free-port.js';

/**
 * A PostgreSQL server of the test's own (durable settings: a crash-stop must lose no committed
 * transaction, or the queue would hold jobs for rows the database forgot), in a temporary data directory on a free loopback port,
 * so fault tests can stop, crash and restart it without touching the machine's cluster. As root
 * (CI, this machine) the server runs as the `postgres` user, as PostgreSQL insists.
 */
export interface OwnPostgres {
  url: string;
  port: number;
  /** PID of the postmaster while it runs. */
  pid(): number | undefined;
  /** Crash-stop (`-m immediate`: no checkpoint, every backend killed, recovery at next start). */
  stopImmediate(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its data directory. */
  destroy(): Promise<void>;
}

function binDir(): string {
  if (process.env.PG_BINDIR) return process.env.PG_BINDIR;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error('own-postgres: no PostgreSQL server binaries (set PG_BINDIR)');
  return path.join(root, versions[0]!, 'bin');
}

/** Runs as the postgres user when we are root (setpriv execs in place, so PIDs stay the server's). */
function asServerUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', command, ...args]];
}

function ownerIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bin = binDir();
  const port = await freePort();
  const root = mkdtempSync(path.join(tmpdir(), 'horisont-pg-'));
  const data = path.join(root, 'data');
  const owner = ownerIds();
  if (owner) chownSync(root, owner.uid, owner.gid);
  const [initCmd, initArgs] = asServerUser(path.join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  execFileSync(initCmd, initArgs, { stdio: 'ignore' });

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;

  async function waitReady(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query('select 1');
        await client.end();
        return;
      } catch (error) {
        await client.end().catch(() => undefined);
        if (attempt > 150 || child === undefined) throw error;
        await sleep(100);
      }
    }
  }

  const server: OwnPostgres = {
    url,
    port,
    pid: () => child?.pid,
    async start() {
      if (child) return;
      const [cmd, args] = asServerUser(path.join(bin, 'postgres'), [
        '-D',
        data,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        'max_connections=200',
      ]);
      const started = spawn(cmd, args, { stdio: 'ignore' });
      child = started;
      exited = new Promise((resolve) =>
        started.once('exit', () => {
          if (child === started) child = undefined;
          resolve();
        }),
      );
      await waitReady();
    },
    async stopImmediate() {
      if (!child) return;
      // SIGQUIT to the postmaster is `pg_ctl stop -m immediate`.
      child.kill('SIGQUIT');
      await exited;
    },
    async destroy() {
      if (child) {
        child.kill('SIGQUIT');
        await exited;
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
