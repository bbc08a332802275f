import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../shared/prng.js';
import {
  alwaysValidP,
  dispersionZ,
  effectiveN,
  lookShare,
  mannWhitneyGreater,
  median,
  rateBelow,
  rateIncrease,
  rateIncreaseVsKnown,
  signTestGreater,
  type RateInterval,
} from './stats.js';

// Expected values come from test/fixtures/stats/make_fixtures.py (scipy); CI
// has no scipy, so the tests read only the checked-in JSON.
function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../test/fixtures/stats/${name}`, import.meta.url), 'utf8')) as T;
}

interface MwCase { name: string; x: number[]; y: number[]; u: number; p: number; z: number }
interface IncreaseCase { name: string; intervals: RateInterval[]; ratios?: number[]; logLR: number; p: number; ratio: number }
interface BelowCase { name: string; intervals: RateInterval[]; bound: number; ratios?: number[]; logLR: number; p: number }
interface KnownCase { name: string; intervals: { count: number; exposure: number }[]; rate0: number; ratios?: number[]; logLR: number; p: number; ratio: number }
interface AlwaysValidCase { z: number; n: number; tau2?: number; p: number }

const REL = 1e-9;

function expectRel(actual: number, expected: number, what: string): void {
  const ok = expected === 0 ? actual === 0 : Math.abs(actual - expected) <= REL * Math.abs(expected);
  expect(ok, `${what}: ${actual} vs expected ${expected}`).toBe(true);
}

type Rng = () => number;

// Knuth's product-of-uniforms sampler: exact, and quick enough for means up to a few hundred.
function poisson(rng: Rng, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  for (let prod = rng(); prod > limit; prod *= rng()) k++;
  return k;
}

// Box-Muller; 1 - u keeps the logarithm away from 0.
function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

const ALPHA = 0.01;
const LOOKS = 60;
// Canary 10 host-s, base 190 host-s per interval: one canary host against 19 baseline hosts.
const CANARY_EXPOSURE = 10;
const BASE_EXPOSURE = 190;
const BASE_RATE = 0.5;

function cohortSequence(rng: Rng, canaryRate: number): RateInterval[] {
  return Array.from({ length: LOOKS }, () => ({
    canary: poisson(rng, canaryRate * CANARY_EXPOSURE),
    canaryExposure: CANARY_EXPOSURE,
    base: poisson(rng, BASE_RATE * BASE_EXPOSURE),
    baseExposure: BASE_EXPOSURE,
  }));
}

function knownSequence(rng: Rng, rate: number): { count: number; exposure: number }[] {
  return Array.from({ length: LOOKS }, () => ({ count: poisson(rng, rate * CANARY_EXPOSURE), exposure: CANARY_EXPOSURE }));
}

/**
 * p is already the minimum over every prefix, so "p <= alpha after the last
 * look" is exactly "p <= alpha at some look": one call per sequence judges
 * all 60 looks.
 */
function rejectFraction(runs: number, seed: number, pOf: (rng: Rng) => number): number {
  const rng = mulberry32(seed);
  let rejected = 0;
  for (let i = 0; i < runs; i++) if (pOf(rng) <= ALPHA) rejected++;
  return rejected / runs;
}

// One-sided 1% normal quantile. The naive tests below re-run a fixed-horizon
// z-test on the cumulative counts at every look; the same seeds and harness
// must catch them, or the simulation could not tell a broken test from a valid one.
const Z_ONE_PERCENT = 2.3263478740408408;

function naiveCohortP(intervals: readonly RateInterval[]): number {
  const q0 = CANARY_EXPOSURE / (CANARY_EXPOSURE + BASE_EXPOSURE);
  let canary = 0;
  let total = 0;
  for (const iv of intervals) {
    canary += iv.canary;
    total += iv.canary + iv.base;
    if ((canary - total * q0) / Math.sqrt(total * q0 * (1 - q0)) > Z_ONE_PERCENT) return 0;
  }
  return 1;
}

function naiveKnownP(intervals: readonly { count: number; exposure: number }[], rate0: number): number {
  let count = 0;
  let exposure = 0;
  for (const iv of intervals) {
    count += iv.count;
    exposure += iv.exposure;
    if ((count - rate0 * exposure) / Math.sqrt(rate0 * exposure) > Z_ONE_PERCENT) return 0;
  }
  return 1;
}

// Ville bounds the true false-alarm probability by alpha; the slack only
// covers the Monte-Carlo error of estimating it from 2,000 runs (3 standard
// errors of a binomial proportion at alpha).
const NULL_RUNS = 2000;
const SLACK = 3 * Math.sqrt((ALPHA * (1 - ALPHA)) / NULL_RUNS);

describe('mannWhitneyGreater', () => {
  const cases = fixture<MwCase[]>('mannwhitney.json');

  it('has enough scipy cases to cover ties, sizes and degenerate samples', () => {
    expect(cases.length).toBeGreaterThanOrEqual(12);
  });

  it.each(cases.map((c) => [c.name, c] as const))('matches scipy: %s', (_name, c) => {
    const r = mannWhitneyGreater(c.x, c.y);
    expectRel(r.u, c.u, 'u');
    expectRel(r.p, c.p, 'p');
    expect(Math.abs(r.z - c.z)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(c.z)));
    expect([r.n1, r.n2]).toEqual([c.x.length, c.y.length]);
  });

  it('is antisymmetric: swapping the samples gives U2 = n1*n2 - U1', () => {
    const rng = mulberry32(7);
    const x = Array.from({ length: 40 }, () => Math.round(normal(rng) * 4));
    const y = Array.from({ length: 33 }, () => Math.round(normal(rng) * 4));
    expect(mannWhitneyGreater(x, y).u + mannWhitneyGreater(y, x).u).toBe(40 * 33);
  });

  it('refuses NaN rather than ranking it', () => {
    expect(() => mannWhitneyGreater([1, Number.NaN], [2])).toThrow(RangeError);
  });
});

describe('sequential rate tests: known values from binom.pmf / poisson.pmf', () => {
  const cases = fixture<{ rateIncrease: IncreaseCase[]; rateBelow: BelowCase[]; rateIncreaseVsKnown: KnownCase[] }>('sequential.json');

  it.each(cases.rateIncrease.map((c) => [c.name, c] as const))('rateIncrease: %s', (_name, c) => {
    const r = rateIncrease(c.intervals, c.ratios ? { ratios: c.ratios } : {});
    expectRel(r.logLR, c.logLR, 'logLR');
    expectRel(r.p, c.p, 'p');
    expectRel(r.ratio, c.ratio, 'ratio');
  });

  it.each(cases.rateBelow.map((c) => [c.name, c] as const))('rateBelow: %s', (_name, c) => {
    const r = rateBelow(c.intervals, c.bound, c.ratios ? { ratios: c.ratios } : {});
    expectRel(r.logLR, c.logLR, 'logLR');
    expectRel(r.p, c.p, 'p');
  });

  it.each(cases.rateIncreaseVsKnown.map((c) => [c.name, c] as const))('rateIncreaseVsKnown: %s', (_name, c) => {
    const r = rateIncreaseVsKnown(c.intervals, c.rate0, c.ratios ? { ratios: c.ratios } : {});
    expectRel(r.logLR, c.logLR, 'logLR');
    expectRel(r.p, c.p, 'p');
    expectRel(r.ratio, c.ratio, 'ratio');
  });

  it('p is the running minimum of 1/LR over prefixes, so it never rises', () => {
    const rng = mulberry32(11);
    const intervals = [...cohortSequence(rng, 1.5).slice(0, 10), ...cohortSequence(rng, 0.2).slice(0, 20)];
    let previous = 1;
    let best = 0;
    for (let t = 1; t <= intervals.length; t++) {
      const r = rateIncrease(intervals.slice(0, t));
      best = Math.max(best, r.logLR);
      expect(r.p).toBeLessThanOrEqual(previous);
      expect(r.p).toBeCloseTo(Math.min(1, Math.exp(-best)), 15);
      previous = r.p;
    }
    // The quiet tail drags the likelihood ratio down, but the p already earned stays.
    const last = rateIncrease(intervals);
    expect(Math.exp(-last.logLR)).toBeGreaterThan(last.p);
  });

  it('reports no evidence and a neutral ratio without data', () => {
    expect(rateIncrease([])).toEqual({ p: 1, logLR: 0, ratio: 1 });
    expect(rateIncrease([{ canary: 0, canaryExposure: 10, base: 0, baseExposure: 10 }])).toEqual({ p: 1, logLR: 0, ratio: 1 });
    expect(rateIncrease([{ canary: 4, canaryExposure: 0, base: 1, baseExposure: 10 }])).toEqual({ p: 1, logLR: 0, ratio: 1 });
    expect(rateBelow([], 2)).toEqual({ p: 1, logLR: 0 });
    expect(rateIncreaseVsKnown([], 1)).toEqual({ p: 1, logLR: 0, ratio: 1 });
  });

  it('gives an infinite ratio when only the base is silent', () => {
    expect(rateIncrease([{ canary: 3, canaryExposure: 10, base: 0, baseExposure: 190 }]).ratio).toBe(Infinity);
  });

  it('treats rate0 = 0 as "no events possible": one event gives p = 0', () => {
    expect(rateIncreaseVsKnown([{ count: 1, exposure: 10 }], 0)).toEqual({ p: 0, logLR: Infinity, ratio: Infinity });
    expect(rateIncreaseVsKnown([{ count: 0, exposure: 10 }], 0)).toEqual({ p: 1, logLR: 0, ratio: 1 });
  });

  it('stays finite over very long sequences', () => {
    const rng = mulberry32(3);
    const long = Array.from({ length: 200 }, () => cohortSequence(rng, 1.0)).flat();
    const r = rateIncrease(long);
    expect(Number.isFinite(r.logLR)).toBe(true);
    expect(r.logLR).toBeGreaterThan(1000);
    expect(r.p).toBe(0);
    const quiet = rateIncreaseVsKnown(long.map((iv) => ({ count: iv.canary, exposure: iv.canaryExposure })), 5);
    expect(Number.isFinite(quiet.logLR)).toBe(true);
    expect(quiet.logLR).toBeLessThan(-1000);
    expect(quiet.p).toBe(1);
  });

  it('refuses grids that would break validity and malformed counts', () => {
    const iv = [{ canary: 1, canaryExposure: 1, base: 1, baseExposure: 1 }];
    expect(() => rateIncrease(iv, { ratios: [0.8, 2] })).toThrow(RangeError);
    expect(() => rateIncrease(iv, { ratios: [] })).toThrow(RangeError);
    expect(() => rateBelow(iv, 2, { ratios: [1, 2] })).toThrow(RangeError);
    expect(() => rateBelow(iv, 0)).toThrow(RangeError);
    expect(() => rateIncreaseVsKnown([{ count: 1, exposure: 1 }], 1, { ratios: [1] })).toThrow(RangeError);
    expect(() => rateIncrease([{ ...iv[0]!, canary: Number.NaN }])).toThrow(RangeError);
    expect(() => rateIncreaseVsKnown([{ count: -1, exposure: 1 }], 1)).toThrow(RangeError);
    expect(() => rateIncreaseVsKnown([], Number.NaN)).toThrow(RangeError);
  });
});

describe('anytime validity and power by simulation (60 looks, alpha 0.01)', () => {
  it('rateIncrease: A/A false alarms stay within alpha; a 2x rate is caught', () => {
    const falseAlarms = rejectFraction(NULL_RUNS, 101, (rng) => rateIncrease(cohortSequence(rng, BASE_RATE)).p);
    expect(falseAlarms).toBeLessThanOrEqual(ALPHA + SLACK);
    expect(rejectFraction(NULL_RUNS, 101, (rng) => naiveCohortP(cohortSequence(rng, BASE_RATE)))).toBeGreaterThan(ALPHA + SLACK);
    const power = rejectFraction(200, 102, (rng) => rateIncrease(cohortSequence(rng, 2 * BASE_RATE)).p);
    expect(power).toBeGreaterThanOrEqual(0.95);
  });

  it('rateIncreaseVsKnown: false alarms at rate0 stay within alpha; a 2x rate is caught', () => {
    const falseAlarms = rejectFraction(NULL_RUNS, 201, (rng) => rateIncreaseVsKnown(knownSequence(rng, BASE_RATE), BASE_RATE).p);
    expect(falseAlarms).toBeLessThanOrEqual(ALPHA + SLACK);
    expect(rejectFraction(NULL_RUNS, 201, (rng) => naiveKnownP(knownSequence(rng, BASE_RATE), BASE_RATE))).toBeGreaterThan(ALPHA + SLACK);
    const power = rejectFraction(200, 202, (rng) => rateIncreaseVsKnown(knownSequence(rng, 2 * BASE_RATE), BASE_RATE).p);
    expect(power).toBeGreaterThanOrEqual(0.95);
  });

  it('rateBelow: a canary exactly at the bound rarely passes; a clean canary passes', () => {
    const bound = 2;
    const falsePasses = rejectFraction(NULL_RUNS, 301, (rng) => rateBelow(cohortSequence(rng, bound * BASE_RATE), bound).p);
    expect(falsePasses).toBeLessThanOrEqual(ALPHA + SLACK);
    const power = rejectFraction(200, 302, (rng) => rateBelow(cohortSequence(rng, BASE_RATE), bound).p);
    expect(power).toBeGreaterThanOrEqual(0.95);
  });
});

describe('alwaysValidP', () => {
  it.each(fixture<AlwaysValidCase[]>('always_valid.json').map((c) => [c.z, c.n, c.tau2, c] as const))(
    'matches the normal-mixture likelihood ratio (z %s, n %s, tau2 %s)',
    (_z, _n, _tau2, c) => {
      expectRel(c.tau2 === undefined ? alwaysValidP(c.z, c.n) : alwaysValidP(c.z, c.n, c.tau2), c.p, 'p');
    },
  );

  it('gives no evidence without data or for a non-positive z', () => {
    expect(alwaysValidP(5, 0)).toBe(1);
    expect(alwaysValidP(5, -3)).toBe(1);
    expect(alwaysValidP(0, 100)).toBe(1);
    expect(alwaysValidP(-8, 100)).toBe(1);
    expect(alwaysValidP(Number.NaN, 100)).toBe(1);
    expect(() => alwaysValidP(3, 10, 0)).toThrow(RangeError);
  });

  const WALKS = 2000;
  const STEPS = 100;
  const A = 0.05;
  // One-sided 5% normal quantile: the test that is only valid at a single, pre-set look.
  const Z_FIXED = 1.6448536269514722;

  it('pays for peeking: a z significant at one pre-set look is far from significant here', () => {
    for (const n of [1, 2, 5, 10, 100, 1e4]) expect(alwaysValidP(Z_FIXED, n)).toBeGreaterThan(0.5);
    // ...and a decisive z is still decisive.
    expect(alwaysValidP(5, 100)).toBeLessThan(1e-3);
  });

  it('peeking at every step of a null random walk: always-valid stays within alpha, the naive z-test does not', () => {
    const rng = mulberry32(401);
    let valid = 0;
    let naive = 0;
    for (let w = 0; w < WALKS; w++) {
      let sum = 0;
      let validHit = false;
      let naiveHit = false;
      for (let n = 1; n <= STEPS; n++) {
        sum += normal(rng);
        const z = sum / Math.sqrt(n);
        validHit ||= alwaysValidP(z, n) <= A;
        naiveHit ||= z > Z_FIXED;
      }
      if (validHit) valid++;
      if (naiveHit) naive++;
    }
    expect(valid / WALKS).toBeLessThanOrEqual(A + 3 * Math.sqrt((A * (1 - A)) / WALKS));
    expect(naive / WALKS).toBeGreaterThan(2 * A);
  });

  it('detects a 1-SD shift within about 10 observations (the documented default tau2)', () => {
    const rng = mulberry32(402);
    const stops = Array.from({ length: 400 }, () => {
      let sum = 0;
      for (let n = 1; ; n++) {
        sum += 1 + normal(rng);
        if (alwaysValidP(sum / Math.sqrt(n), n) <= A) return n;
      }
    });
    expect(median(stops)).toBeLessThanOrEqual(10);
  });
});

describe('effectiveN and median', () => {
  it('effectiveN is the harmonic-style n1*n2/(n1+n2), 0 for an empty side', () => {
    expect(effectiveN(10, 10)).toBe(5);
    expect(effectiveN(1, 19)).toBeCloseTo(0.95, 15);
    expect(effectiveN(0, 19)).toBe(0);
    expect(effectiveN(19, 0)).toBe(0);
  });

  it('median handles odd, even, unsorted and empty samples without mutating', () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([4, 1, 10, 2])).toBe(3);
    expect(median([-2])).toBe(-2);
    expect(median([])).toBeNaN();
  });
});

describe('the tolerance inside the rate tests (theta0) and weighted mixtures', () => {
  const grid = { ratios: [1.5, 2, 3], weights: [0.3, 0.5, 0.2] };

  it('rateIncrease at theta0 = 1.2: a true 1.15x increase stays within alpha; at theta0 = 1 it does not', () => {
    const at12 = rejectFraction(NULL_RUNS, 401, (rng) => rateIncrease(cohortSequence(rng, 1.15 * BASE_RATE), { ...grid, theta0: 1.2 }).p);
    expect(at12).toBeLessThanOrEqual(ALPHA + SLACK);
    expect(rejectFraction(NULL_RUNS, 401, (rng) => rateIncrease(cohortSequence(rng, 1.15 * BASE_RATE), grid).p)).toBeGreaterThan(ALPHA + SLACK);
    expect(rejectFraction(200, 402, (rng) => rateIncrease(cohortSequence(rng, 2 * BASE_RATE), { ...grid, theta0: 1.2 }).p)).toBeGreaterThanOrEqual(0.9);
  });

  it('rateIncreaseVsKnown at theta0 = 1.2: a true 1.15x stays within alpha', () => {
    expect(rejectFraction(NULL_RUNS, 403, (rng) => rateIncreaseVsKnown(knownSequence(rng, 1.15 * BASE_RATE), BASE_RATE, { ...grid, theta0: 1.2 }).p)).toBeLessThanOrEqual(ALPHA + SLACK);
  });

  it('with one interval, p is 1 / the weighted average of the likelihood ratios', () => {
    const iv = [{ canary: 6, canaryExposure: 10, base: 20, baseExposure: 190 }];
    const lr = (theta: number) => {
      const q0 = (1.2 * 10) / (1.2 * 10 + 190);
      const q = (theta * 10) / (theta * 10 + 190);
      return (q / q0) ** 6 * ((1 - q) / (1 - q0)) ** 20;
    };
    const m = 0.3 * lr(1.5) + 0.5 * lr(2) + 0.2 * lr(3);
    expect(rateIncrease(iv, { ...grid, theta0: 1.2 }).p).toBeCloseTo(Math.min(1, 1 / m), 10);
  });

  it('refuses weights that do not sum to 1 and alternatives at or below theta0', () => {
    const iv = [{ canary: 1, canaryExposure: 1, base: 1, baseExposure: 1 }];
    expect(() => rateIncrease(iv, { ratios: [2, 3], weights: [0.6, 0.6] })).toThrow(/sum to 1/);
    expect(() => rateIncrease(iv, { ratios: [1.2, 2], theta0: 1.2 })).toThrow(/beyond theta0/);
    expect(() => rateIncrease(iv, { ratios: [2], weights: [0.5, 0.5] })).toThrow(/2 weights for 1 ratios/);
  });
});

describe('lookShare, signTestGreater, dispersionZ', () => {
  it('lookShare sums to 1 over all looks', () => {
    let sum = 0;
    for (let j = 1; j <= 100_000; j++) sum += lookShare(j);
    expect(sum).toBeGreaterThan(0.9999);
    expect(sum).toBeLessThanOrEqual(1);
    expect(() => lookShare(0)).toThrow(RangeError);
  });

  it('signTestGreater is the binomial(n, 1/2) upper tail (scipy.stats.binom.sf(k-1, n, 0.5))', () => {
    expect(signTestGreater(10, 10)).toBeCloseTo(1 / 1024, 15);
    expect(signTestGreater(8, 10)).toBeCloseTo(56 / 1024, 15);
    expect(signTestGreater(0, 5)).toBe(1);
    expect(signTestGreater(150, 200) / 4.1965104378023877e-13).toBeCloseTo(1, 9);
    expect(() => signTestGreater(3, 2)).toThrow(RangeError);
  });

  it('dispersionZ: near 0 for hosts sharing one rate, large when they differ', () => {
    const rng = mulberry32(7);
    const alike = Array.from({ length: 200 }, () => poisson(rng, 12));
    expect(Math.abs(dispersionZ(alike, alike.map(() => 120)))).toBeLessThan(3);
    const differ = Array.from({ length: 200 }, (_, i) => poisson(rng, i % 2 ? 6 : 18));
    expect(dispersionZ(differ, differ.map(() => 120))).toBeGreaterThan(10);
    expect(dispersionZ([0, 0], [1, 1])).toBe(0);
  });
});
