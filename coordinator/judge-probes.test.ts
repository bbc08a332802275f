import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL, judgeRun, T0, type FleetModel, type JudgedRun } from '../bench/sim/vitals-model.js';
import type { MetricEvidence__Output as MetricEvidence } from '../shared/gen/fleetswap/v1/MetricEvidence.js';
import type { Verdict__Output as Verdict } from '../shared/gen/fleetswap/v1/Verdict.js';
import { DEFAULT_JUDGE, type JudgeConfig } from './judge.js';

// The statistics review's probes (../shared/probes/judge/), each as a seeded
// test of the Judge: an identical release (A/A) or one inside the tolerance
// must not fail on realistic data. Fleets come from bench/sim/vitals-model.ts,
// the model the bench's canary scenario measures over 1,000 runs; here runs
// are few and fleets small, so each test takes a second or two.

const BAKE = 60_000;
const DEADLINE = 120_000;
const SMALL: FleetModel = { ...DEFAULT_MODEL, canaries: 10, baseline: 60 };

function runs(n: number, model: Partial<FleetModel>, opts: { config?: JudgeConfig; deadlineMs?: number; keepHistory?: boolean; baselineAt?: (now: number) => string[] } = {}): JudgedRun[] {
  const out: JudgedRun[] = [];
  for (let seed = 1; seed <= n; seed++) {
    out.push(judgeRun({ ...SMALL, ...model, seed }, { bakeMs: BAKE, deadlineMs: opts.deadlineMs ?? DEADLINE, ...opts }));
  }
  return out;
}

const failed = (rs: JudgedRun[]) => rs.filter((r) => r.outcome === 'fail').map((r) => `${r.atMs / 1000}s: ${r.verdict.reason}`);
const evidence = (v: Verdict, key: string): MetricEvidence | undefined => v.metrics.find((m) => `${m.metric}:${m.versus}` === key);

describe('Judge on realistic data (the review probes)', () => {
  describe('time is exposure: a new release whose slow probe skips every other tick (ticks.mjs)', () => {
    it('agents that report interval_ms and error_seconds: an identical release never fails, and its rate reads the same', () => {
      const rs = runs(20, { canaryEvery: 2 });
      expect(failed(rs)).toEqual([]);
      // Per host-minute, the canaries' rate (two-second samples) and the baseline's (one-second) agree.
      const ratio = rs.map((r) => evidence(r.verdict, 'errors:baseline')!.effect).reduce((a, x) => a + x, 0) / rs.length;
      expect(ratio).toBeGreaterThan(0.85);
      expect(ratio).toBeLessThan(1.15);
    });

    it('older agents (lines only): the interval is read from the gap between samples, and an identical release does not fail', () => {
      expect(failed(runs(20, { canaryEvery: 2, oldAgents: true }))).toEqual([]);
    });
  });

  it('a noisy baseline host that leaves 10 s into the phase does not fail an identical release (refs.mjs)', () => {
    const rs = runs(10, { baseline: 20, noisy: { rate: 5, leavesAtMs: 10_000 } });
    expect(failed(rs)).toEqual([]);
    // Its first 10 s stay in the steps they were judged in; the ratio is not rewritten from today's hosts.
    for (const r of rs) expect(evidence(r.verdict, 'errors:baseline')!.effect).toBeLessThan(2);
  });

  describe('bursts: an incident writes a stack trace of many lines (aa_burst.mjs)', () => {
    it.each([
      ['geometric, mean 5 lines', { kind: 'geometric', mean: 5 }],
      ['heavy-tailed (Pareto 1.5), mean 5 lines', { kind: 'pareto', mean: 5 }],
    ] as const)('%s: an identical release does not fail', (_name, burst) => {
      // 0.1 incidents/s: 0.5 lines/s, each a burst; counted as lines this fails about every other run.
      const rs = runs(60, { burst, rate: 0.1 });
      expect(failed(rs).length).toBeLessThanOrEqual(1);
    });
  });

  it('a release 1.15x worse does not fail the 1.2x tolerance by chance (floor2.mjs: 2 lines/s)', () => {
    const rs = runs(40, { canaries: 10, baseline: 190, rate: 2, ratio: 1.15 });
    expect(failed(rs)).toEqual([]);
    const ev = evidence(rs[0]!.verdict, 'errors:baseline')!;
    expect(ev.tolerance).toBe(DEFAULT_JUDGE.errorRatioFloor);
  });

  it('a chatty error log (an error in most seconds) is judged in incidents: a 2x release still fails, an identical one does not', () => {
    const bad = runs(5, { rate: 3, ratio: 2 });
    for (const r of bad) {
      expect(r.outcome).toBe('fail');
      expect(evidence(r.verdict, 'errors:baseline')!.detail).toMatch(/error incidents \(most seconds have an error/);
    }
    expect(failed(runs(20, { rate: 3 }))).toEqual([]);
  });

  it('per-host error weights are not estimated from two minutes when hosts do not differ, and are when they do (weights.mjs)', () => {
    const alike = runs(20, {});
    const counted = alike.filter((r) => /hosts counted alike/.test(evidence(r.verdict, 'errors:baseline')!.detail)).length;
    expect(counted).toBeGreaterThanOrEqual(19);
    const differ = runs(5, { rateHostSd: 1.2, rate: 0.5 });
    for (const r of differ) expect(evidence(r.verdict, 'errors:baseline')!.detail).toMatch(/each host weighted by its own past rate/);
  });

  describe('load and CPU: one value per host, offsets removed, autocorrelated samples (mw.mjs)', () => {
    // No tolerance: the rank test alone must hold its level, so a floor cannot be what protects it.
    const bare: JudgeConfig = { ...DEFAULT_JUDGE, floors: { load1: { abs: 0, rel: 0 }, cpu_pct: { abs: 0, rel: 0 }, probe_ms: { abs: 0, rel: 0 } } };
    it.each([
      ['lasting per-host offsets (SD 0.5 in load, 8 in CPU) under AR(1) noise, rho 0.95 a second', { load: { mean: 1, sd: 0.15, hostSd: 0.5, rho: 0.95 }, cpu: { mean: 30, sd: 4, hostSd: 8, rho: 0.95 } }],
      ['AR(1) noise, rho 0.98 a second (as load1 moves)', { load: { mean: 1, sd: 0.3, hostSd: 0, rho: 0.98 }, cpu: { mean: 30, sd: 6, hostSd: 0, rho: 0.98 } }],
    ] as const)('%s: an identical release never reaches the threshold', (_name, model) => {
      const rs = runs(40, { ...model, rate: 0.1 }, { config: bare, deadlineMs: 90_000 });
      const reached = rs.filter((r) => ['load1:baseline', 'cpu_pct:baseline'].some((k) => {
        const ev = evidence(r.verdict, k);
        return ev !== undefined && ev.p <= ev.threshold;
      }));
      expect(reached.length).toBeLessThanOrEqual(1);
    });

    it('still fails a real load increase beyond the tolerance', () => {
      const rs = runs(5, { loadShift: 1, load: { mean: 1, sd: 0.3, hostSd: 0.3, rho: 0.98 } });
      for (const r of rs) {
        expect(r.outcome).toBe('fail');
        expect(evidence(r.verdict, 'load1:baseline')!.outcome).toBe('fail');
      }
    });
  });

  describe('a fixed alpha budget, declared when the phase starts', () => {
    it('a health probe that first reports 20 s in takes only its own share: the error test\'s threshold never moves', () => {
      const [r] = runs(1, { probeFromMs: 20_000 }, { keepHistory: true });
      const thresholds = new Set(r!.history!.map((v) => evidence(v, 'errors:baseline')?.threshold).filter((t) => t !== undefined));
      expect([...thresholds]).toEqual([DEFAULT_JUDGE.alpha * DEFAULT_JUDGE.budget.withBaseline['errors:baseline']]);
      const probe = evidence(r!.verdict, 'probe_ms:baseline')!;
      expect(probe.alpha_share).toBeCloseTo(DEFAULT_JUDGE.alpha * DEFAULT_JUDGE.budget.withBaseline['probe_ms:baseline'], 12);
    });

    it('when the baseline empties, the tests against the canaries\' own past decide only at the share they held from the start', () => {
      const rs = runs(10, { baseline: 10, churnEveryMs: 3_000 }, { keepHistory: true });
      expect(failed(rs)).toEqual([]);
      for (const r of rs) {
        const first = evidence(r.history![1]!, 'errors:before')!;
        const last = evidence(r.verdict, 'errors:before')!;
        expect(first.threshold).toBe(0); // shown, not decisive, while the baseline runs alongside
        expect(last.threshold).toBe(first.alpha_share);
        expect(last.threshold).toBeLessThan(DEFAULT_JUDGE.alpha / 10);
      }
    });

    it('one test keeps one statistic, each host its own reference: the hosts with no past leaving the baseline changes neither', () => {
      // b-0000..b-0009 joined at the switch (no past); they leave the baseline 20 s in.
      const id = (i: number) => `b-${String(i).padStart(4, '0')}`;
      const [r] = runs(1, { baseline: 20, newcomers: 10 }, {
        keepHistory: true,
        baselineAt: (now) => Array.from({ length: 20 }, (_, i) => id(i)).filter((_, i) => now - T0 < 20_000 || i >= 10),
      });
      const kinds = new Set(r!.history!.map((v) => evidence(v, 'load1:baseline')?.detail.match(/\((levels|changes since each host's own minutes before)\)/)?.[1]).filter((k) => k !== undefined));
      expect([...kinds]).toEqual(["changes since each host's own minutes before"]);
    });
  });
});
