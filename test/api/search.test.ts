import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createWorld } from './world.js';
import type { World } from './world.js';
import type { CandidateList } from '../../src/store/workbench.js';
import { fold, searchWords } from '../../src/store/search.js';

// Free-text search as reviewers type it: parts of Swedish compounds, the start of a word, a
// misspelling, ranked; on the real PostgreSQL (pg_trgm) through the JSON API.
let w: World;
const robots: string[] = [];

beforeAll(async () => {
  w = await createWorld();
  for (const name of [
    'Robotassisterad laparoskopisk prostatektomi',
    'Robotassisterad kirurgi vid endometriecancer',
    'Robotassisterad bröstkirurgi',
  ]) {
    const [row] = await w.h.query<{ id: string }>(
      `insert into candidates (kind, name, manufacturer, identifiers, first_run_id)
       values ('method', $1, null, '[]', $2) returning id`,
      [name, w.seeded.runId],
    );
    robots.push(row!.id);
  }
});

afterAll(async () => {
  await w?.close();
});

async function search(q: string, extra = ''): Promise<string[]> {
  const response = await w.app.inject({
    method: 'GET',
    url: `/api/candidates?pageSize=100&q=${encodeURIComponent(q)}${extra}`,
    headers: bearer(w.accounts.viewer),
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<CandidateList>().items.map((c) => c.id);
}

describe('the words of a query', () => {
  it('are folded and split as the database folds text', () => {
    expect(fold('Glukosmätning ÅÄÖ Blodtrycksmätare för hjärtat')).toBe(
      'glukosmatning aao blodtrycksmatare for hjartat',
    );
    expect(searchWords('  Insulin-pump, insulin  x ')).toEqual(['insulin', 'pump']);
    expect(searchWords('a b c d e f g h i j k l')).toEqual([]);
    expect(searchWords(Array.from({ length: 12 }, (_, i) => `ord${i}`).join(' '))).toHaveLength(8);
  });
});

describe('searching the candidate list', () => {
  it('finds parts of compounds in names and evidence titles', async () => {
    // "kontinuerlig glukosmätning" is in the Libre's evidence; "Glukossensor X" names another.
    expect(await search('glukos')).toEqual(expect.arrayContaining([w.seeded.libre.id, w.seeded.xss.id]));
    // "MiniMed 780G insulinpump": the end of a compound.
    expect(await search('pump')).toEqual([w.seeded.minimed.id]);
    expect(new Set(await search('robot'))).toEqual(new Set(robots));
  });

  it('finds the start of a word, with or without Swedish letters', async () => {
    expect(await search('Tumörbeh')).toEqual([w.seeded.optune.id]);
    expect(await search('tumorbehandlande')).toEqual([w.seeded.optune.id]);
  });

  it('finds a misspelt word, but not a short one', async () => {
    expect(await search('glukosmätnig')).toContain(w.seeded.libre.id);
    expect(new Set(await search('robotasisterad'))).toEqual(new Set(robots));
    expect(await search('Medtronik')).toEqual([w.seeded.minimed.id]);
    expect(await search('pmup')).toEqual([]);
  });

  it('needs every word, and still finds identifiers as they are', async () => {
    expect(await search('robot bröst')).toEqual([robots[2]]);
    expect(await search('robot pump')).toEqual([]);
    expect(await search('05021791005046')).toEqual([w.seeded.libre.id]);
  });

  it('ranks the best match first when searching, by priority otherwise', async () => {
    // A whole word of the name beats the same word in an evidence title.
    expect((await search('glukossensor'))[0]).toBe(w.seeded.xss.id);
    expect((await search('robotassisterad kirurgi'))[0]).toBe(robots[1]);
    // An explicit sort still wins.
    const byName = await search('robot', '&sort=name&order=asc');
    expect(byName).toEqual([robots[2], robots[1], robots[0]]);
  });
});
