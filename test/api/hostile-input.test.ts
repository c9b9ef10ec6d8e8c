import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createWorld, csrfFrom, login, PASSWORD, setCookieOf } from './world.js';
import type { Session, World } from './world.js';

/**
 * Hostile input at the workbench's edges (issue 21): redirect targets after sign-in, NUL bytes
 * and line breaks in what people type or edit into URLs. Each case failed before the fix: a
 * tab-prefixed `next` left the site, a NUL in a search was a 500 from PostgreSQL, a newline in
 * `next` after a successful sign-in was a 500 from the Location header.
 */

let w: World;
let viewer: Session;

beforeAll(async () => {
  w = await createWorld();
  viewer = await login(w.app, 'viewer-test');
});
afterAll(async () => {
  await w?.close();
});

/** Signs in with `next` as the form posts it; returns the response to the POST. */
async function signInWith(next: string) {
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
      username: 'reviewer-test',
      password: PASSWORD,
      _csrf: csrfFrom(page.body),
      next,
    }).toString(),
  });
}

/** Where a browser would go for this Location, resolved against the workbench's own origin. */
function browserTarget(location: string): URL {
  // Browsers strip tab and newline anywhere in a URL and leading/trailing C0 and space (WHATWG URL).
  return new URL(location, 'http://localhost:80');
}

const OFF_SITE = [
  '//evil.example/x',
  '/\t/evil.example/x',
  '/%09/evil.example/x',
  '/\n/evil.example/x',
  '/\r\n/evil.example/x',
  '\t//evil.example/x',
  ' //evil.example/x',
  '/\\evil.example/x',
  '\\\\evil.example/x',
  '/\\/evil.example/x',
  '/%5C/evil.example/x',
  '/%2F/evil.example/x',
  '/%2f%2fevil.example/x',
  '%2F%2Fevil.example/x',
  'https://evil.example/x',
  'http:evil.example',
  'javascript:alert(1)',
  ' javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  '/kandidater\u2028',
  '/kandidater\u00a0x',
  'data:text/html,<script>alert(1)</script>',
  '///evil.example/x',
];

describe('redirect targets after sign-in', () => {
  it.each(OFF_SITE)('a signed-in visit to /logga-in?next=%j stays on the workbench', async (next) => {
    const response = await w.app.inject({
      url: `/logga-in?next=${encodeURIComponent(next)}`,
      headers: { cookie: viewer.cookie },
    });
    expect(response.statusCode).toBe(303);
    const location = String(response.headers.location);
    // eslint-disable-next-line no-control-regex
    expect(location).not.toMatch(/[\u0000-\u0020\u007f-\u009f\\]/);
    expect(browserTarget(location).origin).toBe('http://localhost');
    expect(location).toBe('/kandidater');
  });

  it.each(OFF_SITE)('a successful sign-in with next=%j lands on the workbench', async (next) => {
    const response = await signInWith(next);
    expect(response.statusCode).toBe(303);
    const location = String(response.headers.location);
    expect(browserTarget(location).origin).toBe('http://localhost');
    expect(location).toBe('/kandidater');
  });

  it('a raw tab in the query string (as a hand-written link sends it) stays on the workbench', async () => {
    const response = await w.app.inject({
      url: '/logga-in?next=/%09/evil.example/x',
      headers: { cookie: viewer.cookie },
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/kandidater');
  });

  it('a newline in next after a successful sign-in is a redirect home, not a 500', async () => {
    const response = await signInWith('/kandidater\r\nSet-Cookie: planted=1');
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/kandidater');
    expect(String(response.headers['set-cookie'])).not.toContain('planted');
  });

  it('same-site targets keep their path, query and fragment', async () => {
    for (const next of [
      '/kandidater?q=libre&band=hog',
      '/kallor',
      '/kandidater/abc#beslut',
      '/korningar/x?y=%20z',
    ]) {
      const response = await w.app.inject({
        url: `/logga-in?next=${encodeURIComponent(next)}`,
        headers: { cookie: viewer.cookie },
      });
      expect(response.headers.location).toBe(next);
    }
  });

  it('the login form never offers an off-site target back', async () => {
    const page = await w.app.inject({ url: `/logga-in?next=${encodeURIComponent('/\t/evil.example/x')}` });
    expect(page.body).toContain('name="next" value="/kandidater"');
  });
});

describe('NUL and control characters in what people send', () => {
  const NUL_MESSAGE = /otillåtet tecken/;

  it('a NUL byte in the search box is a 400 with a Swedish message, on the page and in the API', async () => {
    const page = await w.app.inject({ url: '/kandidater?q=libre%00', headers: { cookie: viewer.cookie } });
    expect(page.statusCode).toBe(400);
    expect(page.body).toMatch(NUL_MESSAGE);
    const api = await w.app.inject({ url: '/api/candidates?q=libre%00', headers: bearer(w.accounts.viewer) });
    expect(api.statusCode).toBe(400);
    expect(api.json()).toEqual({
      error: { code: 'bad_request', message: expect.stringMatching(NUL_MESSAGE) },
    });
  });

  it.each(['npo', 'council', 'band', 'source', 'status', 'from', 'to', 'sort'])(
    'a NUL byte in the %s filter is a 400, never a 500',
    async (field) => {
      for (const url of [`/kandidater?${field}=a%00b`, `/api/candidates?${field}=a%00b`]) {
        const response = await w.app.inject({
          url,
          headers: url.startsWith('/api') ? bearer(w.accounts.viewer) : { cookie: viewer.cookie },
        });
        expect(response.statusCode).toBe(400);
      }
    },
  );

  it('a NUL byte in the audit log filter, a path parameter or a JSON body is a 400', async () => {
    const reviewer = await login(w.app, 'reviewer-test');
    const audit = await w.app.inject({
      url: '/granskningslogg?action=a%00',
      headers: { cookie: reviewer.cookie },
    });
    expect(audit.statusCode).toBe(400);
    const apiAudit = await w.app.inject({
      url: '/api/audit?action=a%00',
      headers: bearer(w.accounts.reviewer),
    });
    expect(apiAudit.statusCode).toBe(400);
    const path = await w.app.inject({ url: '/api/runs/a%00b', headers: bearer(w.accounts.viewer) });
    expect(path.statusCode).toBe(400);
    const candidate = w.seeded.libre.id;
    const note = await w.app.inject({
      method: 'POST',
      url: `/api/candidates/${candidate}/notes`,
      headers: { ...bearer(w.accounts.reviewer), 'content-type': 'application/json' },
      payload: JSON.stringify({ body: 'an\u0000note', clientRequestId: crypto.randomUUID() }),
    });
    expect(note.statusCode).toBe(400);
    expect(note.json<{ error: { message: string } }>().error.message).toMatch(NUL_MESSAGE);
  });

  it('a NUL byte in next is refused before any redirect is built', async () => {
    const visit = await w.app.inject({
      url: '/logga-in?next=/kandidater%00',
      headers: { cookie: viewer.cookie },
    });
    expect(visit.statusCode).toBe(400);
    expect(visit.headers.location).toBeUndefined();
    const signIn = await signInWith('/kandidater\u0000');
    expect(signIn.statusCode).toBe(400);
    expect(signIn.headers.location).toBeUndefined();
  });

  it('a NUL byte in the user name at sign-in is refused without touching the database', async () => {
    const page = await w.app.inject({ url: '/logga-in' });
    const response = await w.app.inject({
      method: 'POST',
      url: '/logga-in',
      headers: {
        cookie: setCookieOf(page)!.split(';')[0]!,
        origin: 'http://localhost:80',
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({
        username: 'admin\u0000',
        password: 'x',
        _csrf: csrfFrom(page.body),
      }).toString(),
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toMatch(NUL_MESSAGE);
  });
});
