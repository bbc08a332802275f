import { CONTINUOUS, type Continuous, type Declaration, type Evidence, type JudgeConfig, type JudgeInput, type TestKey } from './judge-config.js';
import type { HostState } from './judge-tally.js';
import { round } from './judge-verdict.js';
import { lookShare, mannWhitneyGreater, median, signTestGreater } from './stats.js';

// The tests of load, CPU and probe latency (continuous metrics), against the
// baseline and against each canary's own past. The Judge calls a look every
// bucketMs of judged time; the error tests, judged every step, stay in judge.ts.

/** Recorder takes one test's p-value and evidence at a look (Judge.record keeps the running minimum). */
export type Recorder = (key: TestKey, p: number, evidence: Omit<Evidence, 'p'>) => void;

/**
 * lookContinuous is the j-th look at load, CPU and probe latency: each host is one value, its mean
 * over the steps it was a member for, less its own past mean where it has one, so neither a host's
 * lasting level nor the autocorrelation of its samples can pass for evidence. The test at look j
 * has level share * lookShare(j): over all looks, at most the share.
 */
export function lookContinuous(input: JudgeInput, d: Declaration, j: number, config: JudgeConfig, hosts: ReadonlyMap<string, HostState>, record: Recorder): void {
  const floorOf = (m: Continuous, scale: number) => Math.max(config.floors[m].abs, config.floors[m].rel * Math.abs(scale));
  const members = (role: 'canary' | 'baseline') => [...hosts.entries()].filter(([k]) => k.startsWith(`${role}:`)).map(([, h]) => h);
  const canaries = members('canary');
  const base = members('baseline');
  const probed = canaries.some((h) => h.judged.probes > 0);
  for (const m of CONTINUOUS) {
    if (m === 'probe_ms' && !probed) continue;
    const level = (h: HostState) => (m === 'probe_ms' ? (h.judged.probes ? h.judged.probe_ms / h.judged.probes : undefined) : h.judged.samples ? h.judged[m] / h.judged.samples : undefined);
    const change = (h: HostState) => {
      const v = level(h);
      const o = h.ref.offset[m];
      return v === undefined || o === undefined ? undefined : v - o;
    };
    const values = (hs: HostState[], f: (h: HostState) => number | undefined) => hs.map(f).filter((v): v is number => v !== undefined);
    const baseLevels = values(base, level);
    if (base.length > 0 || d.shares[`${m}:baseline`] > 0) {
      const f = d.changes[m] ? change : level;
      const x = values(canaries, f);
      const y = values(base, f);
      // The tolerance scales with the metric's level on the old release (20% of 30% CPU is 6 points).
      const tol = floorOf(m, median(baseLevels.length ? baseLevels : [0]));
      const share = d.shares[`${m}:baseline`];
      const threshold = input.baseline.length > 0 ? share : 0;
      const mw = mannWhitneyGreater(x.map((v) => v - tol), y);
      const p = x.length && y.length ? Math.min(1, mw.p / lookShare(j)) : 1;
      const best = bestRankP(x.length, y.length) / lookShare(j);
      const effect = x.length && y.length ? median(x) - median(y) : 0;
      record(`${m}:baseline`, p, {
        metric: m,
        versus: 'baseline',
        unit: d.changes[m] ? `change in ${LEVEL_UNITS[m]} since own past` : LEVEL_UNITS[m],
        canary: x.length ? median(x) : 0,
        base: y.length ? median(y) : 0,
        effect,
        statistic: mw.z,
        threshold,
        alpha_share: share,
        tolerance: tol,
        outcome: x.length === 0 || y.length === 0 ? 'no-data' : threshold > 0 && p <= threshold ? 'fail' : 'ok',
        detail:
          `${x.length} canary hosts vs ${y.length}, one value per host (${d.changes[m] ? "changes since each host's own minutes before" : 'levels'}); fails only if the canaries are surely more than ${round(tol)} higher` +
          (threshold > 0 && best > threshold ? `; cannot decide: ${x.length} canary and ${y.length} baseline hosts are too few for a rank test at p <= ${threshold.toPrecision(2)}` : '') +
          (threshold > 0 ? '' : '; no hosts on the old release now: shown, not decisive'),
      });
    }
    const changes = values(canaries, change);
    if (changes.length > 0 || d.shares[`${m}:before`] > 0) {
      const offsets = canaries.map((h) => h.ref.offset[m]).filter((o): o is number => o !== undefined);
      const tol = floorOf(m, median(offsets.length ? offsets : [0]));
      const share = d.shares[`${m}:before`];
      const threshold = input.baseline.length === 0 ? share : 0;
      const above = changes.filter((v) => v > tol).length;
      const p = changes.length ? Math.min(1, signTestGreater(above, changes.length) / lookShare(j)) : 1;
      const best = changes.length ? signTestGreater(changes.length, changes.length) / lookShare(j) : 1;
      record(`${m}:before`, p, {
        metric: m,
        versus: 'before',
        unit: LEVEL_UNITS[m],
        canary: changes.length ? median(values(canaries, level)) : 0,
        base: offsets.length ? median(offsets) : 0,
        effect: changes.length ? median(changes) : 0,
        statistic: above,
        threshold,
        alpha_share: share,
        tolerance: tol,
        outcome: changes.length === 0 ? 'no-data' : threshold > 0 && p <= threshold ? 'fail' : 'ok',
        detail:
          `${above} of ${changes.length} canary hosts rose more than ${round(tol)} from their own minutes before (sign test)` +
          (threshold > 0 && best > threshold ? `; cannot decide: ${changes.length} hosts are too few for p <= ${threshold.toPrecision(2)}` : '') +
          (threshold > 0 ? '' : '; shown, not decisive: hosts on the old release run alongside'),
      });
    }
  }
}

/**
 * bestRankP is the smallest p the rank test can give with n1 and n2 hosts (every canary above every
 * baseline host): if even that is above the threshold, the test cannot decide, and says so.
 */
function bestRankP(n1: number, n2: number): number {
  if (n1 === 0 || n2 === 0) return 1;
  return mannWhitneyGreater(Array.from({ length: n1 }, (_, i) => 1 + i), Array.from({ length: n2 }, (_, i) => -1 - i)).p;
}

/** What the figures of a test of continuous metric m are, in words for operators (MetricEvidence.unit). */
const LEVEL_UNITS: Record<'load1' | 'cpu_pct' | 'probe_ms', string> = { load1: 'load1', cpu_pct: 'CPU %', probe_ms: 'probe ms' };
