import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { VitalsBatch__Output as VitalsBatch } from '../shared/gen/fleetswap/v1/VitalsBatch.js';
import type { VitalsSample__Output as VitalsSample } from '../shared/gen/fleetswap/v1/VitalsSample.js';
import { cleanup, tempDir } from '../test/fixtures.js';
import { DEFAULT_ERROR_PATTERN, ErrorLogCounter } from './error-log.js';
import { MAX_BUFFERED_SAMPLES, REPLAY_MS, VitalsSampler, type VitalsOptions } from './vitals.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const METRICS = { load1: 0.5, cpu_pct: 10, mem_pct: 20 };

/** sampling runs a sampler that sends every batch at once, until `enough` says stop; it returns the samples and the time it ran. */
async function sampling(o: Partial<VitalsOptions>, enough: (s: VitalsSample[]) => boolean): Promise<{ samples: VitalsSample[]; ranMs: number }> {
  const samples: VitalsSample[] = [];
  const sampler = new VitalsSampler({
    intervalMs: 100,
    metrics: { read: async () => METRICS },
    healthTimeoutMs: 1_000,
    now: Date.now,
    liveRelease: () => 'r1',
    send: (b) => (samples.push(...b.samples), true),
    ...o,
  });
  const t0 = Date.now();
  sampler.start();
  while (!enough(samples)) await sleep(10);
  sampler.stop();
  return { samples, ranMs: Date.now() - t0 };
}

describe('VitalsSampler', () => {
  it('sends its last samples again on a new stream, without counting them twice', async () => {
    const sent: VitalsBatch[] = [];
    let t = 100_000;
    const sampler = new VitalsSampler({
      intervalMs: 1,
      metrics: { read: async () => ({ load1: 0.5, cpu_pct: 10, mem_pct: 20 }) },
      healthTimeoutMs: 100,
      now: () => (t += 1000),
      liveRelease: () => 'r1',
      send: (b) => {
        sent.push({ samples: [...b.samples], dropped: b.dropped });
        return true;
      },
    });
    sampler.start();
    while (sent.length < 40) await new Promise((r) => setTimeout(r, 2));
    sampler.stop();
    const stats = sampler.stats();
    const last = sent.at(-1)!.samples.at(-1)!.ts_ms;
    sampler.resend();
    const again = sent.at(-1)!.samples.map((s) => s.ts_ms);
    // The last REPLAY_MS of samples, by the clock at resend (one tick on from the last).
    expect(again.at(-1)).toBe(last);
    expect(again[0]).toBeGreaterThanOrEqual(last + 1000 - REPLAY_MS);
    expect(again.length).toBe(REPLAY_MS / 1000);
    expect(sampler.stats()).toEqual(stats);
  });

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
    // Every sample taken is either in the first batch or counted as dropped (the clock's first read is at start).
    expect(first.dropped + first.samples.length).toBe(first.samples.at(-1)!.ts_ms - 1);
    expect(first.dropped).toBeGreaterThan(0);
    expect(second).toMatchObject({ dropped: 0 });
    expect(second.samples[0]?.ts_ms).toBe(first.samples.at(-1)!.ts_ms + 1);
    expect(first.samples[0]).toMatchObject({ release_id: 'r1', load1: 0.5, cpu_pct: 10, mem_pct: 20, error_lines: 0, probed: false });
  });

  it('says how long each sample covers: a tick skipped while a slow read runs gives one sample covering two intervals', async () => {
    // Metrics that take 150 ms stand in for a slow health probe: the tick at 200 ms finds the sampler busy.
    const slow = { read: async () => (await sleep(150), METRICS) };
    const { samples, ranMs } = await sampling({ metrics: slow }, (s) => s.length >= 4);
    const intervals = samples.map((s) => s.interval_ms ?? 0);
    expect(intervals[0]).toBeGreaterThanOrEqual(90);
    for (const ms of intervals.slice(1)) expect(ms).toBeGreaterThanOrEqual(190);
    // The intervals tile the time since start: nothing counted twice, and only the last read's time left out.
    const covered = intervals.reduce((a, b) => a + b, 0);
    expect(covered).toBeLessThanOrEqual(ranMs);
    expect(covered).toBeGreaterThan(ranMs - 500);
  });

  it('carries the error log\'s lines, incidents and seconds', async () => {
    const dir = await tempDir();
    const log = join(dir, 'app-error.log');
    const errorLog = new ErrorLogCounter(log, { start: DEFAULT_ERROR_PATTERN, gapMs: 1_000 });
    try {
      await writeFile(log, '');
      await errorLog.start();
      const trace = 'Error: boom\n    at a (/srv/a.js:1:1)\nCaused by: Error: inner\n    at b (/srv/b.js:2:2)\n';
      await appendFile(log, trace + trace.replace('boom', 'again'));
      const total = (s: VitalsSample[], k: 'error_lines' | 'error_incidents' | 'error_seconds') => s.reduce((a, x) => a + (x[k] ?? 0), 0);
      const { samples } = await sampling({ errorLog }, (s) => total(s, 'error_incidents') >= 2);
      expect({ lines: total(samples, 'error_lines'), incidents: total(samples, 'error_incidents'), seconds: total(samples, 'error_seconds') }).toMatchObject({ lines: 4, incidents: 2 });
      // Both were written at once: one second, or two if the read straddled a second's end.
      expect(total(samples, 'error_seconds')).toBeGreaterThanOrEqual(1);
      expect(total(samples, 'error_seconds')).toBeLessThanOrEqual(2);
    } finally {
      await errorLog.close();
      await cleanup(dir);
    }
  });
});
