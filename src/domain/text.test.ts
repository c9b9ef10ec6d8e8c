import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sanitiseDeep, sanitiseText } from './text.js';

describe('sanitiseText', () => {
  it.each([
    ['NUL', 'a\u0000b', 'ab'],
    ['BEL and ESC (an ANSI colour)', 'ok\u0007\u001b[31mred', 'ok[31mred'],
    ['vertical tab and form feed', 'a\u000bb\u000cc', 'abc'],
    ['DEL and C1 controls', 'a\u007fb\u0085c\u009bd', 'abcd'],
    ['a right-to-left override', 'txt.\u202eexe', 'txt.exe'],
    ['every embedding, override and isolate', '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069x', 'x'],
    ['a byte order mark inside text', '\ufeffFreeStyle', 'FreeStyle'],
    ['a lone high surrogate', 'a\ud83db', 'a\ufffdb'],
    ['a lone low surrogate', 'a\ude00b', 'a\ufffdb'],
    ['CR LF and a lone CR', 'a\r\nb\rc', 'a\nb\nc'],
  ])('removes %s', (_name, input, expected) => {
    expect(sanitiseText(input)).toBe(expected);
  });

  it('keeps tab, newline, Swedish, Norwegian, emoji pairs and ordinary punctuation', () => {
    const text = 'Räksmörgås\tøl\nSå 😀 – "x" ‘y’ ™ é';
    expect(sanitiseText(text)).toBe(text);
  });

  it('leaves nothing unsafe, and is idempotent (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const once = sanitiseText(text);
        expect(sanitiseText(once)).toBe(once);
        // eslint-disable-next-line no-control-regex
        expect(once).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufeff]/);
        expect(Buffer.from(once, 'utf8').toString('utf8')).toBe(once);
      }),
      { seed: Number(process.env.FC_SEED ?? 21), numRuns: Number(process.env.FC_RUNS ?? 200) },
    );
  });
});

describe('sanitiseDeep', () => {
  it('cleans every string of an item, keys of nested objects included, and returns clean input as is', () => {
    const clean = { title: 'ok', product: { tradeName: 'x', emdnCodes: ['P0101'] } };
    expect(sanitiseDeep(clean)).toBe(clean);
    const dirty = { title: 'a\u0007b', product: { tradeName: '\u202ex', emdnCodes: ['P01\u000001'] }, n: 3 };
    expect(sanitiseDeep(dirty)).toEqual({
      title: 'ab',
      product: { tradeName: 'x', emdnCodes: ['P0101'] },
      n: 3,
    });
    expect(dirty.title).toBe('a\u0007b');
  });
});
