import type { VerdictOutcome } from '../shared/domain.js';
import type { Verdict__Output } from '../shared/gen/fleetswap/v1/Verdict.js';
import { CONTINUOUS, DEFAULT_JUDGE, TEST_ORDER, type Continuous, type Declaration, type ErrorUnit, type Evidence, type JudgeConfig, type JudgedHost, type JudgeInput, type TestKey } from './judge-config.js';
import { lookContinuous } from './judge-continuous.js';
import { MAX_SKIPPED_INTERVALS, addTally, emptyTally, errorsOf, intervalOf, readReference, tallyOf, type HostState, type Reference, type Tally } from './judge-tally.js';
import { cohort, describeFail, errorUnit, health, perMinute, silent, sumOf } from './judge-verdict.js';
import { dispersionZ, rateBelow, rateIncrease, rateIncreaseVsKnown, type RateInterval } from './stats.js';
import { isoFromMs } from './times.js';

// The Judge and its error tests. Its settings and input are in
// judge-config.ts, samples as tallies and references in judge-tally.ts, the
// load/CPU/latency tests in judge-continuous.ts, a verdict's other parts in
// judge-verdict.ts. Callers import the judge's public names from here.
export { DEFAULT_JUDGE, type JudgeConfig, type JudgedHost, type JudgeInput, type TestKey } from './judge-config.js';

/** A test whose anytime-valid p-value is kept as a running minimum over every look. */
interface SequentialTest {
  p: number;
  failed: boolean;
  evidence?: Evidence;
}

// Above this share of host-seconds with an error in the history, seconds saturate and incidents are counted.
const SATURATED = 0.5;
const ERRORS_Z = 2.33; // one-sided 99% normal quantile, for padding a reference rate
const ERROR_PRIOR_SECONDS = 10; // error-seconds of history it takes to move a host's weight halfway from 1
// Hosts "really differ" when the history's dispersion rejects one shared rate at 1 in 1000.
const DISPERSION_Z = 3.09;
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

  evaluate(input: JudgeInput): Verdict__Output {
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
        lookContinuous(input, declared, this.looks, c, this.hosts, (k, p, e) => this.record(k, p, e));
      }
    }

    // In a fixed order, so a restarted judge (whose tests start in another order) shows the same verdict.
    const metrics = TEST_ORDER.map((k) => this.tests.get(k)?.evidence).filter((e): e is Evidence => e !== undefined);
    const cohorts = [
      cohort('canary', input.canaries.length, this.cohortTotals.canary, declared.unit, c.staleMs, input, input.canaries.map((h) => h.id)),
      cohort('baseline', input.baseline.length, this.cohortTotals.baseline, declared.unit, c.staleMs, input, input.baseline),
    ];
    const verdict = (outcome: VerdictOutcome, reason: string): Verdict__Output => ({
      outcome,
      reason,
      at: isoFromMs(input.now),
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
    const canaryRefs = input.canaries.map((h) => readReference(input, h.id, h.switchedAt, this.config.beforeMs));
    const baseRefs = input.baseline.map((id) => readReference(input, id, this.start, this.config.beforeMs));
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
      h = this.hostState(readReference(input, id, until, this.config.beforeMs));
      this.hosts.set(key, h);
    }
    return h;
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

  /** record keeps the running minimum p; a test that failed at any look stays failed, with the evidence it failed on. */
  private record(key: TestKey, p: number, evidence: Omit<Evidence, 'p'>): void {
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
