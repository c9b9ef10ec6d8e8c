import { describe, expect, it } from 'vitest';
import { boundedEditDistance } from './edit-distance.js';

describe('boundedEditDistance', () => {
  it.each([
    ['identical', 'velora', 'velora', 2, 0],
    ['substitution', 'velora', 'vel0ra', 2, 1],
    ['first character', 'velora', 'xelora', 2, 1],
    ['insertion', 'velora', 'veloara', 2, 1],
    ['deletion', 'velora', 'elora', 2, 1],
    ['adjacent transposition counts once', 'velora', 'evlora', 2, 1],
    ['two edits', 'velora', 'xelorb', 2, 2],
    ['over the cap', 'velora', 'quistan', 2, 3],
    ['length difference over the cap', 'ab', 'abcdef', 2, 3],
    ['empty', '', 'abc', 5, 3],
  ])('%s', (_name, a, b, max, expected) => {
    expect(boundedEditDistance(a, b, max)).toBe(expected);
  });
});
