import { describe, expect, it } from 'vitest';
import { timeOrderedUuid } from '../../src/store/resolution.js';

describe('new candidate ids', () => {
  it('are version 7 UUIDs whose order follows their creation time', () => {
    const ids = [0, 1, 2, 1000, 86_400_000].map((offset) => timeOrderedUuid(1_765_000_000_000 + offset));
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect([...ids].sort()).toEqual(ids);
  });

  it('differ within one millisecond', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => timeOrderedUuid(1_765_000_000_000)));
    expect(ids.size).toBe(1000);
  });
});
