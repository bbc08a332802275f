import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('draws below a cap that doubles up to the maximum, and starts over on reset', () => {
    const top = new Backoff(500, 30_000, () => 0.999999);
    const caps = Array.from({ length: 9 }, () => top.next() + 1);
    expect(caps).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    top.reset();
    expect(top.next()).toBe(499);
  });

  it('spreads a thousand agents that lost the coordinator together', () => {
    const delays = Array.from({ length: 1000 }, () => {
      const b = new Backoff(500, 30_000);
      b.next();
      b.next();
      return b.next(); // third attempt: uniform below 2 s
    });
    const buckets = new Array(4).fill(0) as number[];
    for (const d of delays) buckets[Math.min(3, Math.floor(d / 500))]!++;
    // No thundering herd: each half-second of the window gets a fair share.
    for (const n of buckets) expect(n).toBeGreaterThan(150);
  });
});
