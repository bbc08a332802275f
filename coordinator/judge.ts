import type { CohortVitals, JudgedMetric, MetricEvidence, Verdict, VerdictOutcome, VitalsSample } from '../shared/wire.js';
import { dispersionZ, lookShare, mannWhitneyGreater, median, rateBelow, rateIncrease, rateIncreaseVsKnown, signTestGreater, type RateInterval } from './stats.js';

type Continuous = Exclude<JudgedMetric, 'errors'>;
type Versus = MetricEvidence['versus'];
/** A test's key: one metric against one reference, one statistic for the whole phase. */
export type TestKey = `${JudgedMetric}:${Versus}`;

export interface JudgeConfig {
  /** The false-rollback rate of one judged phase, however often it is judged; split over its tests by `budget`. */
  alpha: number;
  /** Errors are judged in steps this long (at most bucketMs): each step's host-seconds are one term of the rate test. */
  stepMs: number;
  /** Load, CPU and probe latency are looked at this often, each host as one value: its mean change since the phase started. */
  bucketMs: number;
  /** A step (or look) is judged this long after it ends, so samples still in flight count; a sample later than that is not judged. */
  lagMs: number;
  /** A canary silent this long holds the verdict (missing data never passes). */
  staleMs: number;
  /** How much of each host's time before its switch (or the phase) is its own reference. */
  beforeMs: number;
  /** The share of the judged time a canary's samples must cover for a pass. */
  minCoverage: number;
  /** The error-rate ratio the test must rule out before it fails (its null): a release at most this much worse never fails but by chance alpha. */
  errorRatioFloor: number;
  /** A clean canary passes before the bake ends once an error-rate increase this large is ruled out. */
  earlyPassRatio: number;
  /** Tolerances: a change must surely be larger than abs, and than rel x the reference median, to fail. */
  floors: Record<Continuous, { abs: number; rel: number }>;
  /** Consecutive failed health probes on a canary that fail the verdict. */
  probeFailStreak: number;
  /** Per-host error weights are used when every host has this much history, or when the history shows the hosts really differ. */
  weightHistoryMs: number;
  /** Each test's share of alpha (fractions summing to at most 1), declared when the phase starts: with hosts on the old release alongside, and without any. */
  budget: { withBaseline: Record<TestKey, number>; alone: Record<TestKey, number> };
}

export const DEFAULT_JUDGE: JudgeConfig = {
  alpha: 0.01,
  stepMs: 1_000,
  bucketMs: 5_000,
  lagMs: 1_000,
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
  weightHistoryMs: 30 * 60_000,
  // Most of alpha goes to errors, the test that must be fast. The `before` tests decide only when no
  // host is left on the old release; they are paid for from the start, so an emptied baseline cannot
  // make them decisive with history they did not pay for. A metric that appears later (probe latency)
  // has its share reserved from the start.
  budget: {
    withBaseline: {
      'errors:baseline': 0.8,
      'load1:baseline': 0.04,
      'cpu_pct:baseline': 0.04,
      'probe_ms:baseline': 0.04,
      'errors:before': 0.05,
      'load1:before': 0.01,
      'cpu_pct:before': 0.01,
      'probe_ms:before': 0.01,
    },
    alone: {
      'errors:baseline': 0,
      'load1:baseline': 0,
      'cpu_pct:baseline': 0,
      'probe_ms:baseline': 0,
      'errors:before': 0.85,
      'load1:before': 0.05,
      'cpu_pct:before': 0.05,
      'probe_ms:before': 0.05,
    },
  },
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

/** What some host-time added up to: exposure in seconds, host-seconds with an error, metric sums. */
interface Tally {
  samples: number;
  seconds: number;
  errorSeconds: number;
  /** Error incidents (error_incidents; an older agent's error_lines). */
  incidents: number;
  load1: number;
  cpu_pct: number;
  mem_pct: number;
  probes: number;
  probe_ms: number;
  probeFailures: number;
}

const emptyTally = (): Tally => ({ samples: 0, seconds: 0, errorSeconds: 0, incidents: 0, load1: 0, cpu_pct: 0, mem_pct: 0, probes: 0, probe_ms: 0, probeFailures: 0 });

function addTally(to: Tally, x: Tally): void {
  for (const k of Object.keys(to) as (keyof Tally)[]) to[k] += x[k];
}

/**
 * A host's own minutes before the switch (canaries) or the phase (baseline),
 * read once, when the host is first judged, and kept under its id: later
 * looks never recompute it, and no other host's reference is read in its
 * place. Hosts differ for good (a bigger box, a busier shard), so load, CPU
 * and latency are judged as each host's change from its own past.
 */
interface Reference {
  history: Tally;
  /** The host's mean before, per metric; undefined with too little history. */
  offset: Partial<Record<Continuous, number>>;
  /** The agent's sampling interval as its history shows it: how an old agent's sample (no interval_ms) is read. */
  nominalMs: number;
}

/** One host in one role over the phase: its reference, and what it added while it was a member. */
interface HostState {
  ref: Reference;
  /** The error weight this host's exposure counts at (1 unless hosts really differ; see declare). */
  weight: number;
  /** Totals over the steps this host was a member for. */
  judged: Tally;
  /** ts of the last sample read, for an old agent's interval. */
  lastTs: number | undefined;
}

/** A test whose anytime-valid p-value is kept as a running minimum over every look. */
interface SequentialTest {
  p: number;
  failed: boolean;
  evidence?: MetricEvidence;
}

/** What was declared when the phase started, and holds for the whole phase. */
interface Declaration {
  /** Each test's part of alpha (the config's share times alpha): its p-value's threshold while it is decisive. */
  shares: Record<TestKey, number>;
  /** What the error tests count: host-seconds with an error, or incidents when most seconds already have one. */
  unit: ErrorUnit;
  /** Whether per-host error weights are used, and the fleet rate they are relative to. */
  weighted: boolean;
  fleetRate: number;
  /** Per continuous metric: compared as changes from each host's own past, or as levels (fixed for the phase). */
  changes: Record<Continuous, boolean>;
}

type ErrorUnit = 'seconds' | 'incidents';
const errorsOf = (t: Tally, unit: ErrorUnit): number => (unit === 'seconds' ? t.errorSeconds : t.incidents);
// Above this share of host-seconds with an error in the history, seconds saturate and incidents are counted.
const SATURATED = 0.5;
const CONTINUOUS: readonly Continuous[] = ['load1', 'cpu_pct', 'probe_ms'];
const TEST_ORDER: readonly TestKey[] = (['errors', ...CONTINUOUS] as const).flatMap((m) => [`${m}:baseline`, `${m}:before`] as const);
const ERRORS_Z = 2.33; // one-sided 99% normal quantile, for padding a reference rate
const ERROR_PRIOR_SECONDS = 10; // error-seconds of history it takes to move a host's weight halfway from 1
// Hosts "really differ" when the history's dispersion rejects one shared rate at 1 in 1000.
const DISPERSION_Z = 3.09;
// Enough history to remove a host's offset: 15 samples of a metric (15 s at the default interval).
const MIN_REFERENCE_SAMPLES = 15;
const MIN_REFERENCE_PROBES = 5;
// An old agent's sample covers the gap since its previous one, bounded: a tick or two skipped, not an outage.
const MAX_SKIPPED_INTERVALS = 3;
// The mixture's alternatives, as multiples of the tolerance, and their weights: most of the weight on
// 1.5-3x at the default 1.2x tolerance, where a regression is worth catching fast; a little on large
// ratios so an outright broken release is caught in a step or two.
const ALTERNATIVES: readonly number[] = [1.25, 1.5, 1.67, 2.08, 2.5, 3.33, 5];
const ALTERNATIVE_WEIGHTS: readonly number[] = [0.12, 0.18, 0.22, 0.18, 0.12, 0.1, 0.08];
// An early pass is a decision too (a missed regression): it rules earlyPassRatio out at this part of alpha.
const EARLY_PASS_ALPHA_SHARE = 0.1;
// An error rate this far above the baseline's, with at least this much evidence (one stray error is
// not), keeps a canary in judgement past its bake.
const LEANING_RATIO = 1.3;
const LEANING_P = 0.1;

/**
 * Judge decides whether the hosts that took a new release are worse than the
 * hosts still on the old one (and than their own minutes before the switch).
 * One Judge serves one judged phase. When the phase starts it declares how
 * alpha is split over its tests; every test is anytime-valid at its share,
 * so looking every second keeps the phase's false-rollback rate at alpha.
 * Errors are judged per step (one second): each step is frozen with the
 * hosts that were members when it closed and is never re-read, so a host
 * that leaves stops contributing from then on and never rewrites the past.
 * See docs/JUDGEMENT.md for every test, what it assumes and why it is valid.
 */
export class Judge {
  private readonly tests = new Map<string, SequentialTest>();
  private readonly hosts = new Map<string, HostState>();
  private declared: Declaration | undefined;
  /** One term per judged step: the canaries' and the baseline's (weighted) host-seconds and error-seconds. */
  private readonly steps: RateInterval[] = [];
  /** One term per judged step: the canaries' unweighted host-seconds and error-seconds, for the test against their own past. */
  private readonly canarySteps: { count: number; exposure: number }[] = [];
  /** The canaries' own past error rate, padded to its upper bound; fixed at its first use. */
  private beforeRate: { rate0: number; count: number; exposure: number } | undefined;
  private readonly cohortTotals = { canary: emptyTally(), baseline: emptyTally() };
  private looks = 0;

  constructor(
    private readonly start: number,
    private readonly bakeMs: number,
    private readonly config: JudgeConfig = DEFAULT_JUDGE,
  ) {}

  private get stepMs(): number {
    return Math.min(this.config.stepMs, this.config.bucketMs);
  }

  evaluate(input: JudgeInput): Verdict {
    const c = this.config;
    const elapsed = Math.max(0, input.now - this.start);
    const declared = this.declare(input);
    const closed = Math.max(0, Math.floor((input.now - c.lagMs - this.start) / this.stepMs));
    // Each step is judged as if it had been looked at when it closed, so a restarted judge catching up
    // reaches the same evidence as one that looked every second.
    while (this.steps.length < closed) {
      this.step(input, this.steps.length);
      this.judgeErrors(input, declared);
      // Load, CPU and latency are looked at every bucketMs of judged time.
      const judgedMs = this.steps.length * this.stepMs;
      while ((this.looks + 1) * c.bucketMs <= judgedMs) {
        this.looks++;
        this.lookContinuous(input, declared, this.looks);
      }
    }

    // In a fixed order, so a restarted judge (whose tests start in another order) shows the same verdict.
    const metrics = TEST_ORDER.map((k) => this.tests.get(k)?.evidence).filter((e): e is MetricEvidence => e !== undefined);
    const cohorts = [
      cohort('canary', input.canaries.length, this.cohortTotals.canary, declared.unit, c.staleMs, input, input.canaries.map((h) => h.id)),
      cohort('baseline', input.baseline.length, this.cohortTotals.baseline, declared.unit, c.staleMs, input, input.baseline),
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
    const thin = this.coverage(input.canaries);
    if (elapsed >= this.bakeMs) {
      if (thin.length > 0) return verdict('hold', `${thin.join('; ')}: too little data to pass`);
      const leaning = this.leaningWorse(declared);
      if (leaning) return verdict('pending', `the bake is over, but ${leaning}: judging on until the phase deadline`);
      return verdict('pass', `no regression in ${Math.round(elapsed / 1000)}s of judging`);
    }
    // An early pass is a pass: a canary that missed most of the time (silent, then back) must not get one.
    const early = thin.length === 0 ? this.earlyPass(input, declared, elapsed) : undefined;
    if (early) return verdict('pass', early);
    return verdict('pending', `judging: ${Math.ceil((this.bakeMs - elapsed) / 1000)}s of the bake left`);
  }

  /**
   * declare fixes, at the phase's first look, what holds for the whole phase: each test's share of
   * alpha (with a baseline or without), whether error exposure is weighted per host, and whether
   * each continuous metric is compared as changes or as levels. Nothing later changes these.
   */
  private declare(input: JudgeInput): Declaration {
    if (this.declared) return this.declared;
    const c = this.config;
    const shares = input.baseline.length > 0 ? c.budget.withBaseline : c.budget.alone;
    const total = Object.values(shares).reduce((a, x) => a + x, 0);
    if (!(total <= 1 + 1e-9) || Object.values(shares).some((x) => !(x >= 0))) throw new RangeError(`the judge's alpha shares must be >= 0 and sum to at most 1, got ${total}`);
    const canaryRefs = input.canaries.map((h) => this.reference(input, h.id, h.switchedAt));
    const baseRefs = input.baseline.map((id) => this.reference(input, id, this.start));
    const all = [...canaryRefs, ...baseRefs];
    const seconds = all.reduce((a, r) => a + r.history.seconds, 0);
    // A chatty error log puts an error in nearly every second on both sides, and a regression cannot
    // show in host-seconds: then (decided from the history, before the data judged) incidents are counted.
    const unit: ErrorUnit = seconds > 0 && all.reduce((a, r) => a + r.history.errorSeconds, 0) / seconds > SATURATED ? 'incidents' : 'seconds';
    const fleetRate = seconds > 0 ? all.reduce((a, r) => a + errorsOf(r.history, unit), 0) / seconds : 0;
    // Weights estimated from two minutes and used as if known inflate false alarms several-fold when
    // hosts do not differ; they are used only with long histories or when the hosts clearly differ.
    const differ = dispersionZ(all.map((r) => errorsOf(r.history, unit)), all.map((r) => r.history.seconds)) >= DISPERSION_Z;
    const weighted = fleetRate > 0 && (c.beforeMs >= c.weightHistoryMs || differ);
    const changes = Object.fromEntries(CONTINUOUS.map((m) => [m, canaryRefs.some((r) => r.offset[m] !== undefined) && baseRefs.some((r) => r.offset[m] !== undefined)])) as Record<Continuous, boolean>;
    this.declared = { shares: Object.fromEntries(Object.entries(shares).map(([k, x]) => [k, x * c.alpha])) as Record<TestKey, number>, unit, weighted, fleetRate, changes };
    input.canaries.forEach((h, i) => this.hosts.set(`canary:${h.id}`, this.hostState(canaryRefs[i] as Reference)));
    input.baseline.forEach((id, i) => this.hosts.set(`baseline:${id}`, this.hostState(baseRefs[i] as Reference)));
    return this.declared;
  }

  private hostState(ref: Reference): HostState {
    const d = this.declared;
    const weight = d?.weighted ? (errorsOf(ref.history, d.unit) + ERROR_PRIOR_SECONDS) / (ref.history.seconds * d.fleetRate + ERROR_PRIOR_SECONDS) : 1;
    return { ref, weight, judged: emptyTally(), lastTs: undefined };
  }

  /** host returns a member's state under its id, reading its reference the first time it is seen. */
  private host(input: JudgeInput, role: 'canary' | 'baseline', id: string, until: number): HostState {
    const key = `${role}:${id}`;
    let h = this.hosts.get(key);
    if (!h) {
      h = this.hostState(this.reference(input, id, until));
      this.hosts.set(key, h);
    }
    return h;
  }

  private reference(input: JudgeInput, id: string, until: number): Reference {
    const samples = input.samples(id, until - this.config.beforeMs, until).filter((s) => s.release_id === input.oldRelease);
    const gaps: number[] = [];
    for (let i = 1; i < samples.length; i++) gaps.push((samples[i] as VitalsSample).ts_ms - (samples[i - 1] as VitalsSample).ts_ms);
    const nominalMs = gaps.length >= 3 ? median(gaps) : 1000;
    const history = emptyTally();
    let last: number | undefined;
    for (const s of samples) {
      addTally(history, tallyOf(s, intervalOf(s, last, nominalMs)));
      last = s.ts_ms;
    }
    const offset: Partial<Record<Continuous, number>> = {};
    if (history.samples >= MIN_REFERENCE_SAMPLES) {
      offset.load1 = history.load1 / history.samples;
      offset.cpu_pct = history.cpu_pct / history.samples;
    }
    if (history.probes >= MIN_REFERENCE_PROBES) offset.probe_ms = history.probe_ms / history.probes;
    return { history, offset, nominalMs };
  }

  /**
   * step judges the k-th step of the phase with the hosts that are members now, and freezes it: its
   * error terms are appended and never recomputed. Samples are read once, by the time they end in.
   */
  private step(input: JudgeInput, k: number): void {
    const unit = (this.declared as Declaration).unit;
    const from = this.start + k * this.stepMs;
    const to = from + this.stepMs;
    const term: RateInterval = { canary: 0, canaryExposure: 0, base: 0, baseExposure: 0 };
    const own = { count: 0, exposure: 0 };
    const read = (h: HostState, id: string, release: string): Tally => {
      const t = emptyTally();
      // The sample before the step tells an old agent's first interval; read it once.
      let last = h.lastTs ?? input.samples(id, from - MAX_SKIPPED_INTERVALS * h.ref.nominalMs, from).at(-1)?.ts_ms;
      for (const s of input.samples(id, from, to)) {
        if (s.release_id === release) addTally(t, tallyOf(s, intervalOf(s, last, h.ref.nominalMs)));
        last = s.ts_ms;
      }
      h.lastTs = last;
      addTally(h.judged, t);
      return t;
    };
    for (const c of input.canaries) {
      const h = this.host(input, 'canary', c.id, c.switchedAt);
      const t = read(h, c.id, input.newRelease);
      term.canary += errorsOf(t, unit);
      term.canaryExposure += t.seconds * h.weight;
      own.count += errorsOf(t, unit);
      own.exposure += t.seconds;
      addTally(this.cohortTotals.canary, t);
    }
    for (const id of input.baseline) {
      const h = this.host(input, 'baseline', id, this.start);
      const t = read(h, id, input.oldRelease);
      term.base += errorsOf(t, unit);
      term.baseExposure += t.seconds * h.weight;
      addTally(this.cohortTotals.baseline, t);
    }
    this.steps.push(term);
    this.canarySteps.push(own);
  }

  /** judgeErrors runs both error tests over every frozen step: host-seconds with an error, at the tolerance as their null. */
  private judgeErrors(input: JudgeInput, d: Declaration): void {
    const c = this.config;
    const floor = c.errorRatioFloor;
    const opts = { ratios: ALTERNATIVES.map((x) => x * floor), weights: ALTERNATIVE_WEIGHTS, theta0: floor };
    const unit = d.weighted ? 'each host weighted by its own past rate' : 'hosts counted alike';
    const what = d.unit === 'seconds' ? 'seconds with an error' : 'error incidents (most seconds have an error: counted as incidents for this phase)';
    const ever = { canary: this.steps.some((s) => s.canaryExposure > 0), base: this.steps.some((s) => s.baseExposure > 0) };
    if (ever.base || d.shares['errors:baseline'] > 0) {
      const r = rateIncrease(this.steps, opts);
      const share = d.shares['errors:baseline'];
      const threshold = input.baseline.length > 0 ? share : 0;
      const cr = perMinute(this.steps, 'canary');
      const br = perMinute(this.steps, 'base');
      this.record('errors:baseline', r.p, {
        metric: 'errors',
        versus: 'baseline',
        unit: errorUnit(d.unit),
        canary: cr,
        base: br,
        effect: r.ratio,
        statistic: r.logLR,
        threshold,
        alpha_share: share,
        tolerance: floor,
        outcome: threshold > 0 && r.p <= threshold ? 'fail' : ever.canary && ever.base ? 'ok' : 'no-data',
        detail:
          `${sumOf(this.steps, 'canary')} ${what} in ${Math.round(sumOf(this.steps, 'canaryExposure'))} canary host-seconds vs ${sumOf(this.steps, 'base')} in ${Math.round(sumOf(this.steps, 'baseExposure'))}, ${unit}; ` +
          `fails only if the rate is surely above ${floor}x the baseline's${threshold > 0 ? '' : input.baseline.length ? '' : '; no hosts on the old release now: shown, not decisive'}`,
      });
    }
    const rate0 = this.beforeRate ?? this.padBefore(d.unit);
    if (rate0) {
      const r = rateIncreaseVsKnown(this.canarySteps, rate0.rate0, opts);
      const share = d.shares['errors:before'];
      const threshold = input.baseline.length === 0 ? share : 0;
      const seconds = this.canarySteps.reduce((a, x) => a + x.exposure, 0);
      const count = this.canarySteps.reduce((a, x) => a + x.count, 0);
      this.record('errors:before', r.p, {
        metric: 'errors',
        versus: 'before',
        unit: errorUnit(d.unit),
        canary: seconds > 0 ? (count / seconds) * 60 : 0,
        base: (rate0.count / rate0.exposure) * 60,
        effect: r.ratio,
        statistic: r.logLR,
        threshold,
        alpha_share: share,
        tolerance: floor,
        outcome: threshold > 0 && r.p <= threshold ? 'fail' : seconds > 0 ? 'ok' : 'no-data',
        detail: `${count} ${what} in ${Math.round(seconds)} canary host-seconds vs ${rate0.count} in ${Math.round(rate0.exposure)} before the switch${threshold > 0 ? '' : '; shown, not decisive: hosts on the old release run alongside'}`,
      });
    }
  }

  /** The canaries' own past error rate, padded to its upper bound so its noise cannot fail a canary; fixed once read. */
  private padBefore(unit: ErrorUnit): { rate0: number; count: number; exposure: number } | undefined {
    const refs = [...this.hosts.entries()].filter(([k]) => k.startsWith('canary:')).map(([, h]) => h.ref.history);
    const exposure = refs.reduce((a, t) => a + t.seconds, 0);
    if (exposure <= 0) return undefined;
    const count = refs.reduce((a, t) => a + errorsOf(t, unit), 0);
    this.beforeRate = { rate0: (count + 1 + ERRORS_Z * Math.sqrt(count + 1)) / exposure, count, exposure };
    return this.beforeRate;
  }

  /**
   * lookContinuous is the j-th look at load, CPU and probe latency: each host is one value, its mean
   * over the steps it was a member for, less its own past mean where it has one, so neither a host's
   * lasting level nor the autocorrelation of its samples can pass for evidence. The test at look j
   * has level share * lookShare(j): over all looks, at most the share.
   */
  private lookContinuous(input: JudgeInput, d: Declaration, j: number): void {
    const floorOf = (m: Continuous, scale: number) => Math.max(this.config.floors[m].abs, this.config.floors[m].rel * Math.abs(scale));
    const members = (role: 'canary' | 'baseline') => [...this.hosts.entries()].filter(([k]) => k.startsWith(`${role}:`)).map(([, h]) => h);
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
        this.record(`${m}:baseline`, p, {
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
        this.record(`${m}:before`, p, {
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

  /** record keeps the running minimum p; a test that failed at any look stays failed, with the evidence it failed on. */
  private record(key: TestKey, p: number, evidence: Omit<MetricEvidence, 'p'>): void {
    const t = this.tests.get(key) ?? { p: 1, failed: false };
    if (t.failed) return;
    t.p = Math.min(t.p, p);
    t.failed ||= evidence.threshold > 0 && t.p <= evidence.threshold;
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
  private leaningWorse(d: Declaration): string | undefined {
    const errors = this.tests.get('errors:baseline')?.evidence;
    if (!errors || errors.threshold === 0 || !(errors.effect >= LEANING_RATIO)) return undefined;
    // Evidence of any increase (against 1, not the tolerance): a leaning canary has not ruled 2x out yet.
    if (rateIncrease(this.steps).p > LEANING_P) return undefined;
    const below = rateBelow(this.steps, this.passBound(d));
    if (below.p <= d.shares['errors:baseline']) return undefined;
    return `the error rate is ${errors.effect === Infinity ? 'up from none' : `${errors.effect.toFixed(2)}x`} the baseline's and ${this.config.earlyPassRatio}x is not ruled out (p=${below.p.toPrecision(2)})`;
  }

  private earlyPass(input: JudgeInput, d: Declaration, elapsed: number): string | undefined {
    const share = d.shares['errors:baseline'];
    if (input.baseline.length === 0 || share === 0 || elapsed < this.bakeMs / 3 || this.steps.length < 1) return undefined;
    const below = rateBelow(this.steps, this.passBound(d));
    if (below.p > this.config.alpha * EARLY_PASS_ALPHA_SHARE) return undefined;
    const quiet = [...this.tests.values()].every((t) => !t.evidence || t.evidence.metric === 'errors' || t.evidence.effect < (t.evidence.tolerance ?? 0));
    return quiet ? `passed early after ${Math.round(elapsed / 1000)}s: an error rate ${this.config.earlyPassRatio}x the baseline's is ruled out (p=${below.p.toPrecision(2)})` : undefined;
  }

  /**
   * passBound is earlyPassRatio in the unit counted. Seconds saturate: with a share p of the baseline's
   * seconds erring, R times the incidents errs in 1 - (1-p)^R of them, a ratio below R; ruling out R
   * itself in seconds would pass a release R times worse in incidents.
   */
  private passBound(d: Declaration): number {
    const r = this.config.earlyPassRatio;
    const exposure = sumOf(this.steps, 'baseExposure');
    if (d.unit === 'incidents' || exposure <= 0) return r;
    const p = Math.min(0.999, sumOf(this.steps, 'base') / exposure);
    return p > 0 ? (1 - Math.pow(1 - p, r)) / p : r;
  }

  /** coverage lists canaries whose samples cover less than minCoverage of the judged time. */
  private coverage(canaries: readonly JudgedHost[]): string[] {
    const judged = (this.steps.length * this.stepMs) / 1000;
    if (this.steps.length === 0) return canaries.length ? ['no complete judging window yet'] : [];
    const out: string[] = [];
    for (const c of canaries) {
      const have = this.hosts.get(`canary:${c.id}`)?.judged.seconds ?? 0;
      if (have < this.config.minCoverage * judged) out.push(`${c.id} reported for ${Math.round(have)}s of ${Math.round(judged)}s judged`);
    }
    return out;
  }
}

/**
 * intervalOf is how many ms a sample covers: what the agent says, or, from an older agent that does
 * not say (interval_ms 0), the gap since its previous sample, bounded to a few nominal intervals.
 */
function intervalOf(s: VitalsSample, last: number | undefined, nominalMs: number): number {
  if (s.interval_ms) return s.interval_ms;
  if (last === undefined) return nominalMs;
  return Math.min(MAX_SKIPPED_INTERVALS * nominalMs, Math.max(nominalMs / 2, s.ts_ms - last));
}

/**
 * tallyOf is one sample as exposure and counts. The error count is host-seconds with an error: what
 * the agent says (error_seconds), or, from an older agent, min(error_lines, seconds covered), an
 * approximation (a burst of lines in one second counts once, but two lines in two seconds count twice).
 */
function tallyOf(s: VitalsSample, intervalMs: number): Tally {
  const seconds = intervalMs / 1000;
  // At most one error per whole second covered: the unit the null distribution is bounded for.
  const units = Math.max(1, Math.round(seconds));
  const errorSeconds = Math.min(units, s.interval_ms ? (s.error_seconds ?? 0) : s.error_lines);
  return {
    samples: 1,
    seconds,
    errorSeconds,
    incidents: s.interval_ms ? (s.error_incidents ?? 0) : s.error_lines,
    load1: s.load1,
    cpu_pct: s.cpu_pct,
    mem_pct: s.mem_pct,
    probes: s.probed ? 1 : 0,
    probe_ms: s.probed ? s.probe_latency_ms : 0,
    probeFailures: s.probed && !s.probe_ok ? 1 : 0,
  };
}

/**
 * bestRankP is the smallest p the rank test can give with n1 and n2 hosts (every canary above every
 * baseline host): if even that is above the threshold, the test cannot decide, and says so.
 */
function bestRankP(n1: number, n2: number): number {
  if (n1 === 0 || n2 === 0) return 1;
  return mannWhitneyGreater(Array.from({ length: n1 }, (_, i) => 1 + i), Array.from({ length: n2 }, (_, i) => -1 - i)).p;
}

function round(x: number): string {
  return Number(x.toPrecision(3)).toString();
}

function sumOf(steps: readonly RateInterval[], f: keyof RateInterval): number {
  return steps.reduce((a, s) => a + s[f], 0);
}

/** Seconds with an error per host-minute, unweighted exposure being what an operator reads. */
function perMinute(steps: readonly RateInterval[], side: 'canary' | 'base'): number {
  const exposure = sumOf(steps, side === 'canary' ? 'canaryExposure' : 'baseExposure');
  return exposure > 0 ? (sumOf(steps, side) / exposure) * 60 : 0;
}

function cohort(name: 'canary' | 'baseline', hosts: number, t: Tally, unit: ErrorUnit, staleMs: number, input: JudgeInput, ids: readonly string[]): CohortVitals {
  const avg = (f: 'load1' | 'cpu_pct' | 'mem_pct') => (t.samples ? t[f] / t.samples : 0);
  return {
    cohort: name,
    hosts,
    reporting: ids.filter((id) => input.samples(id, input.now - staleMs, input.now + 1).length > 0).length,
    samples: t.samples,
    load1: avg('load1'),
    cpu_pct: avg('cpu_pct'),
    mem_pct: avg('mem_pct'),
    errors_per_min: t.seconds > 0 ? (errorsOf(t, unit) / t.seconds) * 60 : 0,
    probe_ms: t.probes ? t.probe_ms / t.probes : 0,
    probe_failures: t.probeFailures,
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

/** describeFail is one failed test as a clause: what rose, against what, beyond which tolerance, and how sure. */
function describeFail(m: MetricEvidence): string {
  const tol = m.tolerance ?? 0;
  const what =
    m.metric === 'errors'
      ? `error rate ${m.effect === Infinity ? 'from none to some' : `${m.effect.toFixed(2)}x`} vs ${m.versus}, above the ${round(tol)}x tolerance`
      : `${m.metric} +${m.effect.toFixed(2)} vs ${m.versus}, above the +${round(tol)} tolerance`;
  return `${what} (p=${m.p.toPrecision(2)} <= ${m.threshold.toPrecision(2)})`;
}

/** What the figures of a test of continuous metric m are, in words for operators (MetricEvidence.unit). */
const LEVEL_UNITS: Record<'load1' | 'cpu_pct' | 'probe_ms', string> = { load1: 'load1', cpu_pct: 'CPU %', probe_ms: 'probe ms' };

/** errorUnit is what an error test counts per host-minute. */
function errorUnit(unit: ErrorUnit): string {
  return unit === 'seconds' ? 'seconds with an error per host-min' : 'error incidents per host-min';
}
