import { describe, expect, it } from 'vitest';
import { driftProblem, recordCensus } from './drift.js';

const FIELDS = ['uuid', 'primaryDi', 'tradeName', 'maker.name'];
const good = (n: number) => ({ uuid: `u${n}`, primaryDi: `0${n}`, tradeName: `T${n}`, maker: { name: 'M' } });

describe('recordCensus', () => {
  it('counts a field as lacking when absent (renamed), null, empty or blank, nested paths included', () => {
    const census = recordCensus(
      [
        good(1),
        { ...good(2), tradeName: null },
        { uuid: 'u3', primaryDI: '03', name: 'T3', maker: { name: 'M' } },
        { ...good(4), tradeName: '  ', maker: {} },
        { ...good(5), maker: [] },
      ],
      FIELDS,
    );
    expect(census).toEqual({
      records: 5,
      lacking: 4,
      byField: { uuid: 0, primaryDi: 1, tradeName: 3, 'maker.name': 2 },
    });
  });

  it('does not read inherited properties as fields', () => {
    expect(recordCensus([{}], ['constructor']).lacking).toBe(1);
  });
});

describe('driftProblem', () => {
  const page = (lacking: number, records: number) =>
    recordCensus(
      Array.from({ length: records }, (_, i) => (i < lacking ? { ...good(i), tradeName: null } : good(i))),
      FIELDS,
    );

  it('a page of renamed or null fields is drift, with what is missing', () => {
    expect(driftProblem(page(5, 5), undefined)).toBe(
      '5 of 5 records lack needed fields: tradeName (5); usually 0 %',
    );
  });

  it('one odd record is not drift, nor a share within the usual one plus the allowed jump', () => {
    expect(driftProblem(page(1, 300), undefined)).toBeUndefined();
    expect(driftProblem(page(1, 2), undefined)).toBeUndefined();
    expect(driftProblem(page(60, 300), 0.1)).toBeUndefined();
    expect(driftProblem(page(0, 0), undefined)).toBeUndefined();
  });

  it('a jump above the usual share is drift, however common lacking records were', () => {
    expect(driftProblem(page(120, 300), 0.1)).toMatch(/^120 of 300 records lack .* usually 10 %$/);
    expect(driftProblem(page(2, 5), 0, { jump: 0.1, minRecords: 2 })).toBeDefined();
    expect(driftProblem(page(2, 5), 0, { jump: 0.5, minRecords: 2 })).toBeUndefined();
  });
});
