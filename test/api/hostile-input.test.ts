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

describe('SQL-injection strings through every list filter, path parameter and the API', () => {
  // No digits and no real words, so a search treating them as text finds nothing, whatever the
  // search syntax makes of quotes and operators; a filter that let them into SQL would list rows.
  const INJECTIONS = [
    "zq' OR 'zq'='zq",
    "zq' OR 'x'='x' --",
    "zq'; DROP TABLE candidates; --",
    'zq"; DROP TABLE users; --',
    "zq') UNION SELECT password_hash FROM users --",
    "zq' AND pg_sleep(10) IS NULL --",
    "zq'||pg_sleep(10)||'",
    'zq$$; SELECT pg_sleep(10); $$',
    "zq\\'; --",
    "zq%' OR '%'='",
    'zq*/ OR /*',
    '%',
    '_',
    '%_%',
    '\\',
  ];

  /** Free-text filters: nothing found (or refused as too long for the field), never a 500. */
  const TEXT_FILTERS: Array<[string, string, 'viewer' | 'reviewer']> = [
    ['/api/candidates', 'q', 'viewer'],
    ['/api/candidates', 'npo', 'viewer'],
    ['/api/candidates', 'council', 'viewer'],
    ['/api/candidates', 'band', 'viewer'],
    ['/api/candidates', 'source', 'viewer'],
    ['/api/audit', 'action', 'reviewer'],
    ['/api/audit', 'actor', 'reviewer'],
    ['/api/audit', 'subject', 'reviewer'],
    ['/api/cases', 'q', 'viewer'],
    ['/arenden.json', 'q', 'viewer'],
  ];
  /** The same filters on the pages, and the typed ones (dates, enums, numbers, ids): 200 or 400. */
  const PAGE_AND_TYPED: Array<[string, string, 'viewer' | 'reviewer']> = [
    ...[
      'q',
      'npo',
      'council',
      'band',
      'source',
      'status',
      'sort',
      'order',
      'from',
      'to',
      'page',
      'pageSize',
    ].map((field): [string, string, 'viewer'] => ['/kandidater', field, 'viewer']),
    ...['status', 'sort', 'order', 'from', 'to', 'page', 'pageSize'].map(
      (field): [string, string, 'viewer'] => ['/api/candidates', field, 'viewer'],
    ),
    ...['action', 'actor', 'subject', 'from', 'to', 'page'].map((field): [string, string, 'reviewer'] => [
      '/granskningslogg',
      field,
      'reviewer',
    ]),
    ...['from', 'to', 'page'].map((field): [string, string, 'reviewer'] => ['/api/audit', field, 'reviewer']),
    ...['q', 'vy', 'rad', 'kandidat'].map((field): [string, string, 'viewer'] => [
      '/arendehantering',
      field,
      'viewer',
    ]),
    ...['view', 'council', 'candidate', 'limit', 'offset'].map((field): [string, string, 'viewer'] => [
      '/api/cases',
      field,
      'viewer',
    ]),
    ...['q', 'rad', 'status', 'sida'].map((field): [string, string, 'viewer'] => [
      '/arenden',
      field,
      'viewer',
    ]),
    ['/api/runs', 'limit', 'viewer'],
    [`/api/candidates/${'{id}'}/report`, 'format', 'viewer'],
  ];
  const PATHS = ['/api/candidates/', '/kandidater/', '/api/runs/', '/korningar/', '/api/cases/', '/arenden/'];

  let reviewer: Session;
  beforeAll(async () => {
    reviewer = await login(w.app, 'reviewer-test');
  });

  /** What an injected statement would change; the audit log is checked by its hash chain. */
  async function integrity() {
    const [row] = await w.h.query<Record<string, number>>(
      `select (select count(*)::int from candidates) as candidates, (select count(*)::int from users) as users,
              (select count(*)::int from decisions) as decisions, (select count(*)::int from cases) as cases`,
    );
    const chain = await w.app.inject({ url: '/api/audit/verify', headers: bearer(w.accounts.admin) });
    return { ...row!, auditIntact: chain.json<{ intact: boolean }>().intact };
  }

  async function get(url: string, role: 'viewer' | 'reviewer') {
    const session = role === 'viewer' ? viewer : reviewer;
    const started = performance.now();
    const response = await w.app.inject({
      url: url.replace('{id}', w.seeded.libre.id),
      headers: url.startsWith('/api/') ? bearer(w.accounts[role]) : { cookie: session.cookie },
    });
    // pg_sleep(10) never ran.
    expect(performance.now() - started, url).toBeLessThan(5000);
    return response;
  }

  it('free-text filters treat them as text: nothing found, or too long for the field', async () => {
    const before = await integrity();
    for (const injection of INJECTIONS) {
      for (const [route, field, role] of TEXT_FILTERS) {
        const url = `${route}?${new URLSearchParams({ [field]: injection }).toString()}`;
        const response = await get(url, role);
        expect([200, 400], `${url} → ${response.statusCode}`).toContain(response.statusCode);
        if (response.statusCode === 200) expect(response.json<{ total: number }>().total, url).toBe(0);
      }
    }
    expect(await integrity()).toEqual(before);
  });

  it('typed filters and path parameters refuse them as invalid or not found, never a 500', async () => {
    const before = await integrity();
    for (const injection of INJECTIONS) {
      for (const [route, field, role] of PAGE_AND_TYPED) {
        const url = `${route}?${new URLSearchParams({ [field]: injection }).toString()}`;
        const response = await get(url, role);
        expect([200, 400], `${url} → ${response.statusCode}`).toContain(response.statusCode);
      }
      for (const prefix of PATHS) {
        const url = `${prefix}${encodeURIComponent(injection)}`;
        const response = await get(url, 'viewer');
        expect([400, 404], `${url} → ${response.statusCode}`).toContain(response.statusCode);
      }
    }
    expect(await integrity()).toEqual(before);
  });

  it('LIKE wildcards in the audit log filters match themselves, not every row', async () => {
    const all = await get('/api/audit', 'reviewer');
    expect(all.json<{ total: number }>().total).toBeGreaterThan(0);
    for (const field of ['action', 'actor']) {
      for (const wildcard of ['%', '_', '%%', '\\']) {
        const response = await get(
          `/api/audit?${new URLSearchParams({ [field]: wildcard }).toString()}`,
          'reviewer',
        );
        expect(response.json<{ total: number }>().total, `${field}=${wildcard}`).toBe(0);
      }
    }
    const prefix = await get('/api/audit?action=auth.', 'reviewer');
    expect(prefix.json<{ total: number }>().total).toBeGreaterThan(0);
  });

  it('text sent in a body is stored and read back as written', async () => {
    const reviewer = await login(w.app, 'reviewer-test');
    const text = '\'); DELETE FROM decisions; -- $$ \\ %_ " */';
    const note = await w.app.inject({
      method: 'POST',
      url: `/api/candidates/${w.seeded.libre.id}/notes`,
      headers: { ...bearer(w.accounts.reviewer), 'content-type': 'application/json' },
      payload: JSON.stringify({ body: text, clientRequestId: crypto.randomUUID() }),
    });
    expect(note.statusCode).toBe(201);
    const detail = await w.app.inject({
      url: `/api/candidates/${w.seeded.libre.id}`,
      headers: { cookie: reviewer.cookie },
    });
    expect(detail.json<{ notes: Array<{ body: string }> }>().notes.map((n) => n.body)).toContain(text);
  });
});

describe('session fixation', () => {
  it('a session id handed out before sign-in is worthless afterwards; the signed-in one is new', async () => {
    const page = await w.app.inject({ url: '/logga-in' });
    const planted = setCookieOf(page)!.split(';')[0]!;
    const response = await w.app.inject({
      method: 'POST',
      url: '/logga-in',
      headers: {
        cookie: planted,
        origin: 'http://localhost:80',
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({
        username: 'viewer-test',
        password: PASSWORD,
        _csrf: csrfFrom(page.body),
      }).toString(),
    });
    expect(response.statusCode).toBe(303);
    const issued = setCookieOf(response)!.split(';')[0]!;
    expect(issued).not.toBe(planted);
    expect((await w.app.inject({ url: '/api/me', headers: { cookie: issued } })).statusCode).toBe(200);
    // The attacker who planted (or read) the pre-login id gets nothing from it.
    expect((await w.app.inject({ url: '/api/me', headers: { cookie: planted } })).statusCode).toBe(401);
    const [name, value] = planted.split('=') as [string, string];
    const reused = await w.app.inject({ url: '/kandidater', headers: { cookie: `${name}=${value}` } });
    expect(reused.statusCode).toBe(303);
    expect(reused.headers.location).toMatch(/^\/logga-in/);
  });

  it('a made-up session id is never adopted: the server answers with one of its own', async () => {
    const page = await w.app.inject({
      url: '/logga-in',
      headers: { cookie: 'horisont-session=attacker-chosen-id' },
    });
    const issued = setCookieOf(page)!.split(';')[0]!;
    expect(issued).toMatch(/^horisont-session=/);
    expect(issued).not.toBe('horisont-session=attacker-chosen-id');
  });
});
