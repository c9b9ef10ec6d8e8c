import { describe, expect, it } from 'vitest';
import { databaseSettingWarnings } from './self-check.js';

describe('databaseSettingWarnings', () => {
  it('warns when autovacuum is off, and only then', () => {
    expect(databaseSettingWarnings({ autovacuum: 'off' })).toEqual([
      expect.stringMatching(/autovacuum is off/),
    ]);
    expect(databaseSettingWarnings({ autovacuum: 'on' })).toEqual([]);
  });
});
