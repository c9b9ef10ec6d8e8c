import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createWorld, csrfFrom, login, postForm, setCookieOf, PASSWORD } from './world.js';
import type { Session, World } from './world.js';
import { buildWebApp } from '../../src/api/app.js';

// Real PostgreSQL and Redis; nothing mocked.
let w: World;
let reviewer: Session;

beforeAll(async () => {
  w = await createWorld();
  reviewer = await login(w.app, 'reviewer-test');
});
afterAll(async () => {
  await w?.close();
});

async function decisionCount(): Promise<number> {
  return (await w.h.query<{ n: number }>('select count(*)::int as n from decisions'))[0]!.n;
}

describe('security headers', () => {
  it('pages carry a nonce-based CSP and the usual headers; the nonce is fresh and used by the inline script and style', async () => {
    const first = await w.app.inject({ url: '/kandidater', headers: { cookie: reviewer.cookie } });
    const second = await w.app.inject({ url: '/kandidater', headers: { cookie: reviewer.cookie } });
    const csp = String(first.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("object-src 'none'");
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)![1]!;
    expect(csp).toContain(`style-src 'nonce-${nonce}'`);
    expect(first.body).toContain(`<script nonce="${nonce}">`);
    expect(first.body).toContain(`<style nonce="${nonce}">`);
    expect(String(second.headers['content-security-policy'])).not.toContain(nonce);
    expect(first.headers['x-content-type-options']).toBe('nosniff');
    expect(first.headers['x-frame-options']).toBe('DENY');
    expect(first.headers['referrer-policy']).toBe('same-origin');
    expect(first.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(first.headers['cache-control']).toBe('no-store');
    // Over plain http there is no HSTS (it would be ignored and misleading).
    expect(first.headers['strict-transport-security']).toBeUndefined();
    // No inline event handlers or style attributes: the CSP would block them anyway.
    expect(first.body).not.toMatch(/\son[a-z]+="/);
    expect(first.body).not.toMatch(/\sstyle="/);
  });

  it('JSON responses and errors carry a CSP that allows nothing', async () => {
    const api = await w.app.inject({ url: '/api/candidates', headers: bearer(w.accounts.viewer) });
    expect(api.headers['content-security-policy']).toContain("default-src 'none'");
    const missing = await w.app.inject({ url: '/api/nope', headers: bearer(w.accounts.viewer) });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    expect(missing.headers['content-security-policy']).toContain("default-src 'none'");
  });
});

describe('session cookies', () => {
  it('over http: HttpOnly, SameSite=Lax, Path=/, no Secure, no __Host- prefix; a new id at sign-in', async () => {
    const page = await w.app.inject({ url: '/logga-in' });
    const anonymous = setCookieOf(page)!;
    expect(anonymous).toMatch(/^horisont-session=/);
    expect(anonymous).toContain('HttpOnly');
    expect(anonymous).toContain('SameSite=Lax');
    expect(anonymous).toContain('Path=/');
    expect(anonymous).not.toContain('Secure');
    const signedIn = await login(w.app, 'viewer-test');
    expect(signedIn.cookie).not.toBe(anonymous.split(';')[0]);
  });

  it('over https: __Host- prefix, Secure and HSTS', async () => {
    const app = await buildWebApp(w.ctx, { publicOrigin: 'https://horisont.example.se' });
    try {
      const page = await app.inject({ url: '/logga-in' });
      expect(setCookieOf(page)).toMatch(
        /^__Host-horisont-session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Secure/,
      );
      expect(page.headers['strict-transport-security']).toContain('max-age=');
      // The Origin check uses the configured public origin.
      const cookie = setCookieOf(page)!.split(';')[0]!;
      const wrong = await app.inject({
        method: 'POST',
        url: '/logga-in',
        headers: {
          cookie,
          origin: 'http://localhost:80',
          'content-type': 'application/x-www-form-urlencoded',
        },
        payload: new URLSearchParams({
          username: 'reviewer-test',
          password: PASSWORD,
          _csrf: csrfFrom(page.body),
        }).toString(),
      });
      expect(wrong.statusCode).toBe(403);
      const right = await app.inject({
        method: 'POST',
        url: '/logga-in',
        headers: {
          cookie,
          origin: 'https://horisont.example.se',
          'content-type': 'application/x-www-form-urlencoded',
        },
        payload: new URLSearchParams({
          username: 'reviewer-test',
          password: PASSWORD,
          _csrf: csrfFrom(page.body),
        }).toString(),
      });
      expect(right.statusCode).toBe(303);
      expect(setCookieOf(right)).toMatch(/^__Host-horisont-session=.*Secure/);
    } finally {
      await app.close();
    }
  });

  it('logging out ends the session on the server', async () => {
    const session = await login(w.app, 'viewer-test');
    const out = await postForm(w.app, session, '/logga-ut', {});
    expect(out.statusCode).toBe(303);
    const after = await w.app.inject({ url: '/api/me', headers: { cookie: session.cookie } });
    expect(after.statusCode).toBe(401);
  });

  it('an idle session expires', async () => {
    const session = await login(w.app, 'viewer-test');
    await w.h.query(
      `update sessions set last_seen_at = now() - interval '2 hours' where user_id is not null`,
    );
    const after = await w.app.inject({ url: '/api/me', headers: { cookie: session.cookie } });
    expect(after.statusCode).toBe(401);
    reviewer = await login(w.app, 'reviewer-test');
  });
});

describe('sign-in', () => {
  it('a wrong password is refused, audited, and the account throttled after five', async () => {
    const attempt = async () => {
      const page = await w.app.inject({ url: '/logga-in' });
      return w.app.inject({
        method: 'POST',
        url: '/logga-in',
        headers: {
          cookie: setCookieOf(page)!.split(';')[0]!,
          origin: 'http://localhost:80',
          'content-type': 'application/x-www-form-urlencoded',
        },
        payload: new URLSearchParams({
          username: 'admin-test',
          password: 'fel-lösenord',
          _csrf: csrfFrom(page.body),
        }).toString(),
      });
    };
    const first = await attempt();
    expect(first.statusCode).toBe(401);
    expect(first.body).toContain('Fel användarnamn eller lösenord.');
    for (let i = 0; i < 4; i++) await attempt();
    const limited = await attempt();
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(30);
    const audit = await w.h.query<{ action: string; n: number }>(
      `select action, count(*)::int as n from audit_log where details->>'username' = 'admin-test'
       group by action order by action`,
    );
    expect(audit).toEqual([
      { action: 'auth.login_failed', n: 5 },
      { action: 'auth.login_throttled', n: 1 },
    ]);
  });

  it('the login form itself is CSRF protected (no pre-login session → 403)', async () => {
    const response = await w.app.inject({
      method: 'POST',
      url: '/logga-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ username: 'reviewer-test', password: PASSWORD }).toString(),
    });
    expect(response.statusCode).toBe(403);
  });

  it('never redirects to another site after sign-in', async () => {
    const page = await w.app.inject({ url: '/logga-in?next=//evil.example/x' });
    expect(page.body).toContain('name="next" value="/kandidater"');
  });
});

describe('CSRF on form posts and cookie-authenticated API calls', () => {
  const watch = () => ({ action: 'watch', version: 0, client_request_id: randomUUID() });
  const url = () => `/kandidater/${w.seeded.drug.id}/beslut`;

  it('refuses a post without the token', async () => {
    const before = await decisionCount();
    const response = await w.app.inject({
      method: 'POST',
      url: url(),
      headers: {
        cookie: reviewer.cookie,
        origin: 'http://localhost:80',
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams(
        Object.entries(watch()).map(([k, v]): [string, string] => [k, String(v)]),
      ).toString(),
    });
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('CSRF');
    expect(await decisionCount()).toBe(before);
  });

  it('refuses a wrong token', async () => {
    const response = await postForm(w.app, { ...reviewer, csrf: 'x'.repeat(43) }, url(), watch());
    expect(response.statusCode).toBe(403);
  });

  it('refuses a cross-site Origin even with the right token', async () => {
    const response = await postForm(w.app, reviewer, url(), watch(), { origin: 'https://evil.example' });
    expect(response.statusCode).toBe(403);
  });

  it('refuses Sec-Fetch-Site: cross-site even with the right token', async () => {
    const response = await postForm(w.app, reviewer, url(), watch(), { 'sec-fetch-site': 'cross-site' });
    expect(response.statusCode).toBe(403);
  });

  it('refuses a JSON API call with a session cookie but no X-CSRF-Token', async () => {
    const response = await w.app.inject({
      method: 'POST',
      url: `/api/candidates/${w.seeded.drug.id}/decisions`,
      headers: { cookie: reviewer.cookie, origin: 'http://localhost:80' },
      payload: { action: 'watch', version: 0, clientRequestId: randomUUID() },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ error: { code: 'csrf_failed' } });
  });

  it('every refusal is audited and nothing was decided', async () => {
    const rows = await w.h.query<{ n: number }>(
      `select count(*)::int as n from audit_log where action = 'security.csrf_rejected'`,
    );
    expect(rows[0]!.n).toBeGreaterThanOrEqual(5);
    expect(await decisionCount()).toBe(0);
  });

  it('accepts the same post with token and same origin, and a JSON call with X-CSRF-Token', async () => {
    const form = await postForm(w.app, reviewer, url(), watch());
    expect(form.statusCode).toBe(303);
    const api = await w.app.inject({
      method: 'POST',
      url: `/api/candidates/${w.seeded.drug.id}/decisions`,
      headers: { cookie: reviewer.cookie, origin: 'http://localhost:80', 'x-csrf-token': reviewer.csrf },
      payload: { action: 'unwatch', version: 1, clientRequestId: randomUUID() },
    });
    expect(api.statusCode).toBe(201);
  });

  it('bearer-token calls need no CSRF token (no ambient credentials) and ignore cookies', async () => {
    const response = await w.app.inject({
      method: 'POST',
      url: `/api/candidates/${w.seeded.drug.id}/notes`,
      headers: { ...bearer(w.accounts.reviewer), cookie: 'horisont-session=garbage' },
      payload: { body: 'Via API-nyckel', clientRequestId: randomUUID() },
    });
    expect(response.statusCode).toBe(201);
  });
});

describe('one error shape', () => {
  it('validation errors list what is wrong', async () => {
    const response = await w.app.inject({
      method: 'POST',
      url: `/api/candidates/${w.seeded.drug.id}/decisions`,
      headers: bearer(w.accounts.reviewer),
      payload: { action: 'dismiss', version: 0, clientRequestId: 'not-a-uuid' },
    });
    expect(response.statusCode).toBe(400);
    const body = response.json<{
      error: { code: string; message: string; details: Array<{ path: string }> };
    }>();
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details.map((d) => d.path).sort()).toEqual(['clientRequestId', 'reasonCode']);
  });

  it('malformed JSON is a 400 in the same shape', async () => {
    const response = await w.app.inject({
      method: 'POST',
      url: `/api/candidates/${w.seeded.drug.id}/notes`,
      headers: { ...bearer(w.accounts.reviewer), 'content-type': 'application/json' },
      payload: '{"body":',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'bad_request' } });
  });

  it('an unknown candidate id is a 404', async () => {
    const response = await w.app.inject({
      url: `/api/candidates/${randomUUID()}`,
      headers: bearer(w.accounts.viewer),
    });
    expect(response.statusCode).toBe(404);
    const garbage = await w.app.inject({
      url: '/api/candidates/not-a-uuid',
      headers: bearer(w.accounts.viewer),
    });
    expect(garbage.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
