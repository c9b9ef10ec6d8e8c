import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `npm run bench -- --quick` end to end against the real Redis and PostgreSQL: every workload
 * must print its JSON line with its goals. No timing is asserted; the numbers are the bench's.
 * About 90 s of CPU; the timeout allows for a machine shared with other work.
 */
describe('bench --quick', () => {
  it('runs every workload and prints one JSON line each', async () => {
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick'], {
        cwd: REPO,
        env: process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.on('close', (exit) => resolve({ code: exit, stdout: out, stderr: err }));
    });
    const results = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map(
        (line) =>
          JSON.parse(line) as {
            workload: string;
            quick: boolean;
            goals: Array<{ id: string; met: boolean }>;
          },
      );
    expect(code, stderr.slice(-2000)).toBe(0);
    expect(results.map((r) => r.workload).sort()).toEqual(['W1', 'W2', 'W3', 'W4', 'W5']);
    for (const result of results) {
      expect(result.quick).toBe(true);
      expect(result.goals.length).toBeGreaterThan(0);
    }
    expect(stdout).toContain('| goal | what | figure | baseline | ratio | target | met |');
  }, 600_000);
});
