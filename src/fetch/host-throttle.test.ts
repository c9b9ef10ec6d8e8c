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

  it('claims a send only an interval after the last one, and a late send pushes the next slots', async () => {
    let now = 0;
    const throttle = new MemoryHostThrottle(() => now);
    expect(await throttle.reserve('a', 1_000)).toBe(0);
    expect(await throttle.reserve('a', 1_000)).toBe(1_000);
    // The first slot's request leaves 300 ms late; the second slot's, on time, must wait for it.
    now = 300;
    expect(await throttle.claim('A', 1_000)).toBe(0);
    now = 1_000;
    expect(await throttle.claim('a', 1_000)).toBe(300);
    now = 1_300;
    expect(await throttle.claim('a', 1_000)).toBe(0);
    // Slots handed out now start an interval after the actual send, not after the reserved one.
    expect(await throttle.reserve('a', 1_000)).toBe(1_000);
    expect(await throttle.claim('b', 1_000)).toBe(0);
  });
});
