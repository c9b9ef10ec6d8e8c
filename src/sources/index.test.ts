import { describe, expect, it } from 'vitest';
import { adapters, getAdapter } from './index.js';

describe('adapter registry', () => {
  it('registers each adapter under its own id', () => {
    // Containment, not equality: adapters are added in parallel, each with its own registry line.
    expect(Object.keys(adapters)).toEqual(
      expect.arrayContaining(['eudamed-devices', 'sbu-publications', 'tlv']),
    );
    for (const [id, adapter] of Object.entries(adapters)) expect(adapter.id).toBe(id);
  });

  it('finds adapters by id and nothing else', () => {
    expect(getAdapter('tlv')?.id).toBe('tlv');
    expect(getAdapter('sbu')).toBeUndefined();
    expect(getAdapter('constructor')).toBeUndefined();
    expect(getAdapter('__proto__')).toBeUndefined();
  });
});
