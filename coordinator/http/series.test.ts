import { describe, expect, it } from 'vitest';
import type { VitalsSample__Output as VitalsSample } from '../../shared/gen/fleetswap/v1/VitalsSample.js';
import { lineHosts, MAX_LINE_HOSTS, RolloutSeries, stepFor, type SampleReader } from './series.js';

// The rollout page's charts from samples: which line a sample is drawn on,
// what a bucket's value is, and that settled buckets are not read again.

const NEW = 'b'.repeat(64);
const OLD = 'a'.repeat(64);

const sample = (ts: number, release: string, over: Partial<VitalsSample> = {}): VitalsSample => ({
  ts_ms: ts,
  release_id: release,
  load1: 1,
  cpu_pct: 10,
  mem_pct: 50,
  error_lines: 0,
  probed: false,
  probe_ok: false,
  probe_latency_ms: 0,
  interval_ms: 1_000,
  error_incidents: 0,
  error_seconds: 0,
  ...over,
});

describe('RolloutSeries', () => {
  it('draws canaries on the new release, canaries before their switch, and the others still on the old one', async () => {
    const samples: Record<string, VitalsSample[]> = {
      c1: [sample(0, OLD, { load1: 2 }), sample(1_000, OLD, { load1: 4 }), sample(2_000, NEW, { load1: 6, error_seconds: 1, error_incidents: 1 })],
      b1: [sample(0, OLD, { load1: 1, probed: true, probe_ok: true, probe_latency_ms: 30 }), sample(2_000, OLD, { load1: 3 }), sample(2_500, NEW, { load1: 99 })],
    };
    const read: SampleReader = async (host, from, to) => samples[host]!.filter((s) => s.ts_ms >= from && s.ts_ms < to);
    const s = new RolloutSeries(NEW, [{ id: 'c1', canary: true }, { id: 'b1', canary: false }], 0, 2_000);
    await s.update(7_000, read);
    const out = s.series();
    // Buckets of 2 s, drawn once they ended 2 s ago: [0, 2000) and [2000, 4000).
    expect(out.t).toEqual([0, 2_000]);
    expect(out.metrics.load1).toEqual({ canary: [null, 6], before: [3, null], baseline: [1, 3] });
    // A baseline host that switched (a wave) leaves the baseline.
    expect(out.metrics.probe_ms.baseline).toEqual([30, null]);
    // Seconds with an error per host-minute: 1 of 1 s.
    expect(out.metrics.errors.canary).toEqual([null, 60]);
    expect(out.metrics.errors.before).toEqual([0, null]);
    expect(out.hosts).toEqual({ canary: 1, baseline: 1 });
  });

  it('reads again only what may still change: buckets younger than the settling time', async () => {
    const asked: [number, number][] = [];
    const read: SampleReader = async (_host, from, to) => {
      asked.push([from, to]);
      return [];
    };
    const s = new RolloutSeries(NEW, [{ id: 'h', canary: true }], 0, 1_000);
    await s.update(60_000, read);
    await s.update(61_000, read);
    expect(asked).toEqual([
      [0, 60_000],
      [50_000, 61_000],
    ]);
  });

  it('picks every canary and an even sample of the rest, and wider buckets for longer rollouts', () => {
    const hosts = [...Array.from({ length: 3 }, (_, i) => ({ id: `c${i}`, canary: true })), ...Array.from({ length: 1_000 }, (_, i) => ({ id: `h${i}`, canary: false }))];
    const picked = lineHosts(hosts);
    expect(picked.filter((h) => h.canary)).toHaveLength(3);
    expect(picked.filter((h) => !h.canary)).toHaveLength(MAX_LINE_HOSTS);
    expect(picked.filter((h) => !h.canary).slice(0, 3).map((h) => h.id)).toEqual(['h0', 'h10', 'h20']);
    expect(stepFor(60_000)).toBe(1_000);
    expect(stepFor(3_600_000)).toBe(15_000);
  });
});
