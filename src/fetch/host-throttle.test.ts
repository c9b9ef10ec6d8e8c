import { describe, expect, it } from 'vitest';
import { MemoryHostThrottle } from './host-throttle.js';

describe('MemoryHostThrottle', () => {
  it('hands out consecutive slots per host and keeps hosts independent', async () => {
    let now = 1_000;
    const throttle = new MemoryHostThrottle(() => now);
    const waits = await Promise.all([
      throttle.reserve('tlv.se', 300),
      throttle.reserve('tlv.se', 300),
      throttle.reserve('TLV.se', 300),
      throttle.reserve('sbu.se', 300),
    ]);
    expect(waits).toEqual([0, 300, 600, 0]);
    now += 1_000;
    expect(await throttle.reserve('tlv.se', 300)).toBe(0);
  });

  it('counts down the wait as time passes', async () => {
    let now = 0;
    const throttle = new MemoryHostThrottle(() => now);
    await throttle.reserve('a', 1_000);
    now = 400;
    expect(await throttle.reserve('a', 1_000)).toBe(600);
  });
});
