import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../shared/prng.js';
import type { JudgedMetric, Versus } from '../shared/domain.js';
import type { Verdict__Output as Verdict } from '../shared/gen/fleetswap/v1/Verdict.js';
import type { VitalsSample__Output as VitalsSample } from '../shared/gen/fleetswap/v1/VitalsSample.js';
import { DEFAULT_JUDGE, Judge, type JudgeInput, type JudgedHost } from './judge.js';

// Synthetic fleets: every host reports one sample a second, drawn from a
// seeded PRNG, so each scenario is the same on every run. The judge is
// called the way the rollout engine calls it: with a growing `now`, reading
// samples through samples(host, from, to).

const NEW = 'r-new';
const OLD = 'r-old';
const START = 1_700_000_000_000; // the judged phase starts, and the canaries switch, here
const SECOND = 1000;

type Rng = () => number;

function normal(rng: Rng): number {
  // Box-Muller; 1 - rng() is in (0, 1], so the log is finite.
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

// Knuth's product-of-uniforms sampler: exact, and quick for the small means used here.
function poisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  const limit = Math.exp(-mean);
  let k = 0;
  for (let prod = rng(); prod > limit; prod *= rng()) k++;
  return k;
}

/** What one cohort's hosts report: error lines per second per host, load and CPU with their noise. */
interface Behaviour {
  errors: number;
  load: number;
  loadSd: number;
  cpu: number;
  cpuSd: number;
  /** Health probe at ts: undefined for no probe. */
  probe?: (ts: number) => { ok: boolean; ms: number } | undefined;
}

const HEALTHY: Behaviour = { errors: 0.5, load: 1, loadSd: 0.2, cpu: 30, cpuSd: 5 };

interface Scenario {
  seed?: number;
  canaries?: number;
  baseline?: number;
  /** Canaries before their switch; the baseline's behaviour unless given. */
  before?: Behaviour;
  canary?: Behaviour;
  base?: Behaviour;
  /** Last sample time of the first canary (it stops reporting after). */
  silentFrom?: number;
  connected?: boolean;
  live?: string;
  /** Hosts that differ for good: per-host load and CPU offsets (SD) and an error-rate factor (geometric SD). */
  spread?: { load: number; cpu: number; errors: number };
  /** The baseline's behaviour from START on (a change across the whole fleet); `base` unless given. */
  baseAfter?: Behaviour;
  /** How many baseline hosts joined at START, with no minutes before. */
  newcomers?: number;
}

/** Fleet holds every host's samples, oldest first, and answers samples(host, from, to) from them. */
class Fleet {
  readonly hosts = new Map<string, VitalsSample[]>();
  readonly canaries: JudgedHost[] = [];
  readonly baseline: string[] = [];

  constructor(s: Scenario, until: number) {
    const rng = mulberry32(s.seed ?? 1);
    const base = s.base ?? HEALTHY;
    const from = START - DEFAULT_JUDGE.beforeMs - 30 * SECOND;
    const host = (): ((b: Behaviour) => Behaviour) => {
      if (!s.spread) return (b) => b;
      const [load, cpu, errors] = [normal(rng) * s.spread.load, normal(rng) * s.spread.cpu, Math.exp(normal(rng) * Math.log(s.spread.errors))];
      return (b) => ({ ...b, load: Math.max(0, b.load + load), cpu: Math.max(0, b.cpu + cpu), errors: b.errors * errors });
    };
    for (let i = 0; i < (s.canaries ?? 3); i++) {
      const id = `canary-${i}`;
      const last = i === 0 && s.silentFrom !== undefined ? s.silentFrom : until;
      const own = host();
      this.hosts.set(id, series(rng, from, last, (ts) => (ts < START ? [OLD, own(s.before ?? base)] : [NEW, own(s.canary ?? base)])));
      this.canaries.push({ id, switchedAt: START, live: s.live ?? NEW, connected: s.connected ?? true });
    }
    for (let i = 0; i < (s.baseline ?? 20); i++) {
      const id = `base-${i}`;
      const own = host();
      const joined = i < (s.newcomers ?? 0) ? START : from;
      this.hosts.set(id, series(rng, joined, until, (ts) => [OLD, own(ts < START ? base : (s.baseAfter ?? base))]));
      this.baseline.push(id);
    }
  }

  samples = (host: string, from: number, to: number): readonly VitalsSample[] => {
    const all = this.hosts.get(host) ?? [];
    return all.slice(lowerBound(all, from), lowerBound(all, to));
  };

  input(now: number, over: Partial<JudgeInput> = {}): JudgeInput {
    return { now, phase: 'judging', newRelease: NEW, oldRelease: OLD, canaries: this.canaries, baseline: this.baseline, samples: this.samples, ...over };
  }
}

function lowerBound(xs: readonly VitalsSample[], ts: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((xs[mid] as VitalsSample).ts_ms < ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** series is one host's samples, one a second in [from, to], from the behaviour its release has at each time. */
function series(rng: Rng, from: number, to: number, at: (ts: number) => [string, Behaviour]): VitalsSample[] {
  const out: VitalsSample[] = [];
  for (let ts = from; ts <= to; ts += SECOND) {
    const [release, b] = at(ts);
    const probe = b.probe?.(ts);
    out.push({
      ts_ms: ts,
      release_id: release,
      load1: Math.max(0, b.load + b.loadSd * normal(rng)),
      cpu_pct: Math.min(100, Math.max(0, b.cpu + b.cpuSd * normal(rng))),
      mem_pct: 40,
      error_lines: poisson(rng, b.errors),
      probed: probe !== undefined,
      probe_ok: probe?.ok ?? false,
      probe_latency_ms: probe?.ms ?? 0,
      interval_ms: 0, // an agent older than these fields: they decode as 0
      error_incidents: 0,
      error_seconds: 0,
    });
  }
  return out;
}

/** judgeEvery calls evaluate every `step` ms from START to `until` (inclusive), stopping at the first fail; it returns every verdict with its time. */
function judgeEvery(judge: Judge, fleet: Fleet, until: number, step = SECOND, over: Partial<JudgeInput> = {}): { now: number; v: Verdict }[] {
  const out: { now: number; v: Verdict }[] = [];
  for (let now = START; now <= until; now += step) {
    const v = judge.evaluate(fleet.input(now, over));
    out.push({ now, v });
    if (v.outcome === 'fail') break;
  }
  return out;
}

const firstOf = (verdicts: { now: number; v: Verdict }[], outcome: Verdict['outcome']) => verdicts.find((x) => x.v.outcome === outcome);
const evidence = (v: Verdict, metric: JudgedMetric, versus: Versus) => v.metrics.find((m) => m.metric === metric && m.versus === versus);

describe('Judge', () => {
  it('A/A: the same error rate and the same noise never fail, and pass once the bake is over', () => {
    const bake = 60 * SECOND;
    for (const seed of [1, 2, 3]) {
      const fleet = new Fleet({ seed }, START + bake + 10 * SECOND);
      const verdicts = judgeEvery(new Judge(START, bake), fleet, START + bake + 10 * SECOND);
      expect(verdicts.filter((x) => x.v.outcome === 'fail' || x.v.outcome === 'hold').map((x) => x.v.reason)).toEqual([]);
      const after = verdicts.filter((x) => x.now >= START + bake);
      expect(after.length).toBeGreaterThan(0);
      for (const { v } of after) expect(v.outcome).toBe('pass');
      // Every test ran against both references and none failed.
      const last = after.at(-1)!.v;
      expect(last.metrics.map((m) => `${m.metric}:${m.versus}`).sort()).toEqual(
        ['cpu_pct:baseline', 'cpu_pct:before', 'errors:baseline', 'errors:before', 'load1:baseline', 'load1:before'].sort(),
      );
      expect(last.metrics.filter((m) => m.outcome !== 'ok')).toEqual([]);
    }
  });

  it('fails a canary whose error rate is 5x the baseline well before the bake ends, and says so', () => {
    const bake = 300 * SECOND;
    const fleet = new Fleet({ canary: { ...HEALTHY, errors: 2.5 } }, START + bake);
    const verdicts = judgeEvery(new Judge(START, bake), fleet, START + bake);
    const fail = firstOf(verdicts, 'fail');
    expect(fail, 'no fail before the bake ended').toBeDefined();
    expect(fail!.now - START).toBeLessThanOrEqual(30 * SECOND);
    expect(verdicts.some((x) => x.v.outcome === 'pass')).toBe(false);

    const ev = evidence(fail!.v, 'errors', 'baseline');
    expect(ev).toMatchObject({ outcome: 'fail' });
    // Counted in host-seconds with an error: at 2.5 lines/s most seconds have one, so 5x the lines is about 2.3x the seconds.
    expect(ev!.effect).toBeGreaterThan(2);
    expect(ev!.effect).toBeLessThan(3.5);
    expect(ev!.p).toBeLessThanOrEqual(ev!.threshold);
    // Its threshold is its declared part of alpha, shown with the evidence.
    expect(ev!.threshold).toBeCloseTo(DEFAULT_JUDGE.alpha * DEFAULT_JUDGE.budget.withBaseline['errors:baseline'], 12);
    expect(ev!.alpha_share).toBe(ev!.threshold);
    expect(ev!.tolerance).toBe(DEFAULT_JUDGE.errorRatioFloor);
    expect(ev!.canary).toBeGreaterThan(ev!.base);
    expect(fail!.v.reason).toMatch(/error rate \d+\.\d+x vs baseline, above the 1\.2x tolerance/);
    expect(fail!.v.reason).not.toMatch(/\n/);
  });

  it('fails canaries that log errors when the baseline logs none (zero vs some: there is no finite ratio, yet it must fail)', () => {
    const quiet = { ...HEALTHY, errors: 0 };
    const bake = 300 * SECOND;
    const fleet = new Fleet({ base: quiet, canary: { ...HEALTHY, errors: 1 } }, START + bake);
    const verdicts = judgeEvery(new Judge(START, bake), fleet, START + bake);
    const fail = firstOf(verdicts, 'fail');
    expect(fail, 'zero vs some was not failed').toBeDefined();
    expect(fail!.now - START).toBeLessThanOrEqual(30 * SECOND);
    const ev = evidence(fail!.v, 'errors', 'baseline');
    expect(ev).toMatchObject({ outcome: 'fail', effect: Infinity, base: 0 });
    expect(ev!.p).toBeLessThanOrEqual(ev!.threshold);
    expect(fail!.v.reason).toMatch(/error rate from none to some/);
  });

  it('does not fail on one stray error line after a quiet history', () => {
    const quiet = { ...HEALTHY, errors: 0 };
    const bake = 60 * SECOND;
    const fleet = new Fleet({ base: quiet, canary: quiet }, START + bake);
    const stray = fleet.samples('canary-0', START + 10 * SECOND, START + 11 * SECOND)[0] as VitalsSample;
    stray.error_lines = 1;
    const verdicts = judgeEvery(new Judge(START, bake), fleet, START + bake);
    expect(verdicts.filter((x) => x.v.outcome === 'fail').map((x) => x.v.reason)).toEqual([]);
    expect(verdicts.at(-1)!.v.outcome).toBe('pass');
  });

  it('a fail stays a fail when the canary recovers', () => {
    const bake = 300 * SECOND;
    const fleet = new Fleet({}, START + bake);
    // Five times the error lines for the first 20 seconds, then as healthy as the baseline: by the
    // end of the bake the canaries' overall rate is within the 1.2x floor of the baseline's, but
    // the verdict keeps showing the evidence it failed on.
    const rng = mulberry32(9);
    for (const h of fleet.canaries) for (const x of fleet.samples(h.id, START, START + 20 * SECOND)) x.error_lines += poisson(rng, 2);
    const judge = new Judge(START, bake);
    const verdicts: Verdict[] = [];
    for (let now = START; now <= START + bake; now += 5 * SECOND) verdicts.push(judge.evaluate(fleet.input(now)));
    const first = verdicts.findIndex((v) => v.outcome === 'fail');
    expect(first).toBeGreaterThan(0);
    expect(new Set(verdicts.slice(first).map((v) => v.outcome))).toEqual(new Set(['fail']));
    const last = evidence(verdicts.at(-1)!, 'errors', 'baseline')!;
    expect(last).toEqual(evidence(verdicts[first]!, 'errors', 'baseline'));
    expect(last.effect).toBeGreaterThan(2);
    expect(last.p).toBeLessThanOrEqual(last.threshold);
    expect(last.outcome).toBe('fail');
  });

  it('does not take lasting differences between hosts for a regression, and still catches one', () => {
    // Hosts differ for good (bigger boxes, busier shards): with 3 canaries those differences do not
    // average out, so the baseline comparison works on each host's change from its own past.
    const spread = { load: 0.3, cpu: 8, errors: 1.5 };
    const bake = 120 * SECOND;
    let falseFails = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const verdicts = judgeEvery(new Judge(START, bake), new Fleet({ seed, spread }, START + bake), START + bake);
      if (verdicts.some((x) => x.v.outcome === 'fail')) falseFails++;
    }
    // alpha is 1%: 40 runs expect 0.4 false fails; 2 or more would be a 6% chance at a true 1%.
    expect(falseFails).toBeLessThanOrEqual(1);
    const bad = new Fleet({ seed: 3, spread, canary: { ...HEALTHY, errors: HEALTHY.errors * 3 } }, START + bake);
    expect(firstOf(judgeEvery(new Judge(START, bake), bad, START + bake), 'fail')).toBeDefined();
  });

  it('does not fail a release deployed while the whole fleet changes (an incident, a traffic peak)', () => {
    // Every host, canaries and baseline alike, gets busier and logs twice the errors from the switch on.
    const busier = { ...HEALTHY, load: HEALTHY.load + 0.4, cpu: HEALTHY.cpu + 12, errors: HEALTHY.errors * 2 };
    const bake = 60 * SECOND;
    for (let seed = 1; seed <= 10; seed++) {
      const fleet = new Fleet({ seed, canary: busier, baseAfter: busier }, START + bake);
      const verdicts = judgeEvery(new Judge(START, bake), fleet, START + bake);
      expect(verdicts.filter((x) => x.v.outcome === 'fail').map((x) => x.v.reason)).toEqual([]);
      // The canaries' own past shows the change; it is shown, not decisive, while a baseline runs alongside.
      const before = evidence(verdicts.at(-1)!.v, 'load1', 'before')!;
      expect(before).toMatchObject({ threshold: 0, outcome: 'ok' });
      expect(before.detail).toMatch(/not decisive/);
    }
  });

  it('keeps judging changes from each host\'s own past when a baseline host has no past', () => {
    const spread = { load: 0.3, cpu: 8, errors: 1.5 };
    const bake = 120 * SECOND;
    let falseFails = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const verdicts = judgeEvery(new Judge(START, bake), new Fleet({ seed, spread, newcomers: 1 }, START + bake), START + bake);
      if (verdicts.some((x) => x.v.outcome === 'fail')) falseFails++;
      expect(evidence(verdicts.at(-1)!.v, 'load1', 'baseline')!.detail).toMatch(/changes since each host's own minutes before/);
    }
    expect(falseFails).toBeLessThanOrEqual(1);
  });

  it('does not fail a tiny, consistent load increase below the tolerance: the test itself rules it out, not a floor on the estimate', () => {
    const calm = { ...HEALTHY, loadSd: 0.01 };
    const bake = 60 * SECOND;
    const fleet = new Fleet({ baseline: 40, base: calm, canary: { ...calm, load: 1.05 } }, START + bake);
    const verdicts = judgeEvery(new Judge(START, bake), fleet, START + bake);
    expect(verdicts.filter((x) => x.v.outcome === 'fail')).toEqual([]);
    const last = verdicts.at(-1)!.v;
    expect(last.outcome).toBe('pass');
    // The tolerance is inside the test: a change surely above 0 but not above +0.25 gives no evidence.
    const ev = evidence(last, 'load1', 'baseline')!;
    expect(ev.p).toBe(1);
    expect(ev.tolerance).toBe(DEFAULT_JUDGE.floors.load1.abs);
    expect(ev.effect).toBeCloseTo(0.05, 2);
    expect(ev.outcome).toBe('ok');
  });

  it('fails a large load increase on load1', () => {
    const calm = { ...HEALTHY, loadSd: 0.01 };
    const bake = 60 * SECOND;
    const fleet = new Fleet({ canaries: 10, baseline: 40, base: calm, canary: { ...calm, load: 2 } }, START + bake);
    const fail = firstOf(judgeEvery(new Judge(START, bake), fleet, START + bake), 'fail');
    expect(fail).toBeDefined();
    expect(fail!.now).toBeLessThan(START + bake);
    expect(evidence(fail!.v, 'load1', 'baseline')).toMatchObject({ outcome: 'fail' });
    expect(evidence(fail!.v, 'load1', 'baseline')!.effect).toBeCloseTo(1, 1);
    expect(evidence(fail!.v, 'cpu_pct', 'baseline')!.outcome).toBe('ok');
    expect(fail!.v.reason).toMatch(/load1 \+1\.\d\d vs (baseline|before), above the \+0\.25 tolerance/);
  });

  it('says a rank test cannot decide when there are too few hosts for its threshold, and does not fail on it', () => {
    // One value per host: 3 canaries against 20 hosts give at best p = 0.004, far above the load test's share.
    const calm = { ...HEALTHY, loadSd: 0.01 };
    const bake = 60 * SECOND;
    const fleet = new Fleet({ base: calm, canary: { ...calm, load: 2 } }, START + bake);
    const verdicts = judgeEvery(new Judge(START, bake), fleet, START + bake);
    const ev = evidence(verdicts.at(-1)!.v, 'load1', 'baseline')!;
    expect(ev.outcome).toBe('ok');
    expect(ev.detail).toMatch(/cannot decide: 3 canary and 20 baseline hosts are too few/);
  });

  describe('a canary that stops reporting holds the verdict from staleMs after its last sample on, even past the bake', () => {
    const bake = 60 * SECOND;
    const silentFrom = START + 30 * SECOND;
    it.each([
      [true, /no vitals from canary-0/],
      [false, /canary-0 is disconnected/],
    ])('connected %s', (connected, why) => {
      const until = START + bake + 60 * SECOND;
      const fleet = new Fleet({ silentFrom }, until);
      const canaries = fleet.canaries.map((h) => (h.id === 'canary-0' ? { ...h, connected } : h));
      const verdicts = judgeEvery(new Judge(START, bake), fleet, until, SECOND, { canaries });
      expect(verdicts.filter((x) => x.v.outcome === 'fail')).toEqual([]);
      // The last sample counts for staleMs after it; from then on the verdict holds.
      const stale = verdicts.filter((x) => x.now > silentFrom + DEFAULT_JUDGE.staleMs);
      for (const { v } of stale) {
        expect(v.outcome).toBe('hold');
        expect(v.reason).toMatch(why);
        expect(v.reason).toMatch(/missing data never passes/);
      }
      expect(stale.at(-1)!.now).toBeGreaterThan(START + bake);
    });

    it('a canary that never reports after its switch holds after staleMs if connected, at once if not', () => {
      const fleet = new Fleet({ silentFrom: START - 15 * SECOND }, START + bake + 10 * SECOND);
      const disconnected = fleet.canaries.map((h) => (h.id === 'canary-0' ? { ...h, connected: false } : h));
      expect(new Judge(START, bake).evaluate(fleet.input(START + 2 * SECOND)).outcome).toBe('pending');
      expect(new Judge(START, bake).evaluate(fleet.input(START + 2 * SECOND, { canaries: disconnected })).outcome).toBe('hold');
      const v = new Judge(START, bake).evaluate(fleet.input(START + bake + 10 * SECOND));
      expect(v.outcome).toBe('hold');
      expect(v.reason).toMatch(/no vitals from canary-0/);
    });
  });

  describe('fails at once on a canary that is not healthy', () => {
    const bake = 300 * SECOND;

    it('a canary live on another release (its health check switched it back)', () => {
      const fleet = new Fleet({ live: OLD }, START + bake);
      const v = new Judge(START, bake).evaluate(fleet.input(START + SECOND));
      expect(v.outcome).toBe('fail');
      expect(v.reason).toMatch(/canary-\d is live on another release/);
    });

    it('a canary whose last 3 health probes failed', () => {
      const failingFrom = START + 20 * SECOND;
      const probe = (ts: number) => ({ ok: ts < failingFrom, ms: 10 });
      const fleet = new Fleet({ before: { ...HEALTHY, probe }, base: { ...HEALTHY, probe: () => ({ ok: true, ms: 10 }) }, canary: { ...HEALTHY, probe } }, START + bake);
      const verdicts = judgeEvery(new Judge(START, bake), fleet, START + bake);
      const fail = firstOf(verdicts, 'fail')!;
      // Samples at 20s, 21s and 22s are the three failed probes; the verdict at 22s sees them all.
      expect(fail.now).toBe(failingFrom + 2 * SECOND);
      expect(fail.v.reason).toMatch(/canary-\d failed its last 3 health probes/);
    });

    it('two failed probes in a row, then a good one, do not fail', () => {
      const probe = (ts: number) => ({ ok: (ts - START) % (10 * SECOND) >= 2 * SECOND, ms: 10 });
      const fleet = new Fleet({ canary: { ...HEALTHY, probe }, base: { ...HEALTHY, probe: () => ({ ok: true, ms: 10 }) } }, START + 60 * SECOND);
      const verdicts = judgeEvery(new Judge(START, bake), fleet, START + 60 * SECOND);
      expect(verdicts.filter((x) => /health probes/.test(x.v.reason))).toEqual([]);
    });
  });

  describe('restart: a fresh Judge fed the same samples reaches the same verdict', () => {
    const withProbes: Behaviour = { ...HEALTHY, probe: () => ({ ok: true, ms: 12 }) };
    it.each([
      ['judging a healthy canary', { canary: { ...withProbes, errors: 0.6 }, base: withProbes, before: withProbes }, 90 * SECOND],
      ['failing a broken canary', { canary: { ...withProbes, errors: 2.5 }, base: withProbes, before: withProbes }, 90 * SECOND],
      ['after the bake', { canary: withProbes, base: withProbes, before: withProbes }, 70 * SECOND],
    ] as const)('%s', (_name, scenario, at) => {
      const bake = 60 * SECOND;
      const fleet = new Fleet(scenario, START + 100 * SECOND);
      const running = new Judge(START, bake);
      let seen: Verdict | undefined;
      for (let now = START; now <= START + at; now += SECOND) seen = running.evaluate(fleet.input(now));
      const restarted = new Judge(START, bake).evaluate(fleet.input(START + at));
      expect(restarted).toEqual(seen);
      expect(restarted.metrics.map((m) => m.p)).toEqual(seen!.metrics.map((m) => m.p));
      // One more look at the same time changes nothing on either.
      expect(running.evaluate(fleet.input(START + at))).toEqual(seen);
    });
  });

  describe('no baseline hosts (watching at 100%)', () => {
    const bake = 120 * SECOND;

    it('judges the canaries only against their own minutes before the switch', () => {
      const fleet = new Fleet({ baseline: 0, canaries: 5 }, START + bake + 5 * SECOND);
      const verdicts = judgeEvery(new Judge(START, bake), fleet, START + bake + 5 * SECOND);
      expect(verdicts.filter((x) => x.v.outcome === 'fail' || x.v.outcome === 'hold')).toEqual([]);
      const last = verdicts.at(-1)!.v;
      expect(last.outcome).toBe('pass');
      expect(last.metrics.length).toBeGreaterThan(0);
      expect(last.metrics.every((m) => m.versus === 'before')).toBe(true);
      // With no baseline there is no early pass: it passes only at the end of the bake.
      expect(firstOf(verdicts, 'pass')!.now).toBeGreaterThanOrEqual(START + bake);
    });

    it('fails a 5x error increase over the pre-switch minutes', () => {
      const fleet = new Fleet({ baseline: 0, canaries: 5, canary: { ...HEALTHY, errors: 2.5 } }, START + bake);
      const fail = firstOf(judgeEvery(new Judge(START, bake), fleet, START + bake), 'fail');
      expect(fail).toBeDefined();
      expect(fail!.now - START).toBeLessThanOrEqual(30 * SECOND);
      expect(fail!.v.metrics.every((m) => m.versus === 'before')).toBe(true);
      const ev = evidence(fail!.v, 'errors', 'before')!;
      expect(ev.outcome).toBe('fail');
      expect(ev.effect).toBeGreaterThan(2);
      expect(ev.p).toBeLessThanOrEqual(ev.threshold);
      // Declared at the start without a baseline: errors against the canaries' own past get most of alpha.
      expect(ev.threshold).toBeCloseTo(DEFAULT_JUDGE.alpha * DEFAULT_JUDGE.budget.alone['errors:before'], 12);
      expect(fail!.v.reason).toMatch(/error rate \d+\.\d+x vs before/);
    });
  });

  describe('early pass', () => {
    const bake = 300 * SECOND;

    it('passes a clean canary with plenty of error lines before the bake ends, and says it was early', () => {
      const busy = { ...HEALTHY, errors: 5 };
      const fleet = new Fleet({ baseline: 8, base: busy, canary: busy }, START + bake);
      const verdicts = judgeEvery(new Judge(START, bake), fleet, START + bake, 5 * SECOND);
      const pass = firstOf(verdicts, 'pass');
      expect(pass, 'no early pass').toBeDefined();
      expect(pass!.now).toBeLessThan(START + bake);
      // Not before a third of the bake.
      expect(pass!.now - START).toBeGreaterThanOrEqual(bake / 3);
      expect(pass!.v.reason).toMatch(/passed early after \d+s/);
      // The reason carries the p-value that ruled a 2x error rate out, and it is below the threshold.
      const p = Number(/\(p=([^)]+)\)/.exec(pass!.v.reason)?.[1]);
      expect(p).toBeLessThanOrEqual(DEFAULT_JUDGE.alpha / 10);
      expect(verdicts.filter((x) => x.v.outcome === 'fail')).toEqual([]);
    });

    it('does not pass early while a canary has missed most of the windows (silent, then back)', () => {
      const busy = { ...HEALTHY, errors: 5 };
      const fleet = new Fleet({ baseline: 8, base: busy, canary: busy }, START + bake);
      const gap = (x: VitalsSample) => x.ts_ms < START + 5 * SECOND || x.ts_ms > START + 165 * SECOND;
      fleet.hosts.set('canary-0', (fleet.hosts.get('canary-0') ?? []).filter(gap));
      const verdicts = judgeEvery(new Judge(START, bake), fleet, START + bake, 5 * SECOND);
      expect(verdicts.filter((x) => x.now < START + bake).map((x) => x.v.outcome)).not.toContain('pass');
      // The same rule as at the end of the bake: too little data holds.
      expect(verdicts.at(-1)!.v).toMatchObject({ outcome: 'hold', reason: expect.stringMatching(/canary-0 reported for \d+s of \d+s judged: too little data to pass/) });
    });

    it('does not pass early on a few error lines: too few to rule a 2x increase out', () => {
      const sparse = { ...HEALTHY, errors: 0.01 };
      const fleet = new Fleet({ baseline: 8, base: sparse, canary: sparse, before: sparse }, START + bake);
      const verdicts = judgeEvery(new Judge(START, bake), fleet, START + bake, 5 * SECOND);
      expect(verdicts.filter((x) => x.now < START + bake).map((x) => x.v.outcome)).not.toContain('pass');
    });

    it('does not pass early with no error lines at all: nothing rules an increase out', () => {
      const silent = { ...HEALTHY, errors: 0 };
      const fleet = new Fleet({ baseline: 8, base: silent, canary: silent, before: silent }, START + bake);
      const verdicts = judgeEvery(new Judge(START, bake), fleet, START + bake, 5 * SECOND);
      expect(verdicts.filter((x) => x.now < START + bake).map((x) => x.v.outcome)).not.toContain('pass');
      expect(verdicts.at(-1)!.v.outcome).toBe('pass');
    });
  });
});
