import { describe, expect, it } from 'vitest';
import { pageLooksRekeyed, rekeyProblem } from './rekey.js';

const settings = { share: 0.5, minKnown: 20 };

describe('the re-key guard', () => {
  it('holds a scan where most known keys vanished and as many new ones appeared', () => {
    expect(rekeyProblem({ known: 300, gone: 300, fresh: 300 }, settings)).toBe(
      '300 av 300 kända poster försvann och 300 nya dök upp samtidigt (möjlig omnyckling)',
    );
    expect(rekeyProblem({ known: 100, gone: 60, fresh: 50 }, settings)).toBeDefined();
  });

  it('lets ordinary nights through: a few new items, items falling off the end, a shrinking list', () => {
    expect(rekeyProblem({ known: 15_000, gone: 3_000, fresh: 3_000 }, settings)).toBeUndefined();
    expect(rekeyProblem({ known: 100, gone: 80, fresh: 2 }, settings)).toBeUndefined();
    expect(rekeyProblem({ known: 100, gone: 0, fresh: 40 }, settings)).toBeUndefined();
  });

  it('never holds a small list, whatever its churn', () => {
    expect(rekeyProblem({ known: 19, gone: 19, fresh: 19 }, settings)).toBeUndefined();
  });

  it('defers a page that looks re-keyed on its own, small or not, only when it has new items', () => {
    expect(pageLooksRekeyed({ known: 5, gone: 5, fresh: 5 }, settings)).toBe(true);
    expect(pageLooksRekeyed({ known: 300, gone: 10, fresh: 10 }, settings)).toBe(false);
    expect(pageLooksRekeyed({ known: 5, gone: 5, fresh: 0 }, settings)).toBe(false);
  });
});
