import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/context.js';
import { assertInvariants, fixtureOracle } from '../helpers/invariants.js';
import { createWorld } from './support/world.js';
import type { World } from './support/world.js';

/**
 * Charsets (issue 21): sources whose servers get the encoding wrong. After a clean scan the same
 * recordings come back re-encoded: Latin-1 sent as UTF-8, UTF-8 labelled ISO-8859-1, a Latin-1
 * page whose only label is its own meta element, UTF-16 and UTF-8 with byte order marks. Read
 * right, each is the same document: nothing is new or changed and no title holds mojibake. A
 * page with two invalid bytes in one name changes that name alone (U+FFFD where the bytes were).
 */

const SOURCES = ['sbu-publications', 'tlv', 'nye-metoder', 'eurlex-oj', 'clinicaltrials', 'eudamed-devices'];

let world: World;
let app: AppContext;

/** windows-1252 bytes, with HTML character references for what it cannot hold (as such servers send). */
function latin1Html(text: string): Buffer {
  const high = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
  const bytes: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80 || (code >= 0xa0 && code <= 0xff)) bytes.push(code);
    else if (high.includes(ch)) bytes.push(0x80 + high.indexOf(ch));
    else bytes.push(...Buffer.from(`&#${code};`));
  }
  return Buffer.from(bytes);
}

const utf8 = (body: Buffer): string => body.toString('utf8');

async function items() {
  const rows = await world.query<{
    source_id: string;
    item_key: string;
    content_hash: string;
    title: string;
  }>(
    `select source_id, item_key, content_hash, title from source_items where source_id = any($1)
     order by source_id, item_key`,
    [SOURCES],
  );
  return new Map(rows.map((row) => [`${row.source_id} ${row.item_key}`, row]));
}

beforeAll(async () => {
  world = await createWorld();
  app = await world.app({ workers: true });
  const baseline = await world.waitForRun(await world.startRun(SOURCES));
  expect(baseline.sources.every((s) => s.status === 'ok')).toBe(true);
});
afterAll(async () => {
  await world?.close();
});

describe('charsets the servers get wrong', () => {
  it('re-encoded documents read as the same items; invalid bytes change only what they touch', async () => {
    const before = await items();
    const rewrite = (
      match: string,
      rewrite: (body: Buffer, contentType: string) => Buffer,
      contentType: string,
    ) =>
      world.source.on(match, {
        kind: 'rewrite',
        rewrite: (body, type) => ({ body: rewrite(body, type), contentType }),
      });
    // Latin-1 bytes under a UTF-8 label.
    rewrite('/www.sbu.se/', (body) => latin1Html(utf8(body)), 'text/html; charset=utf-8');
    // UTF-8 bytes under a Latin-1 label (and a Latin-1 meta element).
    rewrite(
      '/www.tlv.se/',
      (body) => Buffer.from(utf8(body).replace(/<meta charset="utf-8">/i, '<meta charset="iso-8859-1">')),
      'text/html; charset=ISO-8859-1',
    );
    // Latin-1 whose only label is the page's own meta element.
    rewrite(
      '/www.nyemetoder.no/metoder/',
      (body) => latin1Html(utf8(body).replace('<meta charset="utf-8">', '<meta charset="windows-1252">')),
      'text/html',
    );
    // UTF-16LE with its byte order mark, no charset in the header.
    rewrite(
      '/eur-lex.europa.eu/',
      (body) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(utf8(body), 'utf16le')]),
      'application/rss+xml',
    );
    // UTF-8 with a byte order mark.
    rewrite(
      '/clinicaltrials.gov/',
      (body) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]),
      'application/json; charset=utf-8',
    );
    // Two bytes that are no UTF-8 at all in one device's name.
    rewrite(
      '/udiDiData',
      (body) => {
        const at = body.indexOf('"FreeStyle Libre 2 Sensor"');
        if (at < 0) return body;
        const name = at + '"FreeStyle Libre 2'.length;
        return Buffer.concat([body.subarray(0, name), Buffer.from([0xff, 0xc3]), body.subarray(name)]);
      },
      'application/json',
    );

    const summary = await world.waitForRun(await world.startRun(SOURCES));
    for (const source of SOURCES) {
      const outcome = summary.sources.find((s) => s.source_id === source)!;
      expect(outcome.status, source).toBe('ok');
      expect(outcome.items_new, source).toBe(0);
      expect(outcome.items_changed, source).toBe(source === 'eudamed-devices' ? 1 : 0);
    }
    for (const match of [
      '/www.sbu.se/',
      '/www.tlv.se/',
      '/www.nyemetoder.no/metoder/',
      '/eur-lex.europa.eu/',
    ]) {
      expect(
        world.source.hits.filter((hit) => hit.scripted && hit.path.includes(match)).length,
        match,
      ).toBeGreaterThan(0);
    }

    const after = await items();
    expect([...after.keys()]).toEqual([...before.keys()]);
    const changed = [...after.values()].filter(
      (row) => row.content_hash !== before.get(`${row.source_id} ${row.item_key}`)!.content_hash,
    );
    expect(changed).toHaveLength(1);
    expect(changed[0]!.source_id).toBe('eudamed-devices');
    expect(changed[0]!.title).toContain('FreeStyle Libre 2\ufffd\ufffd Sensor');
    for (const row of after.values()) {
      if (row !== changed[0]) expect(row.title, row.item_key).not.toMatch(/[ÃÂ\ufffd]|Ã¥|Ã¤|Ã¶/);
    }
    // Swedish and Norwegian letters and the typographic dash came through the Latin-1 pages.
    const titles = [...after.values()].map((row) => row.title).join('\n');
    expect(titles).toMatch(/[åäö]/);
    expect(titles).toMatch(/ø/);

    world.source.clear();
    await world.quiescent();
    const oracle = await fixtureOracle(world.configDir, world.source.origin, world.fixtures.origin, SOURCES);
    // The damaged name is what the source sent last; every other item is the oracle's.
    await assertInvariants(world, { oracle, app });
  });
});
