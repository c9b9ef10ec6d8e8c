import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcClient, OidcConfig } from '../../src/api/oidc.js';
import { HttpClient } from '../../src/fetch/http-client.js';
import { MemoryHostThrottle } from '../../src/fetch/host-throttle.js';
import { startOidcProvider } from '../helpers/oidc-provider.js';
import type { OidcProvider, ProviderLogin, TokenTampering } from '../helpers/oidc-provider.js';
import { createWorld, setCookieOf } from './world.js';
import type { World } from './world.js';

// The whole authorization-code flow against an OpenID provider this test runs on 127.0.0.1
// (HTTPS, its own keys and certificate). Discovery, keys and the token request go through the
// workbench's guarded HTTP client, which allowlists and trusts only this provider.
const CLIENT_ID = 'horisont-web';
const CLIENT_SECRET = 'hemlig-klienthemlighet';

let provider: OidcProvider;
let http: HttpClient;
let w: World;

const GRETA: ProviderLogin = { sub: 'entra-oid-greta', name: 'Greta Granskare', groups: ['grp-reviewers'] };

beforeAll(async () => {
  provider = await startOidcProvider({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  http = new HttpClient({
    userAgent: 'Mozilla/5.0 (compatible; Horisont/0.1; +https://github.com/horisont)',
    allowPrivate: [provider.host],
    extraCa: provider.ca,
    deadlineMs: 5000,
    connectTimeoutMs: 2000,
    headersTimeoutMs: 5000,
    bodyTimeoutMs: 5000,
    maxBodyBytes: 1024 * 1024,
    maxRedirects: 0,
    throttle: new MemoryHostThrottle(),
    minIntervalMs: () => 0,
  });
  w = await createWorld({
    oidc: OidcConfig.parse({
      issuer: provider.issuer,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: 'http://localhost/logga-in/oidc/callback',
      rolesClaim: 'groups',
      usernameClaim: 'sub',
      roleMap: { 'grp-viewers': 'viewer', 'grp-reviewers': 'reviewer', 'grp-admins': 'admin' },
    }),
    oidcHttp: http,
  });
});

afterAll(async () => {
  await w?.close();
  await http?.close();
  await provider?.close();
});

/** The browser's round trip: start, the provider's login, the callback. */
async function signIn(
  login: ProviderLogin,
  options: { tamper?: TokenTampering; editCallback?: (url: URL) => void } = {},
) {
  const start = await w.app.inject({ url: '/logga-in/oidc?next=%2Fkallor' });
  expect(start.statusCode).toBe(303);
  const cookie = setCookieOf(start)!.split(';')[0]!;
  if (options.tamper) provider.tamperNextToken(options.tamper);
  const back = new URL(provider.authorize(start.headers.location as string, login));
  options.editCallback?.(back);
  const callback = await w.app.inject({ url: `${back.pathname}${back.search}`, headers: { cookie } });
  return { start, callback, cookie, back };
}

async function usersNamed(sub: string) {
  return w.h.query<{ id: string; role: string; auth_source: string; display_name: string }>(
    `select id, role, auth_source, display_name from users where username = $1`,
    [`oidc:${sub}`],
  );
}

async function lastAudit(action: string) {
  return (
    await w.h.query<{
      details: Record<string, unknown>;
      actor_name: string | null;
      before: unknown;
      after: unknown;
    }>(
      'select details, actor_name, before, after from audit_log where action = $1 order by seq desc limit 1',
      [action],
    )
  )[0];
}

describe('OIDC sign-in (authorization code, PKCE, state, nonce)', () => {
  it('sends the browser to the provider with S256 PKCE, state and nonce', async () => {
    const start = await w.app.inject({ url: '/logga-in/oidc' });
    expect(start.statusCode).toBe(303);
    const url = new URL(start.headers.location as string);
    expect(url.origin).toBe(provider.issuer);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: 'http://localhost/logga-in/oidc/callback',
      code_challenge_method: 'S256',
      scope: 'openid profile',
    });
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('nonce')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(setCookieOf(start)).toMatch(/HttpOnly; SameSite=Lax/);
  });

  it('signs a person in, creates the account with the mapped role and audits both', async () => {
    const { callback, cookie } = await signIn(GRETA);
    expect(callback.statusCode).toBe(303);
    expect(callback.headers.location).toBe('/kallor');
    const session = setCookieOf(callback)!.split(';')[0]!;
    // Session fixation: the id the browser carried to the provider is not the signed-in one.
    expect(session).not.toBe(cookie);
    expect((await w.app.inject({ url: '/api/me', headers: { cookie } })).statusCode).toBe(401);
    const me = await w.app.inject({ url: '/api/me', headers: { cookie: session } });
    expect(me.json()).toMatchObject({
      user: {
        username: 'oidc:entra-oid-greta',
        displayName: 'Greta Granskare',
        role: 'reviewer',
        authSource: 'oidc',
      },
      via: 'session',
    });
    // PKCE was checked by the provider, with a Basic-authenticated client.
    expect(provider.tokenRequests.at(-1)).toMatchObject({
      grantType: 'authorization_code',
      clientAuth: 'basic',
    });
    expect(provider.tokenRequests.at(-1)!.codeVerifier).toMatch(/^[\w-]{64}$/);
    expect(await usersNamed('entra-oid-greta')).toHaveLength(1);
    expect(await lastAudit('user.create')).toMatchObject({
      actor_name: 'Greta Granskare',
      details: { method: 'oidc' },
      after: { username: 'oidc:entra-oid-greta', role: 'reviewer' },
    });
    expect(await lastAudit('auth.login')).toMatchObject({
      actor_name: 'Greta Granskare',
      details: { method: 'oidc' },
    });
    // The reviewer may act: a mutating route with the new session's CSRF token.
    const csrf = me.json<{ csrfToken: string }>().csrfToken;
    const decided = await w.app.inject({
      method: 'POST',
      url: `/api/candidates/${w.seeded.minimed.id}/notes`,
      headers: { cookie: session, 'x-csrf-token': csrf, origin: 'http://localhost:80' },
      payload: { body: 'Anteckning efter OIDC-inloggning', clientRequestId: crypto.randomUUID() },
    });
    expect(decided.statusCode).toBe(201);
  });

  it('links the same account on the next sign-in and follows a changed group', async () => {
    const before = await usersNamed('entra-oid-greta');
    const { callback } = await signIn({ ...GRETA, groups: ['grp-viewers', 'grp-admins'] });
    expect(callback.statusCode).toBe(303);
    const after = await usersNamed('entra-oid-greta');
    expect(after).toHaveLength(1);
    expect(after[0]!.id).toBe(before[0]!.id);
    expect(after[0]!.role).toBe('admin');
    expect(await lastAudit('user.role_change')).toMatchObject({
      before: { role: 'reviewer' },
      after: { role: 'admin' },
    });
  });

  it.each<[string, { tamper?: TokenTampering; editCallback?: (url: URL) => void }, string]>([
    ['a wrong nonce', { tamper: { nonce: 'nonce-from-another-sign-in-aaaaaaaaaa' } }, 'nonce mismatch'],
    ['an expired token', { tamper: { expiresIn: -600 } }, '"exp" claim timestamp check failed'],
    [
      'a token for another client',
      { tamper: { audience: 'some-other-app' } },
      'unexpected "aud" claim value',
    ],
    [
      'a token from another issuer',
      { tamper: { issuer: 'https://evil.example' } },
      'unexpected "iss" claim value',
    ],
    [
      'a token signed with an unpublished key',
      { tamper: { foreignKey: true } },
      'no applicable key found in the JSON Web Key Set',
    ],
    [
      'a wrong state',
      { editCallback: (url) => url.searchParams.set('state', 'x'.repeat(43)) },
      'state mismatch',
    ],
    [
      'a code the provider never issued',
      { editCallback: (url) => url.searchParams.set('code', 'made-up-code') },
      'the token endpoint refused the code',
    ],
  ])('refuses %s: no session, no account, audited', async (_name, options, reason) => {
    const sub = `refused-${reason.length}-${Math.random().toString(36).slice(2)}`;
    const { callback } = await signIn({ sub, name: 'Mallory', groups: ['grp-admins'] }, options);
    expect(callback.statusCode).toBe(401);
    expect(callback.body).toContain('Inloggningen med organisationens konto kunde inte slutföras.');
    const cookie = setCookieOf(callback)!.split(';')[0]!;
    const me = await w.app.inject({ url: '/api/me', headers: { cookie } });
    expect(me.statusCode).toBe(401);
    expect(await usersNamed(sub)).toHaveLength(0);
    expect(await lastAudit('auth.login_failed')).toMatchObject({ details: { method: 'oidc', reason } });
  });

  it('refuses a person whose groups map to no role', async () => {
    const { callback } = await signIn({
      sub: 'entra-oid-outsider',
      name: 'Otto Utomstående',
      groups: ['grp-payroll'],
    });
    expect(callback.statusCode).toBe(403);
    expect(callback.body).toContain('ger ingen behörighet i Horisont');
    expect(await usersNamed('entra-oid-outsider')).toHaveLength(0);
    expect(await lastAudit('auth.login_failed')).toMatchObject({
      details: { method: 'oidc', reason: 'no mapped role' },
    });
  });

  it('uses a callback once: replaying it signs no one in', async () => {
    const { callback, cookie, back } = await signIn({ ...GRETA });
    expect(callback.statusCode).toBe(303);
    const replay = await w.app.inject({ url: `${back.pathname}${back.search}`, headers: { cookie } });
    expect(replay.statusCode).toBe(401);
    expect(await lastAudit('auth.login_failed')).toMatchObject({
      details: { reason: 'no sign-in was started in this browser' },
    });
  });

  it('never takes over a local account of the same name', async () => {
    await w.h.query(
      `insert into users (username, display_name, role, auth_source) values ('oidc:local-clash', 'Lokal', 'viewer', 'local')`,
    );
    const { callback } = await signIn({ sub: 'local-clash', name: 'Inkräktare', groups: ['grp-admins'] });
    expect(callback.statusCode).toBe(403);
    expect((await usersNamed('local-clash'))[0]).toMatchObject({ role: 'viewer', auth_source: 'local' });
  });
});

describe('the provider is reached only through the guarded client', () => {
  it('refuses a loopback provider that is not allowlisted (SSRF policy) and says the service is unavailable', async () => {
    const strict = new HttpClient({
      userAgent: 'Mozilla/5.0 (compatible; Horisont/0.1; +https://github.com/horisont)',
      allowPrivate: [],
      extraCa: provider.ca,
      deadlineMs: 5000,
      connectTimeoutMs: 2000,
      headersTimeoutMs: 5000,
      bodyTimeoutMs: 5000,
      maxBodyBytes: 1024 * 1024,
      maxRedirects: 0,
      throttle: new MemoryHostThrottle(),
      minIntervalMs: () => 0,
    });
    const config = OidcConfig.parse({
      issuer: provider.issuer,
      clientId: CLIENT_ID,
      redirectUri: 'http://localhost/logga-in/oidc/callback',
      roleMap: { 'grp-admins': 'admin' },
    });
    const client = new OidcClient(config, strict, w.ctx.log);
    try {
      await expect(client.start('/kandidater')).rejects.toThrow(/ssrf-blocked/);
    } finally {
      await strict.close();
    }
  });
});
