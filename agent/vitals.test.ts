import { describe, expect, it } from 'vitest';
import type { VitalsBatch } from '../shared/wire.js';
import { MAX_BUFFERED_SAMPLES, VitalsSampler } from './vitals.js';

describe('VitalsSampler', () => {
  it('buffers while it cannot send, drops the oldest past its bound, and says how many', async () => {
    let online = false;
    const sent: VitalsBatch[] = [];
    let t = 0;
    const sampler = new VitalsSampler({
      intervalMs: 1,
      metrics: { read: async () => ({ load1: 0.5, cpu_pct: 10, mem_pct: 20 }) },
      healthTimeoutMs: 100,
      now: () => ++t,
      liveRelease: () => 'r1',
      send: (b) => {
        if (!online) return false;
        sent.push({ samples: [...b.samples], dropped: b.dropped });
        return true;
      },
    });
    sampler.start();
    while (t < MAX_BUFFERED_SAMPLES + 50) await new Promise((r) => setTimeout(r, 5));
    online = true;
    while (sent.length < 2) await new Promise((r) => setTimeout(r, 5));
    sampler.stop();
    const [first, second] = sent as [VitalsBatch, VitalsBatch];
    expect(first.samples).toHaveLength(MAX_BUFFERED_SAMPLES);
    // Every sample taken is either in the first batch or counted as dropped.
    expect(first.dropped + first.samples.length).toBe(first.samples.at(-1)!.ts_ms);
    expect(first.dropped).toBeGreaterThan(0);
    expect(second).toMatchObject({ dropped: 0 });
    expect(second.samples[0]?.ts_ms).toBe(first.samples.at(-1)!.ts_ms + 1);
    expect(first.samples[0]).toMatchObject({ release_id: 'r1', load1: 0.5, cpu_pct: 10, mem_pct: 20, error_lines: 0, probed: false });
  });
});
