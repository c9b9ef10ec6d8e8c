import { beforeAll, describe, expect, it } from 'vitest';
import { BOUNDS, evaluateTriage } from './evaluate.js';
import type { TriageRun } from './evaluate.js';

/**
 * Issue 16's bounds on the labelled scenario, scanned through the real pipeline (real PostgreSQL
 * and Redis, the scenario's recordings in their real formats). `npm run eval:triage` prints the
 * same evaluation in full.
 */
describe('triage on the labelled scenario', () => {
  let run: TriageRun;

  beforeAll(async () => {
    run = await evaluateTriage();
  });

  it('scans every source of the scenario', () => {
    expect(run.summary.status).toBe('completed');
    expect(run.summary.sources.filter((source) => source.status !== 'ok')).toEqual([]);
    expect(run.evaluation.missing).toEqual([]);
  });

  it('ranks should-nominate products above established and low ones', () => {
    const { pairwise } = run.evaluation;
    const lost = new Map<string, number>();
    for (const { shouldNominate } of pairwise.wrong) {
      lost.set(shouldNominate, (lost.get(shouldNominate) ?? 0) + 1);
    }
    const why = `pairs lost per should-nominate product: ${[...lost].map(([p, n]) => `${p} ${n}`).join(', ')}`;
    expect(pairwise.value, why).toBeGreaterThanOrEqual(BOUNDS.pairwise);
  });

  it('puts no candidate of an established or low product in the top band, and nominates none', () => {
    expect(
      run.evaluation.establishedFlagged.map(
        ({ product, candidate }) =>
          `${product}: ${candidate.name} (${candidate.band}${candidate.nominate ? ', nominated' : ''})`,
      ),
    ).toEqual([]);
  });

  it('routes the products to the council the labels name', () => {
    const { routing } = run.evaluation;
    const why = routing.mismatches.map((m) => `${m.product} ${m.expected} → ${m.actual}`).join(', ');
    expect(routing.value, why).toBeGreaterThanOrEqual(BOUNDS.routing);
  });

  it("recognises every product on a council's list and nominates none already handled", () => {
    const { alreadyHandled } = run.evaluation;
    expect(alreadyHandled.products).toBeGreaterThanOrEqual(10);
    expect(alreadyHandled.unrecognised).toEqual([]);
    expect(alreadyHandled.nominated.map(({ product, candidate }) => `${product}: ${candidate.name}`)).toEqual(
      [],
    );
  });
});
