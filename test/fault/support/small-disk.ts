import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readlinkSync, rmSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';

/**
 * Small disks of a test's own: tmpfs mounts inside a private mount namespace, held open by a
 * `sleep` child that dies with the test process, so the machine's mount table never changes and
 * nothing is left mounted after a crash. Programs that must see the mounts (a PostgreSQL server,
 * a worker) run inside with `nsenter` (`launcher`); the test reaches the same files through
 * /proc/<holder>/root. Needs root (CAP_SYS_ADMIN), as CI and the development machine run the
 * fault suite; elsewhere it fails with the reason rather than pretending.
 */
export interface SmallDisks {
  /** Prefix a command with this to run it inside the namespace. */
  launcher: string[];
  /** Mounts a tmpfs of `megabytes` at `dir` (an existing directory) inside the namespace. */
  mount(dir: string, megabytes: number, owner?: { uid: number; gid: number }): void;
  /** The path through which this process sees `file` as the namespace does. */
  inside(file: string): string;
  /** Fills the file system holding `dir` to the last byte with a ballast file; returns its size. */
  fill(dir: string): number;
  /** Removes the ballast: the space comes back. */
  free(dir: string): void;
  close(): void;
}

const BALLAST = '.ballast';

export async function startSmallDisks(): Promise<SmallDisks> {
  let holder: ChildProcess;
  try {
    execFileSync('unshare', ['--mount', '--propagation', 'private', 'true'], { stdio: 'pipe' });
    holder = spawn(
      'unshare',
      ['--mount', '--propagation', 'private', 'setpriv', '--pdeathsig', 'KILL', '--', 'sleep', 'infinity'],
      { stdio: 'ignore' },
    );
  } catch (error) {
    throw new Error(
      `small disks need a mount namespace of their own (root, CAP_SYS_ADMIN, unshare and nsenter): ${(error as Error).message}`,
      { cause: error },
    );
  }
  const pid = holder.pid!;
  // Until the holder has left this namespace, nsenter would mount on the machine itself.
  const own = readlinkSync('/proc/self/ns/mnt');
  const separate = (): boolean => {
    try {
      return readlinkSync(`/proc/${pid}/ns/mnt`) !== own;
    } catch {
      return false;
    }
  };
  for (let waited = 0; !separate(); waited += 20) {
    if (waited > 5000 || holder.exitCode !== null) {
      holder.kill('SIGKILL');
      throw new Error('small disks: the mount namespace holder did not start');
    }
    await sleep(20);
  }
  // nsenter moves to / on entering the namespace; programs started through it keep our directory.
  const launcher = ['nsenter', '-t', String(pid), '-m', `--wd=${process.cwd()}`, '--'];
  const run = (args: string[]): void => {
    if (!separate()) throw new Error('small disks: the mount namespace is gone');
    execFileSync(launcher[0]!, [...launcher.slice(1), ...args], { stdio: 'pipe' });
  };
  const inside = (file: string): string => path.join(`/proc/${pid}/root`, path.resolve(file));
  return {
    launcher,
    mount(dir, megabytes, owner) {
      const ownership = owner ? `,uid=${owner.uid},gid=${owner.gid},mode=0700` : ',mode=0777';
      run([
        'mount',
        '-t',
        'tmpfs',
        '-o',
        `size=${megabytes}m${ownership}`,
        'horisont-test',
        path.resolve(dir),
      ]);
    },
    inside,
    fill(dir) {
      const fd = openSync(inside(path.join(dir, BALLAST)), 'w');
      let written = 0;
      try {
        // Large blocks first, then single pages, until not one more byte fits.
        for (const size of [1024 * 1024, 4096, 1]) {
          const block = Buffer.alloc(size, 0x5a);
          for (;;) {
            try {
              written += writeSync(fd, block);
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
              break;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
      return written;
    },
    free(dir) {
      rmSync(inside(path.join(dir, BALLAST)), { force: true });
    },
    close() {
      holder.kill('SIGKILL');
    },
  };
}
