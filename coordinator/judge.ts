import type { CohortVitals, JudgedMetric, MetricEvidence, Verdict, VerdictOutcome, VitalsSample } from '../shared/wire.js';
import {
  alwaysValidP,
  effectiveN,
  mannWhitneyGreater,
  median,
  rateBelow,
  rateIncrease,
  rateIncreaseVsKnown,
  type RateInterval,
} from './stats.js';

type Continuous = Exclude<JudgedMetric, 'errors'>;

export interface JudgeConfig {
  /** The false-rollback rate of one judged phase, however often it is judged; split over its tests. */
  alpha: number;
  /** Per-second samples of one host are autocorrelated: they are judged as per-host means over windows this long. */
  bucketMs: number;
  /** A window is judged this long after it ends, so samples still in flight count. */
  lagMs: number;
  /** A canary silent this long holds the verdict (missing data never passes). */
  staleMs: number;
  /** How much of each canary's time before its switch is its own reference. */
  beforeMs: number;
  /** The share of the judged windows a canary must have reported in for a pass. */
  minCoverage: number;
  /** An error-rate increase smaller than this ratio never fails a canary. */
  errorRatioFloor: number;
  /** A clean canary passes before the bake ends once an error-rate increase this large is ruled out. */
  earlyPassRatio: number;
  /** Effect-size floors: a significant difference smaller than abs, or than rel x the reference median, does not fail. */
  floors: Record<Continuous, { abs: number; rel: number }>;
  /** Consecutive failed health probes on a canary that fail the verdict. */
  probeFailStreak: number;
}

export const DEFAULT_JUDGE: JudgeConfig = {
  alpha: 0.01,
  bucketMs: 5_000,
  lagMs: 1_500,
  staleMs: 10_000,
  beforeMs: 120_000,
  minCoverage: 0.5,
  errorRatioFloor: 1.2,
  earlyPassRatio: 2,
  floors: {
    load1: { abs: 0.25, rel: 0.2 },
    cpu_pct: { abs: 5, rel: 0.2 },
    probe_ms: { abs: 25, rel: 0.2 },
  },
  probeFailStreak: 3,
};

export interface JudgedHost {
  id: string;
  /** When the host went live on the new release. */
  switchedAt: number;
  /** What the host says is live now. */
  live: string;
  connected: boolean;
}

export interface JudgeInput {
  now: number;
  phase: string;
  newRelease: string;
  oldRelease: string;
  canaries: readonly JudgedHost[];
  /** Hosts still on the old release: compared over the same windows. */
  baseline: readonly string[];
  /** samples returns a host's samples with from <= ts_ms < to, oldest first. */
  samples: (host: string, from: number, to: number) => readonly VitalsSample[];
}

interface Cell {
  n: number;
  errors: number;
  load1: number;
  cpu_pct: number;
  mem_pct: number;
  probes: number;
  probe_ms: number;
  probeFailures: number;
}

/** A test whose anytime-valid p-value is kept as a running minimum over every look. */
interface SequentialTest {
  p: number;
  failed: boolean;
  evidence?: MetricEvidence;
}

/**
 * A host's own minutes before the switch. Hosts differ for good (a bigger
 * box, a busier shard): comparing canaries with the baseline as if every
 * host shared one rate calls those differences regressions. So each host's
 * exposure is weighted by its own past error rate, and its load, CPU and
 * latency are judged as changes from its own past.
 */
interface Reference {
  cells: Cell[];
  /** The host's error rate before, relative to the fleet's, shrunk towards 1 when it has little history. */
  errorWeight: number;
  /** The host's mean before, per metric; undefined with fewer than MIN_REFERENCE_WINDOWS. */
  offset: Partial<Record<Continuous, number>>;
}

const CONTINUOUS: readonly Continuous[] = ['load1', 'cpu_pct', 'probe_ms'];
const ERRORS_Z = 2.33; // one-sided 99% normal quantile, for padding a reference rate
const ERROR_PRIOR_LINES = 10; // how many error lines of history it takes to move a host's weight halfway from 1
const MIN_REFERENCE_WINDOWS = 3;
// An error rate this far above the baseline's, with at least this much evidence (one stray line is
// not), keeps a canary in judgement past its bake.
const LEANING_RATIO = 1.5;
const LEANING_P = 0.1;

/**
 * Judge decides whether the hosts that took a new release are worse than the
 * hosts still on the old one (and than their own minutes before the switch).
 * One Judge serves one judged phase: the sequential tests start when the
 * phase starts, and every look at the data keeps their error rates at alpha.
 * Everything it concludes is recomputed from stored samples, so a restarted
 * coordinator reaches the same verdict.
 */
export class Judge {
  private readonly tests = new Map<string, SequentialTest>();
  private readonly before = new Map<string, Cell[]>();
  private refs: { canary: Reference[]; base: Reference[] } | undefined;
  /** The judged windows' cells, kept until a window completes: the coordinator looks every second, a window ends every few. */
  private window: { key: string; canary: Cell[][]; base: Cell[][] } | undefined;
  private judgedBuckets = -1;

  constructor(
    private readonly start: number,
    private readonly bakeMs: number,
    private readonly config: JudgeConfig = DEFAULT_JUDGE,
  ) {}

  evaluate(input: JudgeInput): Verdict {
    const c = this.config;
    const elapsed = Math.max(0, input.now - this.start);
    const buckets = Math.max(0, Math.floor((input.now - c.lagMs - this.start) / c.bucketMs));
    const { canary: canaryCells, base: baseCells } = this.windowCells(input, buckets);
    const probed = canaryCells.some((cells) => cells.some((x) => x.probes > 0));
    // The tests that can fail a verdict: errors, load, CPU (and probe latency) against one reference.
    const planned = 2 + (probed ? 2 : 1);
    const threshold = c.alpha / planned;

    // Each window is looked at once; later looks only add windows.
    for (let k = this.judgedBuckets + 1; k <= buckets; k++) {
      this.look(input, k, canaryCells, baseCells, probed, threshold);
    }
    this.judgedBuckets = Math.max(this.judgedBuckets, buckets);

    const metrics = [...this.tests.values()].map((t) => t.evidence).filter((e): e is MetricEvidence => e !== undefined);
    const cohorts = [
      cohort('canary', input.canaries.length, canaryCells, c.bucketMs, c.staleMs, input, input.canaries.map((h) => h.id)),
      cohort('baseline', input.baseline.length, baseCells, c.bucketMs, c.staleMs, input, input.baseline),
    ];
    const verdict = (outcome: VerdictOutcome, reason: string): Verdict => ({
      outcome,
      reason,
      at: new Date(input.now).toISOString(),
      phase: input.phase,
      elapsed_ms: elapsed,
      bake_ms: this.bakeMs,
      metrics,
      cohorts,
    });

    const fails = [...health(input, c), ...metrics.filter((m) => m.outcome === 'fail').map(describeFail)];
    if (fails.length > 0) return verdict('fail', fails.join('; '));
    if (input.canaries.length === 0) return verdict('pending', 'no hosts on the new release yet');
    const holds = silent(input, c);
    if (holds.length > 0) return verdict('hold', `${holds.join('; ')}: missing data never passes`);
    const thin = coverage(input.canaries, canaryCells, buckets, c.minCoverage);
    if (elapsed >= this.bakeMs) {
      if (thin.length > 0) return verdict('hold', `${thin.join('; ')}: too little data to pass`);
      const leaning = this.leaningWorse(canaryCells, baseCells, threshold);
      if (leaning) return verdict('pending', `the bake is over, but ${leaning}: judging on until the phase deadline`);
      return verdict('pass', `no regression in ${Math.round(elapsed / 1000)}s of judging`);
    }
    // An early pass is a pass: a canary that missed most windows (silent, then back) must not get one.
    const early = thin.length === 0 ? this.earlyPass(canaryCells, baseCells, elapsed, threshold) : undefined;
    if (early) return verdict('pass', early);
    return verdict('pending', `judging: ${Math.ceil((this.bakeMs - elapsed) / 1000)}s of the bake left`);
  }

  private windowCells(input: JudgeInput, buckets: number): { canary: Cell[][]; base: Cell[][] } {
    const key = `${buckets}|${input.canaries.map((h) => h.id).join(',')}|${input.baseline.join(',')}`;
    if (this.window?.key !== key) {
      const end = this.start + buckets * this.config.bucketMs;
      this.window = {
        key,
        canary: input.canaries.map((h) => this.cells(input.samples(h.id, this.start, end), input.newRelease, buckets, this.start)),
        base: input.baseline.map((id) => this.cells(input.samples(id, this.start, end), input.oldRelease, buckets, this.start)),
      };
    }
    return this.window;
  }

  /** look runs every test on the first k windows. */
  private look(input: JudgeInput, k: number, canary: Cell[][], base: Cell[][], probed: boolean, threshold: number): void {
    const c = this.config;
    const refs = this.references(input);
    if (base.length > 0) {
      const intervals = rateIntervals(canary, base, k, refs);
      const r = rateIncrease(intervals);
      const cr = errorsPerMin(canary, k, c.bucketMs);
      const br = errorsPerMin(base, k, c.bucketMs);
      this.record('errors:baseline', r.p, {
        metric: 'errors',
        versus: 'baseline',
        canary: cr,
        base: br,
        effect: r.ratio,
        statistic: r.logLR,
        threshold,
        outcome: r.p <= threshold && r.ratio >= c.errorRatioFloor ? 'fail' : intervals.some((i) => i.canaryExposure > 0) ? 'ok' : 'no-data',
        detail: `${sum(canary, k, 'errors')} error lines in ${sum(canary, k, 'n')} canary samples vs ${sum(base, k, 'errors')} in ${sum(base, k, 'n')}, each host weighted by its own past rate`,
      });
    }
    const before = refs.canary.map((r) => r.cells);
    // With hosts on the old release running alongside, the comparison with the canaries' own past is
    // shown but does not decide: a change across the whole fleet (an incident, a traffic peak) shows
    // there too, and the baseline comparison already works on each host's change from its own past.
    const beforeThreshold = base.length > 0 ? 0 : threshold;
    const beforeNote = base.length > 0 ? '; shown, not decisive: hosts on the old release run alongside' : '';
    const pre = { count: before.reduce((a, cells) => a + cells.reduce((b, x) => b + x.errors, 0), 0), exposure: before.reduce((a, cells) => a + cells.reduce((b, x) => b + x.n, 0), 0) };
    if (pre.exposure > 0) {
      // The reference rate is an estimate: pad it to its upper bound so its noise cannot fail a canary.
      const rate0 = (pre.count + 1 + ERRORS_Z * Math.sqrt(pre.count + 1)) / pre.exposure;
      const intervals = [];
      for (let b = 0; b < k; b++) intervals.push({ count: canary.reduce((a, cells) => a + (cells[b]?.errors ?? 0), 0), exposure: canary.reduce((a, cells) => a + (cells[b]?.n ?? 0), 0) });
      const r = rateIncreaseVsKnown(intervals, rate0);
      const perMinPre = (pre.count / Math.max(1, before.reduce((a, cells) => a + cells.filter((x) => x.n > 0).length, 0))) * (60_000 / c.bucketMs);
      this.record('errors:before', r.p, {
        metric: 'errors',
        versus: 'before',
        canary: errorsPerMin(canary, k, c.bucketMs),
        base: perMinPre,
        effect: r.ratio,
        statistic: r.logLR,
        threshold: beforeThreshold,
        outcome: beforeThreshold > 0 && r.p <= beforeThreshold && r.ratio >= c.errorRatioFloor ? 'fail' : intervals.some((i) => i.exposure > 0) ? 'ok' : 'no-data',
        detail: `${intervals.reduce((a, i) => a + i.count, 0)} error lines in ${intervals.reduce((a, i) => a + i.exposure, 0)} samples vs ${pre.count} in ${pre.exposure} before the switch${beforeNote}`,
      });
    }
    for (const metric of CONTINUOUS) {
      if (metric === 'probe_ms' && !probed) continue;
      const x = means(canary, k, metric);
      if (base.length > 0) {
        // Changes from each host's own past, among the hosts that have one (a host that just joined
        // has none, and must not send everyone back to comparing levels); levels if a side has none.
        const y = means(base, k, metric);
        const withRef = (cells: Cell[][], side: Reference[]) => cells.filter((_, i) => side[i]?.offset[metric] !== undefined);
        const offsets = (side: Reference[]) => side.map((r) => r.offset[metric]).filter((o): o is number => o !== undefined);
        const cx = withRef(canary, refs.canary);
        const bx = withRef(base, refs.base);
        if (cx.length > 0 && bx.length > 0) {
          const dx = means(cx, k, metric, offsets(refs.canary));
          const dy = means(bx, k, metric, offsets(refs.base));
          this.rankTest(`${metric}:baseline`, metric, 'baseline', dx, dy, threshold, median(y), 'changes since each host\'s own minutes before');
        } else {
          this.rankTest(`${metric}:baseline`, metric, 'baseline', x, y, threshold, median(y), 'levels');
        }
      }
      this.rankTest(`${metric}:before`, metric, 'before', x, before.flatMap((cells) => means([cells], cells.length, metric)), beforeThreshold, undefined, `levels${beforeNote}`);
    }
  }

  /** references are computed once per phase: the minutes before it do not change. */
  private references(input: JudgeInput): { canary: Reference[]; base: Reference[] } {
    if (this.refs) return this.refs;
    const canary = input.canaries.map((h) => this.beforeCells(input, h.id, h.switchedAt));
    const base = input.baseline.map((id) => this.beforeCells(input, id, this.start));
    const all = [...canary, ...base].flat();
    const n = all.reduce((a, x) => a + x.n, 0);
    const fleetRate = n ? all.reduce((a, x) => a + x.errors, 0) / n : 0;
    const reference = (cells: Cell[]): Reference => {
      const hn = cells.reduce((a, x) => a + x.n, 0);
      const herr = cells.reduce((a, x) => a + x.errors, 0);
      const offset: Partial<Record<Continuous, number>> = {};
      for (const m of CONTINUOUS) {
        const xs = means([cells], cells.length, m);
        if (xs.length >= MIN_REFERENCE_WINDOWS) offset[m] = xs.reduce((a, v) => a + v, 0) / xs.length;
      }
      return { cells, errorWeight: fleetRate > 0 ? (herr + ERROR_PRIOR_LINES) / (hn * fleetRate + ERROR_PRIOR_LINES) : 1, offset };
    };
    this.refs = { canary: canary.map(reference), base: base.map(reference) };
    return this.refs;
  }

  private rankTest(key: string, metric: Continuous, versus: 'baseline' | 'before', x: number[], y: number[], threshold: number, scale = median(y), what = 'levels'): void {
    const floor = this.config.floors[metric];
    const mw = mannWhitneyGreater(x, y);
    const p = alwaysValidP(mw.z, effectiveN(mw.n1, mw.n2));
    const mx = median(x);
    const my = median(y);
    const effect = x.length && y.length ? mx - my : 0;
    const big = effect >= floor.abs && effect >= floor.rel * Math.abs(scale);
    this.record(key, p, {
      metric,
      versus,
      canary: x.length ? mx : 0,
      base: y.length ? my : 0,
      effect,
      statistic: mw.z,
      threshold,
      outcome: x.length === 0 || y.length === 0 ? 'no-data' : threshold > 0 && p <= threshold && big ? 'fail' : 'ok',
      detail: `${mw.n1} canary windows vs ${mw.n2} (${what}); effect floor ${floor.abs} or ${Math.round(floor.rel * 100)}%`,
    });
  }

  /** record keeps the running minimum p; a test that failed at any look stays failed, with the evidence it failed on. */
  private record(key: string, p: number, evidence: Omit<MetricEvidence, 'p'>): void {
    const t = this.tests.get(key) ?? { p: 1, failed: false };
    if (t.failed) return;
    t.p = Math.min(t.p, p);
    t.failed ||= evidence.outcome === 'fail';
    t.evidence = { ...evidence, p: t.p, outcome: t.failed ? 'fail' : evidence.outcome };
    this.tests.set(key, t);
  }

  /**
   * leaningWorse says why a canary whose bake is over should not pass yet:
   * its error rate looks clearly higher than the baseline's and a doubling
   * is not ruled out. Sparse errors can leave a real regression short of
   * significance when the bake ends; judging on catches most of those, and a
   * phase still undecided at its deadline pauses for a person to decide.
   */
  private leaningWorse(canary: Cell[][], base: Cell[][], threshold: number): string | undefined {
    const errors = this.tests.get('errors:baseline')?.evidence;
    if (base.length === 0 || !errors || !(errors.effect >= LEANING_RATIO) || errors.p > LEANING_P) return undefined;
    const below = rateBelow(rateIntervals(canary, base, this.judgedBuckets, this.refs), this.config.earlyPassRatio);
    if (below.p <= threshold) return undefined;
    return `the error rate is ${errors.effect === Infinity ? 'up from none' : `${errors.effect.toFixed(2)}x`} the baseline's and ${this.config.earlyPassRatio}x is not ruled out (p=${below.p.toPrecision(2)})`;
  }

  private earlyPass(canary: Cell[][], base: Cell[][], elapsed: number, threshold: number): string | undefined {
    if (base.length === 0 || elapsed < this.bakeMs / 3 || this.judgedBuckets < 1) return undefined;
    const below = rateBelow(rateIntervals(canary, base, this.judgedBuckets, this.refs), this.config.earlyPassRatio);
    if (below.p > threshold) return undefined;
    const quiet = [...this.tests.values()].every((t) => !t.evidence || t.evidence.metric === 'errors' || t.evidence.effect < this.config.floors[t.evidence.metric as Continuous].abs);
    return quiet ? `passed early after ${Math.round(elapsed / 1000)}s: an error rate ${this.config.earlyPassRatio}x the baseline's is ruled out (p=${below.p.toPrecision(2)})` : undefined;
  }

  private beforeCells(input: JudgeInput, id: string, until: number): Cell[] {
    let cells = this.before.get(id);
    if (!cells) {
      const from = until - this.config.beforeMs;
      const n = Math.floor(this.config.beforeMs / this.config.bucketMs);
      cells = this.cells(input.samples(id, from, until), input.oldRelease, n, from).filter((x) => x.n > 0);
      this.before.set(id, cells);
    }
    return cells;
  }

  private cells(samples: readonly VitalsSample[], release: string, buckets: number, from: number): Cell[] {
    const out: Cell[] = Array.from({ length: buckets }, () => ({ n: 0, errors: 0, load1: 0, cpu_pct: 0, mem_pct: 0, probes: 0, probe_ms: 0, probeFailures: 0 }));
    for (const s of samples) {
      const b = Math.floor((s.ts_ms - from) / this.config.bucketMs);
      const cell = out[b];
      if (!cell || s.release_id !== release) continue;
      cell.n++;
      cell.errors += s.error_lines;
      cell.load1 += s.load1;
      cell.cpu_pct += s.cpu_pct;
      cell.mem_pct += s.mem_pct;
      if (s.probed) {
        cell.probes++;
        cell.probe_ms += s.probe_latency_ms;
        if (!s.probe_ok) cell.probeFailures++;
      }
    }
    return out;
  }
}

/** rateIntervals sums each window's error lines and exposure per cohort; a host's exposure counts at its own past rate. */
function rateIntervals(canary: Cell[][], base: Cell[][], k: number, refs?: { canary: Reference[]; base: Reference[] }): RateInterval[] {
  const weight = (side: Reference[] | undefined, i: number) => side?.[i]?.errorWeight ?? 1;
  const out: RateInterval[] = [];
  for (let b = 0; b < k; b++) {
    out.push({
      canary: canary.reduce((a, cells) => a + (cells[b]?.errors ?? 0), 0),
      canaryExposure: canary.reduce((a, cells, i) => a + (cells[b]?.n ?? 0) * weight(refs?.canary, i), 0),
      base: base.reduce((a, cells) => a + (cells[b]?.errors ?? 0), 0),
      baseExposure: base.reduce((a, cells, i) => a + (cells[b]?.n ?? 0) * weight(refs?.base, i), 0),
    });
  }
  return out;
}

/** means is one value per host and window (minus the host's offset, if given): the unit the rank tests compare. */
function means(hosts: Cell[][], k: number, metric: Continuous, offsets?: readonly number[]): number[] {
  const out: number[] = [];
  hosts.forEach((cells, i) => {
    const off = offsets?.[i] ?? 0;
    for (let b = 0; b < Math.min(k, cells.length); b++) {
      const cell = cells[b] as Cell;
      if (metric === 'probe_ms') {
        if (cell.probes > 0) out.push(cell.probe_ms / cell.probes - off);
      } else if (cell.n > 0) out.push(cell[metric] / cell.n - off);
    }
  });
  return out;
}

function sum(hosts: Cell[][], k: number, field: 'n' | 'errors'): number {
  return hosts.reduce((a, cells) => a + cells.slice(0, k).reduce((b, x) => b + x[field], 0), 0);
}

function errorsPerMin(hosts: Cell[][], k: number, bucketMs: number): number {
  const windows = hosts.reduce((a, cells) => a + cells.slice(0, k).filter((x) => x.n > 0).length, 0);
  return windows ? (sum(hosts, k, 'errors') / windows) * (60_000 / bucketMs) : 0;
}

function cohort(name: 'canary' | 'baseline', hosts: number, cells: Cell[][], bucketMs: number, staleMs: number, input: JudgeInput, ids: readonly string[]): CohortVitals {
  const all = cells.flat();
  const n = all.reduce((a, x) => a + x.n, 0);
  const probes = all.reduce((a, x) => a + x.probes, 0);
  const avg = (f: 'load1' | 'cpu_pct' | 'mem_pct') => (n ? all.reduce((a, x) => a + x[f], 0) / n : 0);
  return {
    cohort: name,
    hosts,
    reporting: ids.filter((id) => input.samples(id, input.now - staleMs, input.now + 1).length > 0).length,
    samples: n,
    load1: avg('load1'),
    cpu_pct: avg('cpu_pct'),
    mem_pct: avg('mem_pct'),
    errors_per_min: errorsPerMin(cells, Infinity, bucketMs),
    probe_ms: probes ? all.reduce((a, x) => a + x.probe_ms, 0) / probes : 0,
    probe_failures: all.reduce((a, x) => a + x.probeFailures, 0),
  };
}

/** health lists what fails a verdict outright: a canary off the release, or failing its probe. */
function health(input: JudgeInput, c: JudgeConfig): string[] {
  const out: string[] = [];
  for (const h of input.canaries) {
    if (h.live && h.live !== input.newRelease) {
      out.push(`${h.id} is live on another release (switched back by its health check?)`);
      continue;
    }
    const recent = input.samples(h.id, h.switchedAt, input.now + 1).filter((s) => s.release_id === input.newRelease);
    const last = recent.slice(-c.probeFailStreak);
    if (last.length === c.probeFailStreak && last.every((s) => s.probed && !s.probe_ok)) {
      out.push(`${h.id} failed its last ${c.probeFailStreak} health probes`);
    }
  }
  return out;
}

/** silent lists canaries that stopped reporting: they hold the verdict, never pass it. */
function silent(input: JudgeInput, c: JudgeConfig): string[] {
  const out: string[] = [];
  for (const h of input.canaries) {
    const recent = input.samples(h.id, input.now - c.staleMs, input.now + 1);
    if (recent.length > 0) continue;
    if (input.now - h.switchedAt < c.staleMs && h.connected) continue;
    out.push(h.connected ? `no vitals from ${h.id} for ${Math.round(c.staleMs / 1000)}s` : `${h.id} is disconnected`);
  }
  return out;
}

function coverage(hosts: readonly JudgedHost[], cells: Cell[][], buckets: number, min: number): string[] {
  if (buckets === 0) return hosts.length ? ['no complete judging window yet'] : [];
  const out: string[] = [];
  hosts.forEach((h, i) => {
    const have = (cells[i] ?? []).filter((x) => x.n > 0).length;
    if (have < min * buckets) out.push(`${h.id} reported in ${have} of ${buckets} windows`);
  });
  return out;
}

function describeFail(m: MetricEvidence): string {
  const what = m.metric === 'errors' ? `error rate ${m.effect === Infinity ? 'from none to some' : `${m.effect.toFixed(2)}x`}` : `${m.metric} +${m.effect.toFixed(2)}`;
  return `${what} vs ${m.versus} (p=${m.p.toPrecision(2)} <= ${m.threshold.toPrecision(2)})`;
}
