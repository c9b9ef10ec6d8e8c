import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createWorld, login } from './world.js';
import type { Session, World } from './world.js';
import { XSS_NAME } from './seed.js';
import { documentedRoute } from '../../src/api/openapi.js';

/** Every route Fastify's router holds, as `METHOD /path` (read from its route tree, HEAD left out). */
function routesOf(app: FastifyInstance): string[] {
  const path: string[] = [];
  const routes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!match) continue;
    path.length = match[1]!.length / 4;
    path.push(match[2]!);
    for (const method of match[3]?.split(', ') ?? []) {
      if (method !== 'HEAD') routes.push(`${method} ${path.join('')}`);
    }
  }
  return routes;
}

// Real PostgreSQL (Swedish full-text search) and Redis; nothing mocked.
let w: World;
let viewer: Session;

beforeAll(async () => {
  w = await createWorld();
  viewer = await login(w.app, 'viewer-test');
});
afterAll(async () => {
  await w?.close();
});

interface ListBody {
  items: Array<{ id: string; name: string; score: number | null; npo: string[]; status: string }>;
  total: number;
  pages: number;
  counts: { byBand: Record<string, number>; byStatus: Record<string, number> };
}

async function list(query: string): Promise<ListBody> {
  const response = await w.app.inject({
    url: `/api/candidates?${query}`,
    headers: bearer(w.accounts.viewer),
  });
  expect(response.statusCode).toBe(200);
  return response.json<ListBody>();
}

const names = (body: ListBody) => body.items.map((i) => i.name);

describe('the ranked list', () => {
  it('ranks by score, highest first, with counts', async () => {
    const body = await list('');
    expect(body.total).toBe(7);
    const scores = body.items.map((i) => i.score ?? -1);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(body.items[0]!.name).toBe('FreeStyle Libre 3');
    expect(body.counts.byBand).toEqual({ hög: 2, medel: 4, låg: 1 });
    expect(body.counts.byStatus).toEqual({ open: 7 });
  });

  it.each([
    ['band=hög', ['FreeStyle Libre 3', 'Optune']],
    ['council=NT-rådet', ['Exempelmab']],
    ['source=tlv', ['FreeStyle Libre 3', 'Exempelmab', 'Stegräknarappen Gå']],
    ['npo=Endokrina sjukdomar', ['FreeStyle Libre 3', XSS_NAME]],
    ['npo=Nervsystemets sjukdomar', ['Optune']],
    ['from=2026-03-01', ['FreeStyle Libre 3', XSS_NAME, 'MiniMed 780G']],
    ['from=2026-01-01&to=2026-02-20', ['Optune', 'Exempelmab', 'Stegräknarappen Gå']],
    ['band=medel&council=MTP-rådet&from=2026-03-01', [XSS_NAME, 'MiniMed 780G']],
  ])('filters: %s', async (query, expected) => {
    expect(names(await list(query))).toEqual(expected);
  });

  it.each([
    // Swedish stemming: inflected forms find the evidence title "Kontinuerlig glukosmätning …".
    ['glukosmätningen', ['FreeStyle Libre 3']],
    ['insulinpumpar', ['MiniMed 780G']],
    ['glioblastom', ['Optune']],
    ['"svår astma"', ['Exempelmab']],
    ['05021791005046', ['FreeStyle Libre 3']],
    ['medtronic', ['MiniMed 780G']],
  ])('free text (Swedish full-text search): %s', async (q, expected) => {
    expect(names(await list(`q=${encodeURIComponent(q)}`))).toEqual(expected);
  });

  it('sorts by name and pages', async () => {
    const first = await list('sort=name&pageSize=3');
    expect(first.pages).toBe(3);
    expect(names(first)).toEqual([XSS_NAME, 'Exempelmab', 'FoundationOne CDx']);
    const last = await list('sort=name&pageSize=3&page=3');
    expect(last.items).toHaveLength(1);
  });

  it('filters on decision status', async () => {
    const response = await w.app.inject({
      method: 'POST',
      url: `/api/candidates/${w.seeded.optune.id}/decisions`,
      headers: bearer(w.accounts.reviewer),
      payload: {
        action: 'dismiss',
        version: 0,
        clientRequestId: randomUUID(),
        reasonCode: 'already-handled',
      },
    });
    expect(response.statusCode).toBe(201);
    expect(names(await list('status=dismissed'))).toEqual(['Optune']);
    expect((await list('status=open')).total).toBe(6);
  });

  it('rejects nonsense parameters with the error shape', async () => {
    const response = await w.app.inject({
      url: '/api/candidates?from=igår&sort=random',
      headers: bearer(w.accounts.viewer),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'validation_failed' } });
  });

  it.each([
    ['from=2024-02-30', 'from', 'Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2024-03-12.'],
    ['to=03%2F12%2F2024', 'to', 'Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2024-03-12.'],
    ['from=12+mars+2024', 'from', 'Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2024-03-12.'],
    ['from=2026-03-01&to=2026-02-01', 'to', 'Slutdatumet ligger före startdatumet.'],
  ])('refuses the date filter %s with a Swedish message', async (query, path, message) => {
    const response = await w.app.inject({
      url: `/api/candidates?${query}`,
      headers: bearer(w.accounts.viewer),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: { code: 'validation_failed', details: [{ path, message }] },
    });
  });

  it('takes dates in the Swedish ISO form whatever the browser locale, and says what is wrong', async () => {
    const good = await w.app.inject({
      url: '/kandidater?from=2026-03-01',
      headers: { cookie: viewer.cookie },
    });
    expect(good.statusCode).toBe(200);
    // A text field with the format spelled out: a type=date field would follow the browser's locale.
    expect(good.body).not.toContain('type="date"');
    expect(good.body).toMatch(/<input\s+type="text"\s+id="from"\s+name="from"\s+value="2026-03-01"/);
    expect(good.body).toContain('placeholder="ÅÅÅÅ-MM-DD"');
    expect(good.body).toContain('3 kandidater');

    const bad = await w.app.inject({
      url: '/kandidater?from=03%2F01%2F2026&band=h%C3%B6g',
      headers: { cookie: viewer.cookie },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('role="alert"');
    expect(bad.body).toContain('Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2024-03-12.');
    expect(bad.body).toMatch(/value="03\/01\/2026"[^>]*aria-invalid="true"/);
    // The rest of the filter still applies.
    expect(bad.body).toContain('2 kandidater');

    const audit = await w.app.inject({
      url: '/granskningslogg?to=2024-13-01',
      headers: { authorization: `Bearer ${w.accounts.reviewer.token}` },
    });
    expect(audit.statusCode).toBe(400);
    expect(audit.body).toContain('Skriv datumet som ÅÅÅÅ-MM-DD');
  });

  it('renders the list page in Swedish with the filters kept, counts and Swedish dates', async () => {
    const response = await w.app.inject({
      url: '/kandidater?band=h%C3%B6g',
      headers: { cookie: viewer.cookie },
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<html lang="sv">');
    expect(response.body).toContain('2 kandidater');
    expect(response.body).toMatch(/<option value="hög"\s+selected>/);
    expect(response.body).toContain('10 mars 2026');
    expect(response.body).toContain('datetime="2026-03-10T08:00:00.000Z"');
    expect(response.body).toContain('<label for="q">');
  });
});

describe('the candidate page', () => {
  it('shows identifiers, regulatory status, the timeline, the score per criterion with evidence, duplicates and the report', async () => {
    const response = await w.app.inject({
      url: `/kandidater/${w.seeded.libre.id}`,
      headers: { cookie: viewer.cookie },
    });
    expect(response.statusCode).toBe(200);
    const body = response.body;
    for (const heading of [
      'Identifierare',
      'Regulatorisk status',
      'Poäng per kriterium',
      'Evidens (3)',
      'Möjliga dubbletter',
      'Tidig bedömningsrapport',
      'Beslut och anteckningar',
    ]) {
      expect(body).toContain(heading);
    }
    expect(body).toContain('05021791005046');
    expect(body).toContain('IIb'); // risk class label
    expect(body).toContain('MDR (EU) 2017/745');
    expect(body).toContain('Jämlik användning över landet är angeläget');
    expect(body).toContain('Flera regioner har bedömt produkten');
    expect(body).toMatch(
      /href="https:\/\/www\.sbu\.se\/sv\/publikationer\/regional-hta\/kontinuerlig-glukosmatning\/"\s+rel="noopener noreferrer"/,
    );
    // Timeline newest first: the SBU report (14 februari 2026) before TLV (20 januari 2026) before EUDAMED (2 november 2025).
    const order = ['14 februari 2026', '20 januari 2026', '2 november 2025'].map((d) => body.indexOf(d));
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(body).toContain('/rapport.md');
    expect(body).toContain('Granskare kan slå ihop dubbletter och dela upp kandidater.');
    expect(body).toContain('Endokrina sjukdomar');
    // Why the programme area is suggested: the word that matched, where, and in which source.
    expect(body).toContain('Varför dessa programområden');
    expect(body).toMatch(
      /”Endokrina sjukdomar” i titeln till <a\s+href="https:\/\/ec\.europa\.eu\/tools\/eudamed/,
    );
  });

  it('renders hostile text inert: escaped, no javascript: link, nothing executable', async () => {
    const response = await w.app.inject({
      url: `/kandidater/${w.seeded.xss.id}`,
      headers: { cookie: viewer.cookie },
    });
    expect(response.statusCode).toBe(200);
    const body = response.body;
    expect(body).not.toContain('<script>alert');
    expect(body).not.toContain('<img src=x');
    expect(body).not.toContain('<svg onload');
    expect(body).not.toContain('<b onmouseover');
    expect(body).not.toMatch(/href="javascript:/i);
    expect(body).toContain('&lt;script&gt;alert(&quot;xss-name&quot;)&lt;/script&gt;');
    // Exactly one script element: ours, with the nonce.
    expect(body.match(/<script/g)).toHaveLength(1);
    const list = await w.app.inject({ url: '/kandidater', headers: { cookie: viewer.cookie } });
    expect(list.body).not.toContain('<img src=x');
    expect(list.body.match(/<script/g)).toHaveLength(1);
  });

  it('the API returns the same detail as JSON', async () => {
    const response = await w.app.inject({
      url: `/api/candidates/${w.seeded.libre.id}`,
      headers: bearer(w.accounts.viewer),
    });
    const body = response.json<{
      candidate: {
        score: { criteria: unknown[] };
        timeline: unknown[];
        regulatory: unknown[];
        state: { version: number };
      };
    }>();
    expect(body.candidate.score.criteria).toHaveLength(4);
    expect(body.candidate.timeline).toHaveLength(3);
    expect(body.candidate.regulatory).toHaveLength(1);
    expect(body.candidate.state.version).toBe(0);
  });

  it('lists possible duplicates that share an identifier or an item', async () => {
    await w.h.query(
      `insert into candidates (kind, name, manufacturer, identifiers) values ('device', 'Libre 3-sensor', 'Abbott',
         '[{"scheme":"udi-di","value":"05021791005046"}]')`,
    );
    const response = await w.app.inject({
      url: `/kandidater/${w.seeded.libre.id}`,
      headers: { cookie: viewer.cookie },
    });
    expect(response.body).toContain('Libre 3-sensor');
    expect(response.body).toContain('Har samma identifierare (udi-di 05021791005046)');
  });
});

describe('report downloads', () => {
  it('Markdown, JSON and HTML', async () => {
    const base = `/kandidater/${w.seeded.libre.id}/rapport`;
    const md = await w.app.inject({ url: `${base}.md`, headers: { cookie: viewer.cookie } });
    expect(md.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(md.headers['content-disposition']).toMatch(/^attachment; filename="horisont-.*-v1\.md"$/);
    expect(md.body).toContain('# Tidig bedömningsrapport: FreeStyle Libre 3');
    const json = await w.app.inject({ url: `${base}.json`, headers: { cookie: viewer.cookie } });
    expect(JSON.parse(json.body)).toMatchObject({ reportVersion: 1 });
    const html = await w.app.inject({ url: `${base}.html`, headers: { cookie: viewer.cookie } });
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.headers['content-security-policy']).toContain("default-src 'none'");
    expect(html.body).toContain('<h1>Tidig bedömningsrapport: FreeStyle Libre 3</h1>');
    expect(html.body).toContain('@page');
    const missing = await w.app.inject({
      url: `/kandidater/${w.seeded.minimed.id}/rapport.md`,
      headers: { cookie: viewer.cookie },
    });
    expect(missing.statusCode).toBe(404);
  });

  it('the hostile report renders inert', async () => {
    const html = await w.app.inject({
      url: `/kandidater/${w.seeded.xss.id}/rapport.html`,
      headers: { cookie: viewer.cookie },
    });
    expect(html.body).not.toContain('<script>alert');
    expect(html.body).not.toMatch(/href="javascript:/i);
  });

  it('the API serves each format', async () => {
    const url = `/api/candidates/${w.seeded.libre.id}/report`;
    const json = await w.app.inject({ url, headers: bearer(w.accounts.viewer) });
    expect(json.json()).toMatchObject({ version: 1, report: { reportVersion: 1 } });
    const md = await w.app.inject({ url: `${url}?format=markdown`, headers: bearer(w.accounts.viewer) });
    expect(md.body).toContain('# Tidig bedömningsrapport');
  });
});

describe('sources, runs, subscriptions, OpenAPI', () => {
  it('names a broken source and its reason', async () => {
    const response = await w.app.inject({ url: '/kallor', headers: { cookie: viewer.cookie } });
    expect(response.body).toContain('Trasig');
    expect(response.body).toContain('layout-changed');
    expect(response.body).toContain('tlv: listan hittades inte på sidan (ny layout?)');
    const run = await w.app.inject({
      url: `/korningar/${w.seeded.runId}`,
      headers: { cookie: viewer.cookie },
    });
    expect(run.statusCode).toBe(200);
    expect(run.body).toContain('eudamed-devices');
  });

  it('the OpenAPI document describes every API route Fastify has, with its role and the error shape', async () => {
    const response = await w.app.inject({ url: '/api/openapi.json' });
    const doc = response.json<{
      openapi: string;
      paths: Record<string, Record<string, { 'x-horisont-role': string }>>;
      components: { schemas: Record<string, unknown> };
    }>();
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    const registered = routesOf(w.app).filter((route) => / \/api(\/|$)/.test(route));
    expect(registered.length).toBeGreaterThan(30);
    expect([...documented].sort()).toEqual([...new Set(registered)].sort());
    for (const ops of Object.values(doc.paths)) {
      for (const op of Object.values(ops)) {
        expect(op['x-horisont-role']).toMatch(/^(public|viewer|reviewer|admin)$/);
      }
    }
    expect(doc.components.schemas.Error).toBeDefined();
    expect(doc.components.schemas.DecisionRequest).toMatchObject({
      required: ['action', 'version', 'clientRequestId'],
    });
  });

  it('an API route that does not describe itself cannot start', () => {
    expect(() => documentedRoute({ method: 'GET', url: '/api/ny', config: { access: 'viewer' } })).toThrow(
      /GET \/api\/ny is not described/,
    );
    expect(documentedRoute({ method: 'GET', url: '/kandidater', config: { access: 'viewer' } })).toEqual([]);
  });
});
