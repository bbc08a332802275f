/**
 * Statistics behind the canary judge. The judge compares the canary cohort
 * to the baseline every few seconds, so every test here is anytime-valid:
 * the chance that p ever drops to alpha under H0 stays <= alpha however
 * often and for however long it is looked at. The rate tests get this from
 * mixture likelihood-ratio martingales and Ville's inequality
 * (P[sup_t M_t >= 1/alpha] <= alpha for a non-negative supermartingale with
 * M_0 = 1), so their p is min over prefixes of 1/M_t, capped at 1.
 */

/** One time bucket of two Poisson count processes (e.g. error-log lines), with exposures in host-seconds. */
export interface RateInterval {
  canary: number;
  canaryExposure: number;
  base: number;
  baseExposure: number;
}

export interface SequentialResult {
  /** anytime-valid p-value after the last interval: min over prefixes of 1 / (mixture likelihood ratio), capped at 1 */
  p: number;
  /** log of the mixture likelihood ratio after the last interval */
  logLR: number;
}

export interface MannWhitney {
  u: number;
  z: number;
  p: number;
  n1: number;
  n2: number;
}

/**
 * Alternatives for the increase tests, as multiples of the reference rate.
 * A mixture pays log(grid size) up front, so six points: close to 1 for
 * regressions that are subtle but persistent (each point makes the martingale
 * grow fastest near its own ratio), up to 10x so an outright broken release
 * is caught within an interval or two.
 */
const INCREASE_RATIOS: readonly number[] = [1.25, 1.5, 2, 3, 5, 10];

/**
 * Prior variance of the standardised effect per observation in
 * alwaysValidP. Lambda at a given (z, n) is largest for tau2 = (z^2 - 1)/n,
 * i.e. about delta^2 for a shift of delta SD per observation, so tau2 = 1
 * tunes the mixture to 1-SD shifts: along such a shift's expected path
 * (z = sqrt(n)) p reaches 0.035 at n = 10 and 0.009 at n = 13, within 1% of
 * the best any tau2 could do at those n. Smaller shifts are still detected,
 * only later (the mixture spreads its prior over them).
 */
const DEFAULT_TAU2 = 1;

/** One grid point's running log likelihood ratio. */
interface Tracked {
  theta: number;
  logLR: number;
}

/**
 * Weighted average of per-theta likelihood-ratio martingales (weights sum to
 * 1, so M_0 = 1); an average of martingales is one, so Ville applies and
 * p = 1 / (running max). Weights put the mixture's prior where regressions
 * matter: a point's weight w costs log(1/w) nats of evidence at that point.
 * The sums stay in log space and are combined with log-sum-exp so long
 * sequences cannot overflow.
 */
function mixture<T>(steps: readonly T[], thetas: readonly number[], stepLogLR: (step: T, theta: number) => number, weights?: readonly number[]): SequentialResult {
  const logWeights = mixtureLogWeights(thetas, weights);
  const tracked: Tracked[] = thetas.map((theta) => ({ theta, logLR: 0 }));
  let logLR = 0;
  // The empty prefix has M_0 = 1, which is what caps p at 1.
  let best = 0;
  for (const step of steps) {
    for (const t of tracked) t.logLR += stepLogLR(step, t.theta);
    logLR = logSumExp(tracked.map((t, i) => t.logLR + (logWeights[i] as number)));
    best = Math.max(best, logLR);
  }
  return { p: Math.exp(-best), logLR };
}

function mixtureLogWeights(thetas: readonly number[], weights?: readonly number[]): number[] {
  if (!weights) return thetas.map(() => -Math.log(thetas.length));
  if (weights.length !== thetas.length) throw new RangeError(`${weights.length} weights for ${thetas.length} ratios`);
  const total = weights.reduce((a, w) => a + w, 0);
  // Weights summing to more than 1 would start the martingale above 1 and void Ville's bound.
  if (weights.some((w) => !(w > 0)) || !(Math.abs(total - 1) < 1e-9)) throw new RangeError('mixture weights must be > 0 and sum to 1');
  return weights.map((w) => Math.log(w));
}

function logSumExp(xs: readonly number[]): number {
  const max = Math.max(...xs);
  let sum = 0;
  for (const x of xs) sum += Math.exp(x - max);
  return max + Math.log(sum);
}

/**
 * Conditional on n = c + b events, the canary count is Binomial(n, q) with
 * q = theta*e_c / (theta*e_c + e_b). The log LR of theta against theta0 then
 * simplifies to c*log(theta/theta0) - n*log((theta*e_c + e_b)/(theta0*e_c + e_b)),
 * which needs no binomial coefficients and stays finite for any counts.
 */
function binomialLogLR(iv: RateInterval, theta: number, theta0: number): number {
  const n = iv.canary + iv.base;
  const odds = (theta * iv.canaryExposure + iv.baseExposure) / (theta0 * iv.canaryExposure + iv.baseExposure);
  return iv.canary * Math.log(theta / theta0) - n * Math.log(odds);
}

function requireCount(value: number, what: string): void {
  // A NaN would make every comparison false and the judge would silently never decide.
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${what} must be a finite number >= 0, got ${value}`);
}

/** Intervals with no exposure on one side say nothing about the ratio of rates, so they are dropped. */
function informative(intervals: readonly RateInterval[]): RateInterval[] {
  for (const iv of intervals) {
    requireCount(iv.canary, 'canary count');
    requireCount(iv.base, 'base count');
    requireCount(iv.canaryExposure, 'canary exposure');
    requireCount(iv.baseExposure, 'base exposure');
  }
  return intervals.filter((iv) => iv.canaryExposure > 0 && iv.baseExposure > 0);
}

function requireRatios(ratios: readonly number[], lo: number, hi: number, why: string): readonly number[] {
  if (ratios.length === 0) throw new RangeError('ratios must not be empty');
  for (const r of ratios) {
    if (!(r > lo && r < hi)) throw new RangeError(`ratio ${r} outside (${lo}, ${hi}): ${why}`);
  }
  return ratios;
}

/** count/exposure, with 0/0 read as 0 so an empty side compares as "no events". */
function rate(count: number, exposure: number): number {
  return exposure > 0 ? count / exposure : 0;
}

/** Ratio of two rates: Infinity when only the reference is 0, 1 when both are (no evidence of a difference). */
function rateRatio(observed: number, reference: number): number {
  if (reference > 0) return observed / reference;
  return observed > 0 ? Infinity : 1;
}

/**
 * Tests H0: canary rate <= theta0 * base rate (theta0 defaults to 1; the judge passes its
 * tolerance, so a release inside it cannot fail by chance), against canary rate = theta * base
 * rate for theta > theta0. Conditional on the total count n_i of an interval, the canary count is
 * Binomial(n_i, q_i(theta0)) at the boundary of H0, with q_i(theta) = theta*e_c/(theta*e_c+e_b).
 * Conditioning removes the unknown base rate, so the product of per-interval likelihood ratios is a
 * martingale under H0 even when exposures (cohort sizes) change between intervals; below the
 * boundary it is a supermartingale (monotone likelihood ratio), so the composite H0 is covered.
 * Counts of 0/1 units (host-seconds with an error) given their total are hypergeometric under
 * theta0 = 1, which the binomial dominates in convex order (Hoeffding 1963); the likelihood ratio
 * is convex in the count, so the martingale stays a supermartingale without a dispersion estimate.
 * The per-theta martingales are averaged over `ratios` (default 1.25, 1.5, 2, 3, 5, 10) with
 * `weights` (default equal). ratio is the point estimate (sum canary/sum canaryExposure)/(sum
 * base/sum baseExposure) over the intervals the test uses: Infinity if the base rate is 0 and the
 * canary's is not, 1 if both are 0. Intervals with zero exposure on either side contribute nothing.
 */
export function rateIncrease(
  intervals: readonly RateInterval[],
  opts: { ratios?: readonly number[]; weights?: readonly number[]; theta0?: number } = {},
): SequentialResult & { ratio: number } {
  const theta0 = opts.theta0 ?? 1;
  if (!(theta0 > 0 && Number.isFinite(theta0))) throw new RangeError(`theta0 must be finite and > 0, got ${theta0}`);
  const thetas = requireRatios(opts.ratios ?? INCREASE_RATIOS, theta0, Infinity, 'the alternative is an increase beyond theta0');
  const used = informative(intervals);
  const result = mixture(used, thetas, (iv, theta) => binomialLogLR(iv, theta, theta0), opts.weights);
  const sum = (f: (iv: RateInterval) => number): number => used.reduce((acc, iv) => acc + f(iv), 0);
  const canaryRate = rate(sum((iv) => iv.canary), sum((iv) => iv.canaryExposure));
  const baseRate = rate(sum((iv) => iv.base), sum((iv) => iv.baseExposure));
  return { ...result, ratio: rateRatio(canaryRate, baseRate) };
}

/**
 * The default alternatives for rateBelow: 5 points evenly spaced in [lo, bound) with
 * lo = min(1, bound/2). A healthy canary sits at ratio 1, so the grid starts there; the points
 * between 1 and the bound let a canary that is a little worse than the base but still inside the
 * bound pass too, if more slowly. When bound <= 1 (the canary must be strictly better) the grid
 * starts at bound/2 instead so every point stays below the bound.
 */
function belowRatios(bound: number): number[] {
  const lo = Math.min(1, bound / 2);
  return [0, 1, 2, 3, 4].map((k) => lo + (k * (bound - lo)) / 5);
}

/**
 * Evidence that the canary rate is BELOW bound * base rate, used to pass a clean canary early.
 * H0: ratio >= bound, against ratio = theta for theta in `ratios` (each in (0, bound); default
 * 5 points evenly spaced in [min(1, bound/2), bound)). The same conditional binomial likelihood
 * as rateIncrease, with the null at ratio = bound. The binomial family has a monotone likelihood
 * ratio in the canary count, so each LR is a supermartingale under every ratio >= bound, not just
 * at the boundary, and the p-value is valid for the composite H0.
 */
export function rateBelow(intervals: readonly RateInterval[], bound: number, opts: { ratios?: readonly number[] } = {}): SequentialResult {
  if (!(bound > 0 && Number.isFinite(bound))) throw new RangeError(`bound must be finite and > 0, got ${bound}`);
  const thetas = requireRatios(opts.ratios ?? belowRatios(bound), 0, bound, 'the alternative is a ratio below the bound');
  return mixture(informative(intervals), thetas, (iv, theta) => binomialLogLR(iv, theta, bound));
}

/**
 * One-sided test of a Poisson process against a known reference rate rate0 (events per unit
 * exposure): H0 rate <= theta0*rate0 (theta0 defaults to 1) vs rate = theta*rate0, LR(theta) =
 * (theta/theta0)^N * exp(-(theta-theta0)*rate0*E) accumulated per interval, mixed over `ratios`
 * (each > theta0; default as rateIncrease) with `weights`. For 0/1 counts (host-seconds with an
 * error) with P(1) <= theta0*rate0 per unit, E[(theta/theta0)^X] <= exp((theta-theta0)*rate0), so the
 * LR stays a supermartingale. Intervals with zero exposure contribute nothing.
 * ratio = (sum count/sum exposure)/rate0, 1 without exposure.
 *
 * If rate0 is 0, any event is impossible under H0, so one event makes p = 0 (logLR Infinity).
 * Callers whose reference comes from a quiet history must pad rate0 (e.g. one event per observed
 * exposure) or a single stray error line fails the canary.
 */
export function rateIncreaseVsKnown(
  intervals: readonly { count: number; exposure: number }[],
  rate0: number,
  opts: { ratios?: readonly number[]; weights?: readonly number[]; theta0?: number } = {},
): SequentialResult & { ratio: number } {
  requireCount(rate0, 'rate0');
  const theta0 = opts.theta0 ?? 1;
  if (!(theta0 > 0 && Number.isFinite(theta0))) throw new RangeError(`theta0 must be finite and > 0, got ${theta0}`);
  const thetas = requireRatios(opts.ratios ?? INCREASE_RATIOS, theta0, Infinity, 'the alternative is an increase beyond theta0');
  for (const iv of intervals) {
    requireCount(iv.count, 'count');
    requireCount(iv.exposure, 'exposure');
  }
  const used = intervals.filter((iv) => iv.exposure > 0);
  const events = used.reduce((acc, iv) => acc + iv.count, 0);
  const exposure = used.reduce((acc, iv) => acc + iv.exposure, 0);
  // No exposure is no data: report the neutral ratio, not "rate 0".
  const ratio = exposure > 0 ? rateRatio(events / exposure, rate0) : 1;
  if (rate0 === 0) return events > 0 ? { p: 0, logLR: Infinity, ratio } : { p: 1, logLR: 0, ratio };
  const result = mixture(used, thetas, (iv, theta) => iv.count * Math.log(theta / theta0) - (theta - theta0) * rate0 * iv.exposure, opts.weights);
  return { ...result, ratio };
}

/**
 * lookShare is the share of a test's alpha spent at its j-th scheduled look (j = 1, 2, ...):
 * 6/(pi^2 j^2), which sums to 1 over all j. A fixed-horizon test run at look j with level
 * share*lookShare(j) is then valid however many looks there are (Bonferroni over the looks holds
 * under any dependence between them), so p_j / lookShare(j) is an anytime-valid p-value.
 */
export function lookShare(j: number): number {
  if (!(Number.isInteger(j) && j >= 1)) throw new RangeError(`look must be a whole number >= 1, got ${j}`);
  return 6 / (Math.PI * Math.PI * j * j);
}

/**
 * Sign test: P[Binomial(n, 1/2) >= k], the exact one-sided p-value for "more than half of n
 * independent values are above the tolerance". It needs no symmetry and no variance: under H0
 * each value is above the tolerance with probability at most 1/2.
 */
export function signTestGreater(k: number, n: number): number {
  if (!(Number.isInteger(k) && Number.isInteger(n) && k >= 0 && n >= 0 && k <= n)) throw new RangeError(`sign test needs whole 0 <= k <= n, got k=${k}, n=${n}`);
  if (k === 0) return 1;
  let logC = 0; // log C(n, i), built up from i = 0
  let tail = 0;
  for (let i = 0; i <= n; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    if (i >= k) tail += Math.exp(logC - n * Math.LN2);
  }
  return Math.min(1, tail);
}

/**
 * Pearson's dispersion statistic of per-host counts against one shared rate, as an upper-tail
 * z (Wilson-Hilferty): large when hosts really differ in rate. counts[i] events in exposures[i].
 * Hosts with no exposure are left out; fewer than 2 hosts or no events gives z = 0.
 */
export function dispersionZ(counts: readonly number[], exposures: readonly number[]): number {
  const used = counts.map((c, i) => [c, exposures[i] ?? 0] as const).filter(([, e]) => e > 0);
  const total = used.reduce((a, [c]) => a + c, 0);
  const exposure = used.reduce((a, [, e]) => a + e, 0);
  if (used.length < 2 || total === 0) return 0;
  const rate0 = total / exposure;
  const chi2 = used.reduce((a, [c, e]) => a + (c - e * rate0) ** 2 / (e * rate0), 0);
  const df = used.length - 1;
  const v = 2 / (9 * df);
  return (Math.cbrt(chi2 / df) - (1 - v)) / Math.sqrt(v);
}

// Cephes ndtr coefficients (as used by scipy.special.ndtr), so p-values agree
// with scipy far into the tail rather than to a few digits.
const ERF_T = [9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3, 7.00332514112805075473e3, 5.55923013010394962768e4];
const ERF_U = [3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3, 2.26290000613890934246e4, 4.92673942608635921086e4];
const ERFC_P = [
  2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0, 4.86371970985681366614e1, 1.96520832956077098242e2,
  5.26445194995477358631e2, 9.34528527171957607540e2, 1.02755188689515710272e3, 5.57535335369399327526e2,
];
const ERFC_Q = [
  1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2, 9.75708501743205489753e2, 1.82390916687909736289e3,
  2.24633760818710981792e3, 1.65666309194161350182e3, 5.57535340817727675546e2,
];
const ERFC_R = [5.64189583547755073984e-1, 1.27536670759978104416e0, 5.01905042251180477414e0, 6.16021097993053585195e0, 7.40974269950448939160e0, 2.97886665372100240670e0];
const ERFC_S = [2.26052863220117276590e0, 9.39603524938001434673e0, 1.20489539808096656605e1, 1.70814450747565897222e1, 9.60896809063285878198e0, 3.36907645100081516050e0];

/** Horner evaluation; `monic` supplies the leading coefficient 1 that the Cephes tables leave out. */
function poly(x: number, coefficients: readonly number[], monic = false): number {
  return coefficients.reduce((acc, c) => acc * x + c, monic ? 1 : 0);
}

/** erf for |x| < 1, where the rational approximation is accurate to a few ulp. */
function erfSmall(x: number): number {
  const z = x * x;
  return (x * poly(z, ERF_T)) / poly(z, ERF_U, true);
}

/** erfc for x >= 1, computed directly so small tail probabilities keep their relative precision. */
function erfcLarge(x: number): number {
  const [p, q] = x < 8 ? [poly(x, ERFC_P), poly(x, ERFC_Q, true)] : [poly(x, ERFC_R), poly(x, ERFC_S, true)];
  return (Math.exp(-x * x) * p) / q;
}

/** Upper tail of the standard normal, P[Z > z]. */
function normalSf(z: number): number {
  const x = -z * Math.SQRT1_2;
  if (Math.abs(x) < 1) return 0.5 + 0.5 * erfSmall(x);
  const tail = 0.5 * erfcLarge(Math.abs(x));
  return x > 0 ? 1 - tail : tail;
}

/**
 * Fixed-horizon Mann-Whitney U test, alternative "x tends to be greater than y", normal
 * approximation with tie and continuity corrections; equals scipy.stats.mannwhitneyu(x, y,
 * alternative='greater', method='asymptotic', use_continuity=True) in u (the U statistic of x)
 * and p. z is the continuity-corrected standardised statistic (positive when x is larger), so
 * p = P[Z > z]. n1 or n2 = 0 -> u 0, z 0, p 1 (scipy gives NaN); all values equal -> z 0, p 1
 * (scipy gives z -inf). O(n log n).
 */
export function mannWhitneyGreater(x: readonly number[], y: readonly number[]): MannWhitney {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) return { u: 0, z: 0, p: 1, n1, n2 };
  const pooled = [...x.map((v) => ({ v, fromX: true })), ...y.map((v) => ({ v, fromX: false }))];
  for (const { v } of pooled) {
    // NaN has no rank; sorting with it would scramble every other rank silently.
    if (Number.isNaN(v)) throw new RangeError('mannWhitneyGreater: NaN in sample');
  }
  pooled.sort((a, b) => (a.v < b.v ? -1 : a.v > b.v ? 1 : 0));
  let rankSumX = 0;
  let tieTerm = 0;
  for (let start = 0; start < pooled.length; ) {
    let end = start;
    while (end < pooled.length && pooled[end]?.v === pooled[start]?.v) end++;
    // Tied values share the mean of ranks start+1..end.
    const rank = (start + 1 + end) / 2;
    for (let i = start; i < end; i++) if (pooled[i]?.fromX) rankSumX += rank;
    const t = end - start;
    tieTerm += t * t * t - t;
    start = end;
  }
  const n = n1 + n2;
  const u = rankSumX - (n1 * (n1 + 1)) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u, z: 0, p: 1, n1, n2 };
  const z = (u - (n1 * n2) / 2 - 0.5) / Math.sqrt(variance);
  return { u, z, p: normalSf(z), n1, n2 };
}

/**
 * Always-valid one-sided p-value for a statistic z that behaves like a standardised sum of n
 * unit-variance increments (z = S_n / sqrt(n)). Averaging the likelihood ratio exp(theta*S_n -
 * n*theta^2/2) over a N(0, tau2) prior on the drift theta gives Robbins' normal-mixture
 * martingale Lambda = (1+n*tau2)^(-1/2) * exp(n*tau2*z^2 / (2*(1+n*tau2))); by Ville,
 * P[Lambda ever >= 1/alpha] <= alpha, so p = min(1, 1/Lambda) may be checked at every look.
 * Only z > 0 counts as evidence (one-sided), which can only make p larger. n <= 0 -> 1.
 * tau2 defaults to 1 (see DEFAULT_TAU2: a 1-SD shift typically reaches p <= 0.05 within 10 observations).
 */
export function alwaysValidP(z: number, n: number, tau2: number = DEFAULT_TAU2): number {
  if (!(tau2 > 0)) throw new RangeError(`tau2 must be > 0, got ${tau2}`);
  if (!(n > 0 && z > 0)) return 1;
  const spread = n * tau2;
  const logLambda = -0.5 * Math.log1p(spread) + (spread * z * z) / (2 * (1 + spread));
  return Math.min(1, Math.exp(-logLambda));
}

/** Effective sample size for a two-sample statistic: n1*n2/(n1+n2) (0 if either is 0). */
export function effectiveN(n1: number, n2: number): number {
  return n1 > 0 && n2 > 0 ? (n1 * n2) / (n1 + n2) : 0;
}

/** Median; NaN for an empty sample. */
export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  const hi = sorted[mid] ?? Number.NaN;
  return sorted.length % 2 === 1 ? hi : ((sorted[mid - 1] ?? Number.NaN) + hi) / 2;
}
