import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/harness.js';

// No Docker engine runs here, so the image is checked as text: the build context the
// .dockerignore leaves (of the files git tracks), the Dockerfile's stages and the compose file.
const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');

/** `.dockerignore` entries are paths from the context root; these are all plain names or globs. */
function ignored(file: string, patterns: string[]): boolean {
  return patterns.some((pattern) => {
    const regex = new RegExp(`^${pattern.replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}(/|$)`);
    return regex.test(file);
  });
}

describe('the container', () => {
  const patterns = read('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const tracked = execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  const context = tracked.filter((file) => !ignored(file, patterns));

  it('sends a build context without history, dependencies, secrets or test data', () => {
    for (const pattern of ['.git', 'node_modules', 'var', '.env', 'test', 'dist']) {
      expect(patterns).toContain(pattern);
    }
    expect(ignored('.env.production', patterns)).toBe(true);
    expect(context.some((file) => file.startsWith('test/'))).toBe(false);
    // Everything the Dockerfile copies is in the context.
    const dockerfile = read('Dockerfile');
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(copied.length).toBeGreaterThan(3);
    for (const source of copied) {
      expect(
        context.some((file) => file === source || file.startsWith(`${source}/`)),
        source,
      ).toBe(true);
    }
  });

  it('builds in stages, runs production dependencies only, as a non-root user, with a health check', () => {
    const dockerfile = read('Dockerfile');
    expect([...dockerfile.matchAll(/^FROM /gm)].length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev/m);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).not.toMatch(/npm ci(?! --omit=dev)/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^EXPOSE 8080$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/readyz/m);
  });

  it('compose starts PostgreSQL, Redis (AOF, noeviction) and Horisont once both are healthy', () => {
    const compose = parse(read('docker-compose.yml')) as {
      services: Record<string, { command?: string[]; depends_on?: Record<string, { condition: string }> }>;
    };
    expect(Object.keys(compose.services).sort()).toEqual(['horisont', 'postgres', 'redis']);
    expect(compose.services.redis!.command).toEqual(expect.arrayContaining(['noeviction', '--appendonly']));
    expect(compose.services.horisont!.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
  });
});
