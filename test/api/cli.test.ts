import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerWorkbenchCommands } from '../../src/cli/workbench-commands.js';
import { parseEnv } from '../../src/env.js';

// `horisont users add` and `horisont tokens create` against a schema of their own (real PostgreSQL).
const schema = `c_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const saved = process.env.HORISONT_DB_SCHEMA;
const pool = new pg.Pool({ connectionString: parseEnv().DATABASE_URL, max: 1 });

beforeAll(() => {
  process.env.HORISONT_DB_SCHEMA = schema;
});
afterAll(async () => {
  if (saved === undefined) delete process.env.HORISONT_DB_SCHEMA;
  else process.env.HORISONT_DB_SCHEMA = saved;
  await pool.query(`drop schema if exists ${schema} cascade`);
  await pool.end();
});

async function run(...args: string[]): Promise<string[]> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => {
    lines.push(parts.map(String).join(' '));
  });
  try {
    const program = new Command('horisont').exitOverride();
    registerWorkbenchCommands(program);
    await program.parseAsync(['node', 'horisont', ...args]);
  } finally {
    spy.mockRestore();
  }
  return lines;
}

describe('workbench CLI commands', () => {
  it('users add creates a hashed local account and prints a generated password once', async () => {
    const out = await run('users', 'add', 'greta', '--role', 'reviewer', '--name', 'Greta Granskare');
    expect(out[0]).toBe('Användaren greta (reviewer) är skapad.');
    const password = /Lösenord \(visas bara nu\): (\S+)/.exec(out[1] ?? '')?.[1];
    expect(password).toBeDefined();
    const rows = await pool.query<{ password_hash: string; role: string; display_name: string }>(
      `select password_hash, role, display_name from ${schema}.users where username = 'greta'`,
    );
    expect(rows.rows[0]).toMatchObject({ role: 'reviewer', display_name: 'Greta Granskare' });
    expect(rows.rows[0]!.password_hash).toMatch(/^scrypt\$/);
    expect(rows.rows[0]!.password_hash).not.toContain(password!);
  });

  it('refuses an unknown role', async () => {
    await expect(run('users', 'add', 'x', '--role', 'superuser')).rejects.toThrow(/viewer, reviewer, admin/);
  });

  it('tokens create prints a token stored only as a hash, and both actions are audited', async () => {
    const [token] = await run('tokens', 'create', 'greta', '--name', 'regionens system');
    expect(token).toMatch(/^hrs_[A-Za-z0-9_-]{43}$/);
    const stored = await pool.query<{ token_hash: string }>(`select token_hash from ${schema}.api_tokens`);
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]!.token_hash).not.toContain(token!.slice(4));
    const audit = await pool.query<{ action: string }>(`select action from ${schema}.audit_log order by seq`);
    expect(audit.rows.map((r) => r.action)).toEqual(['user.create', 'token.create']);
  });

  it('manages accounts: list --json, disable, set-role, reset-password, revoke; each audited', async () => {
    await run('users', 'add', 'hugo', '--role', 'viewer');
    const [token] = await run('tokens', 'create', 'hugo');
    expect(token).toMatch(/^hrs_/);
    const listed = JSON.parse((await run('users', 'list', '--json')).join('\n')) as {
      username: string;
      liveTokens: number;
    }[];
    expect(listed.find((u) => u.username === 'hugo')).toMatchObject({ liveTokens: 1 });
    expect(await run('users', 'disable', 'hugo')).toEqual([
      'hugo är avstängd (0 sessioner avslutade; API-nycklarna slutar gälla).',
    ]);
    expect(await run('users', 'set-role', 'hugo', '--role', 'reviewer')).toEqual([
      'hugo har nu rollen Granskare (reviewer).',
    ]);
    const reset = await run('users', 'reset-password', 'hugo');
    expect(reset[1]).toMatch(/^Lösenord \(visas bara nu\): \S{20}$/);
    expect(await run('tokens', 'revoke', 'hugo')).toEqual(['1 API-nycklar för hugo återkallade.']);
    const tokens = JSON.parse((await run('tokens', 'list', 'hugo', '--json')).join('\n')) as {
      revokedAt: string | null;
    }[];
    expect(tokens).toHaveLength(1);
    expect(tokens[0]!.revokedAt).not.toBeNull();
    const audit = await pool.query<{ action: string; details: { via: string } }>(
      `select a.action, a.details from ${schema}.audit_log a join ${schema}.users u on u.id::text = a.subject_id
       where u.username = 'hugo' order by a.seq`,
    );
    expect(audit.rows.map((r) => r.action)).toEqual([
      'user.create',
      'token.create',
      'user.disable',
      'user.role_change',
      'user.password_reset',
      'token.revoke',
    ]);
    expect(audit.rows.slice(2).every((r) => r.details.via === 'cli')).toBe(true);
  });

  it('names an unknown account instead of succeeding', async () => {
    await expect(run('users', 'disable', 'nobody')).rejects.toThrow('Användaren nobody finns inte.');
    await expect(run('tokens', 'list', 'nobody')).rejects.toThrow('Användaren nobody finns inte.');
  });
});
