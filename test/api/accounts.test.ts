import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, bearer, login, postForm, csrfFrom, PASSWORD } from './world.js';
import type { World } from './world.js';
import { createApiToken, createUser } from '../../src/store/users.js';

// Account management through the JSON API and the admin page: every change takes effect at the
// next request (sessions and tokens included) and leaves an audit row.
let w: World;

beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => {
  await w?.close();
});

const json = { 'content-type': 'application/json' };

async function auditActions(username: string): Promise<string[]> {
  const rows = await w.h.query<{ action: string }>(
    `select a.action from audit_log a join users u on u.id::text = a.subject_id
     where u.username = $1 order by a.seq`,
    [username],
  );
  return rows.map((r) => r.action);
}

describe('accounts through the API', () => {
  it('lists accounts with status, and only for administrators', async () => {
    const list = await w.app.inject({ url: '/api/users', headers: bearer(w.accounts.admin) });
    expect(list.statusCode).toBe(200);
    expect(
      list.json<{ users: { username: string; disabled: boolean }[] }>().users.map((u) => u.username),
    ).toEqual(expect.arrayContaining(['viewer-test', 'reviewer-test', 'admin-test']));
    const refused = await w.app.inject({ url: '/api/users', headers: bearer(w.accounts.reviewer) });
    expect(refused.statusCode).toBe(403);
  });

  it('disabling stops the account’s session and token at once; enabling restores the token', async () => {
    await createUser(w.ctx.db, { username: 'tove', role: 'reviewer', password: PASSWORD });
    const session = await login(w.app, 'tove');
    const me = { cookie: session.cookie };
    expect((await w.app.inject({ url: '/api/me', headers: me })).statusCode).toBe(200);
    const user = (await w.h.query<{ id: string }>(`select id from users where username = 'tove'`))[0]!;
    const token = (await createApiToken(w.ctx.db, user.id, 'toves skript')).token;
    const auth = { authorization: `Bearer ${token}` };
    expect((await w.app.inject({ url: '/api/candidates', headers: auth })).statusCode).toBe(200);

    const disabled = await w.app.inject({
      method: 'PATCH',
      url: '/api/users/tove',
      headers: { ...bearer(w.accounts.admin), ...json },
      payload: { disabled: true },
    });
    expect(disabled.statusCode, disabled.body).toBe(200);
    expect(disabled.json<{ user: { disabled: boolean } }>().user.disabled).toBe(true);
    expect((await w.app.inject({ url: '/api/me', headers: me })).statusCode).toBe(401);
    expect((await w.app.inject({ url: '/api/candidates', headers: auth })).statusCode).toBe(401);
    // The login form refuses it too.
    await expect(login(w.app, 'tove')).rejects.toThrow(/login failed: 401/);

    await w.app.inject({
      method: 'PATCH',
      url: '/api/users/tove',
      headers: { ...bearer(w.accounts.admin), ...json },
      payload: { disabled: false },
    });
    expect((await w.app.inject({ url: '/api/candidates', headers: auth })).statusCode).toBe(200);
    expect(await auditActions('tove')).toEqual(['auth.login', 'user.disable', 'user.enable']);
  });

  it('changes a role, resets a password (signing out everywhere) and revokes tokens', async () => {
    await createUser(w.ctx.db, { username: 'ulf', role: 'viewer', password: PASSWORD });
    const session = await login(w.app, 'ulf');
    const role = await w.app.inject({
      method: 'PATCH',
      url: '/api/users/ulf',
      headers: { ...bearer(w.accounts.admin), ...json },
      payload: { role: 'reviewer' },
    });
    expect(role.json<{ user: { role: string } }>().user.role).toBe('reviewer');
    // The role applies to the running session at its next request.
    const me = await w.app.inject({ url: '/api/me', headers: { cookie: session.cookie } });
    expect(me.json<{ user: { role: string } }>().user.role).toBe('reviewer');

    const reset = await w.app.inject({
      method: 'POST',
      url: '/api/users/ulf/password',
      headers: { ...bearer(w.accounts.admin), ...json },
      payload: {},
    });
    const { password, sessionsEnded } = reset.json<{ password: string; sessionsEnded: number }>();
    expect(password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(sessionsEnded).toBe(1);
    expect((await w.app.inject({ url: '/api/me', headers: { cookie: session.cookie } })).statusCode).toBe(
      401,
    );
    await expect(login(w.app, 'ulf')).rejects.toThrow(/401/);
    await login(w.app, 'ulf', password);

    const user = (await w.h.query<{ id: string }>(`select id from users where username = 'ulf'`))[0]!;
    const [a, b] = [
      await createApiToken(w.ctx.db, user.id, 'a'),
      await createApiToken(w.ctx.db, user.id, 'b'),
    ];
    const one = await w.app.inject({
      method: 'DELETE',
      url: `/api/users/ulf/tokens/${a.id}`,
      headers: bearer(w.accounts.admin),
    });
    expect(one.json()).toEqual({ revoked: [a.id] });
    const auth = (t: string) => ({ authorization: `Bearer ${t}` });
    expect((await w.app.inject({ url: '/api/candidates', headers: auth(a.token) })).statusCode).toBe(401);
    expect((await w.app.inject({ url: '/api/candidates', headers: auth(b.token) })).statusCode).toBe(200);
    const listed = await w.app.inject({ url: '/api/users/ulf/tokens', headers: bearer(w.accounts.admin) });
    const tokens = listed.json<{ tokens: { id: string; revokedAt: string | null; prefix: string }[] }>()
      .tokens;
    expect(tokens.map((t) => [t.id, t.revokedAt === null])).toEqual(
      expect.arrayContaining([
        [a.id, false],
        [b.id, true],
      ]),
    );
    expect(JSON.stringify(tokens)).not.toContain(b.token);
    const all = await w.app.inject({
      method: 'DELETE',
      url: '/api/users/ulf/tokens',
      headers: bearer(w.accounts.admin),
    });
    expect(all.json()).toEqual({ revoked: [b.id] });
    expect((await w.app.inject({ url: '/api/candidates', headers: auth(b.token) })).statusCode).toBe(401);

    expect(await auditActions('ulf')).toEqual([
      'auth.login',
      'user.role_change',
      'user.password_reset',
      'auth.login',
      'token.revoke',
      'token.revoke',
    ]);
    const [change] = await w.h.query<{ before: unknown; after: unknown; actor_name: string }>(
      `select before, after, actor_name from audit_log where action = 'user.role_change' and subject_id = $1`,
      [user.id],
    );
    expect(change).toMatchObject({
      before: { username: 'ulf', role: 'viewer' },
      after: { username: 'ulf', role: 'reviewer' },
      actor_name: 'Adam Admin',
    });
    const reset_ = await w.h.query<{ after: unknown }>(
      `select after from audit_log where action = 'user.password_reset' and subject_id = $1`,
      [user.id],
    );
    expect(JSON.stringify(reset_)).not.toContain(password);
  });

  it('refuses to lock out the last administrator, an IdP-managed role, and unknown accounts', async () => {
    const lastAdmin = await w.app.inject({
      method: 'PATCH',
      url: '/api/users/admin-test',
      headers: { ...bearer(w.accounts.admin), ...json },
      payload: { disabled: true },
    });
    expect(lastAdmin.statusCode).toBe(409);
    expect(lastAdmin.json<{ error: { message: string } }>().error.message).toContain(
      'enda aktiva administratören',
    );

    await createUser(w.ctx.db, { username: 'oidc:anna', role: 'viewer', authSource: 'oidc' });
    const idp = await w.app.inject({
      method: 'PATCH',
      url: '/api/users/oidc:anna',
      headers: { ...bearer(w.accounts.admin), ...json },
      payload: { role: 'admin' },
    });
    expect(idp.statusCode).toBe(409);
    expect(idp.json<{ error: { message: string } }>().error.message).toContain('identitetsleverantören');

    const unknown = await w.app.inject({
      method: 'PATCH',
      url: '/api/users/nobody',
      headers: { ...bearer(w.accounts.admin), ...json },
      payload: { disabled: true },
    });
    expect(unknown.statusCode).toBe(404);
    const badToken = await w.app.inject({
      method: 'DELETE',
      url: '/api/users/viewer-test/tokens/not-a-uuid',
      headers: bearer(w.accounts.admin),
    });
    expect(badToken.statusCode).toBe(400);
  });
});

describe('the admin page', () => {
  it('disables and enables an account, resets a password shown once, never for the admin’s own row', async () => {
    await createUser(w.ctx.db, { username: 'vilma', role: 'viewer', password: PASSWORD });
    const admin = await login(w.app, 'admin-test');
    const page = await w.app.inject({ url: '/admin/anvandare', headers: { cookie: admin.cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Stäng av');
    expect(page.body).toContain('Ditt eget konto');
    expect(csrfFrom(page.body)).toBe(admin.csrf);

    const off = await postForm(w.app, admin, '/admin/anvandare/vilma/stang-av', {});
    expect(off.statusCode).toBe(200);
    expect(off.body).toContain('vilma är avstängd');
    await expect(login(w.app, 'vilma')).rejects.toThrow(/401/);
    const on = await postForm(w.app, admin, '/admin/anvandare/vilma/aktivera', {});
    expect(on.body).toContain('vilma är aktiv igen');

    const reset = await postForm(w.app, admin, '/admin/anvandare/vilma/losenord', {});
    expect(reset.headers['cache-control']).toBe('no-store');
    const password = /<code class="secret">([^<]+)<\/code>/.exec(reset.body)?.[1];
    expect(password).toBeDefined();
    await login(w.app, 'vilma', password);

    const role = await postForm(w.app, admin, '/admin/anvandare/vilma/roll', { role: 'reviewer' });
    expect(role.body).toContain('vilma har nu rollen Granskare');
    const own = await postForm(w.app, admin, '/admin/anvandare/admin-test/stang-av', {});
    expect(own.statusCode).toBe(409);

    const reviewer = await login(w.app, 'reviewer-test');
    const refused = await postForm(w.app, reviewer, '/admin/anvandare/vilma/stang-av', {});
    expect(refused.statusCode).toBe(403);
    expect(await auditActions('vilma')).toEqual([
      'user.disable',
      'user.enable',
      'user.password_reset',
      'auth.login',
      'user.role_change',
    ]);
  });
});
