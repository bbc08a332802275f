import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { DEFAULT_JUDGE, Judge, type JudgedHost, type JudgeInput } from '../../coordinator/judge.js';
import { DEFAULT_DECISION_GRACE_MS } from '../../coordinator/rollout.js';
import { planOf } from '../../shared/plan.js';
import { mulberry32 } from '../../shared/prng.js';
import type { Verdict, VitalsSample } from '../../shared/wire.js';
import { target, type Scenario, type ScenarioOptions, type ScenarioResult } from './scenario.js';

/*
 * The canary judge's statistics, with simulated vitals. No agents, no gRPC,
 * no coordinator and no waiting: hosts are arrays of samples, the clock is a
 * number, and coordinator/judge.ts's Judge is called once per simulated
 * second the way RolloutEngine.judge calls it. What this measures is how
 * fast the judge's tests see a regression and how often they see one that
 * is not there; the vitals scenario measures the transport.
 *
 * Settings are the defaults a deploy gets: the plan's 5% canary and 60 s
 * bake (shared/plan.ts) and DEFAULT_JUDGE. Sizes come from the environment
 * (bench/main.ts takes no scenario-specific flags):
 *   FLEETSWAP_BENCH_SEED=N         base seed (default 1; every run's seed derives from it)
 *   FLEETSWAP_BENCH_AA_RUNS=N      A/A rollouts per base error rate (default 200)
 *   FLEETSWAP_BENCH_DETECT_RUNS=N  regressed rollouts per base error rate (default 200)
 *   FLEETSWAP_BENCH_SMOKE=1        a quick run (20 A/A, 10 per rate) to check it works, not to quote
 */

const SAMPLE_MS = 1_000;
const JUDGE_EVERY_MS = 1_000;
/** How much old-release history each canary has before its switch (the judge's `beforeMs` reads this far back). */
const BEFORE_SWITCH_MS = 120_000;
/** The issue's base rate: error-log lines per host per second on a healthy release. */
const BASE_RATE = 0.1;
/** Also measured, so a reader sees how detection scales with how chatty the error log is. */
const OTHER_RATES = [0.05, 0.5] as const;
const REGRESSION = 2;
const DETECT_TARGET_MS = 60_000;
const FALSE_ROLLBACK_TARGET = 0.01;
const LOAD = { mean: 1.0, sd: 0.15 };
const CPU = { mean: 30, sd: 4 };
const MEM = { mean: 40, sd: 2 };
const T0 = Date.UTC(2026, 0, 1);
const OLD = 'r-old';
const NEW = 'r-new';

export const canaryScenario: Scenario = {
  name: 'canary',
  description:
    'the canary judge on simulated vitals (in-process, simulated clock): time to detect a 2x error rate on a 5% canary, and false rollbacks over A/A rollouts',
  defaultAgents: 200,
  run: runCanary,
};

interface Settings {
  seed: number;
  aaRuns: number;
  detectRuns: number;
  smoke: boolean;
}

function settings(): Settings {
  const env = process.env;
  const smoke = env.FLEETSWAP_BENCH_SMOKE === '1';
  return {
    seed: whole('FLEETSWAP_BENCH_SEED', 1, 0) >>> 0,
    aaRuns: whole('FLEETSWAP_BENCH_AA_RUNS', smoke ? 20 : 200, 1),
    // 200, not 50: with 50 runs the nearest-rank p99 is the max, and a 2% miss rate shows in only 64% of such sets.
    detectRuns: whole('FLEETSWAP_BENCH_DETECT_RUNS', smoke ? 10 : 200, 1),
    smoke,
  };
}

function whole(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > 2 ** 32 - 1) throw new Error(`${name} must be a whole number >= ${min}, not ${JSON.stringify(raw)}`);
  return n;
}

// ---- the simulated fleet ----

interface SimHost {
  id: string;
  canary: boolean;
  /** Where in each second this host samples: agents are not in step. */
  offsetMs: number;
  /** Time of the next sample this host will take. */
  next: number;
  /** Oldest first; ts_ms strictly increasing, so range queries are two binary searches. */
  samples: VitalsSample[];
}

/** The first index whose ts_ms is >= t. */
function lowerBound(samples: readonly VitalsSample[], t: number): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((samples[mid] as VitalsSample).ts_ms < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function gaussian(rand: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u = rand();
    while (u === 0) u = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * rand();
    spare = r * Math.sin(a);
    return r * Math.cos(a);
  };
}

/** Knuth's method: fine for the small means here (at most 1 line per sample). */
function poisson(rand: () => number, expMinusLambda: number): number {
  let k = 0;
  let p = rand();
  while (p > expMinusLambda) {
    k++;
    p *= rand();
  }
  return k;
}

/** A run's seed from the base seed, the experiment and the run's number, so each run can be replayed alone. */
function runSeed(seed: number, stream: number, run: number): number {
  return (mulberry32((seed ^ Math.imul(stream + 1, 0x9e3779b1) ^ Math.imul(run + 1, 0x85ebca6b)) >>> 0)() * 2 ** 32) >>> 0;
}

interface RunParams {
  seed: number;
  hosts: number;
  canaries: number;
  bakeMs: number;
  deadlineMs: number;
  /** Error lines per host per second on the old release, and on the new one. */
  baseRate: number;
  newRate: number;
}

interface RunOutcome {
  seed: number;
  outcome: 'pass' | 'fail' | 'undecided';
  /** From the switch to the verdict (or to the deadline). */
  atMs: number;
  reason: string;
  /** `metric:versus` of each test that had failed by the verdict. */
  failing: string[];
  /** Evaluations that returned 'hold'. */
  holds: number;
  /** Continuous tests whose p reached the threshold while the effect floor kept them from failing. */
  flooredSignificant: string[];
  /** The smallest p each test reached, against its threshold. */
  minP: Record<string, { p: number; threshold: number }>;
  evaluations: number;
  judgeMs: number;
  judgeMaxMs: number;
}

function simulate(p: RunParams): RunOutcome {
  const rand = mulberry32(p.seed);
  const normal = gaussian(rand);
  const expBase = Math.exp(-p.baseRate * (SAMPLE_MS / 1000));
  const expNew = Math.exp(-p.newRate * (SAMPLE_MS / 1000));
  const sample = (ts: number, release: string): VitalsSample => ({
    ts_ms: ts,
    release_id: release,
    load1: Math.max(0, LOAD.mean + LOAD.sd * normal()),
    cpu_pct: Math.min(100, Math.max(0, CPU.mean + CPU.sd * normal())),
    mem_pct: Math.min(100, Math.max(0, MEM.mean + MEM.sd * normal())),
    error_lines: poisson(rand, release === NEW ? expNew : expBase),
    probed: false,
    probe_ok: false,
    probe_latency_ms: 0,
  });

  const hosts: SimHost[] = [];
  for (let i = 0; i < p.hosts; i++) {
    const offsetMs = Math.floor(rand() * SAMPLE_MS);
    hosts.push({ id: `web-${String(i + 1).padStart(4, '0')}`, canary: i < p.canaries, offsetMs, next: T0 + offsetMs, samples: [] });
  }
  // Every host's minutes on the old release before the switch: the canaries' own-history reference,
  // and the baseline's over the same minutes (a judge may compare changes rather than levels).
  for (const h of hosts) {
    for (let t = T0 - BEFORE_SWITCH_MS + h.offsetMs; t < T0; t += SAMPLE_MS) h.samples.push(sample(t, OLD));
  }
  const byId = new Map(hosts.map((h) => [h.id, h]));
  const canaries: JudgedHost[] = hosts.filter((h) => h.canary).map((h) => ({ id: h.id, switchedAt: T0, live: NEW, connected: true }));
  const baseline = hosts.filter((h) => !h.canary).map((h) => h.id);
  const samples = (id: string, from: number, to: number): readonly VitalsSample[] => {
    const h = byId.get(id);
    if (!h || to <= from) return [];
    return h.samples.slice(lowerBound(h.samples, from), lowerBound(h.samples, to));
  };

  // Every canary switched at T0; the phase starts then (RolloutEngine starts it when the last canary is live).
  const judge = new Judge(T0, p.bakeMs, DEFAULT_JUDGE);
  let holds = 0;
  let judgeMs = 0;
  let judgeMaxMs = 0;
  let evaluations = 0;
  const floored = new Set<string>();
  let last: Verdict | undefined;
  for (let now = T0 + JUDGE_EVERY_MS; now - T0 <= p.deadlineMs; now += JUDGE_EVERY_MS) {
    for (const h of hosts) {
      for (; h.next <= now; h.next += SAMPLE_MS) h.samples.push(sample(h.next, h.canary ? NEW : OLD));
    }
    const input: JudgeInput = { now, phase: 'judging', newRelease: NEW, oldRelease: OLD, canaries, baseline, samples };
    const t = performance.now();
    const v = judge.evaluate(input);
    const spent = performance.now() - t;
    judgeMs += spent;
    judgeMaxMs = Math.max(judgeMaxMs, spent);
    evaluations++;
    last = v;
    for (const m of v.metrics) {
      if (m.metric !== 'errors' && m.outcome !== 'fail' && m.p <= m.threshold) floored.add(`${m.metric}:${m.versus}`);
    }
    if (v.outcome === 'hold') holds++;
    if (v.outcome === 'pass' || v.outcome === 'fail') return outcomeOf(p.seed, v, v.outcome, now - T0);
  }
  return outcomeOf(p.seed, last, 'undecided', p.deadlineMs);

  function outcomeOf(seed: number, v: Verdict | undefined, outcome: RunOutcome['outcome'], atMs: number): RunOutcome {
    const metrics = v?.metrics ?? [];
    return {
      seed,
      outcome,
      atMs,
      reason: v?.reason ?? '',
      failing: metrics.filter((m) => m.outcome === 'fail').map((m) => `${m.metric}:${m.versus}`),
      holds,
      flooredSignificant: [...floored],
      minP: Object.fromEntries(metrics.map((m) => [`${m.metric}:${m.versus}`, { p: m.p, threshold: m.threshold }])),
      evaluations,
      judgeMs,
      judgeMaxMs,
    };
  }
}

/** Which judge ran: the judge is under active change, so the figures name the code that produced them. */
function judgeBuild(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of ['coordinator/judge.js', 'coordinator/stats.js']) {
    try {
      out[m] = createHash('sha256').update(readFileSync(new URL(`../../${m}`, import.meta.url))).digest('hex').slice(0, 12);
    } catch {
      out[m] = 'unreadable';
    }
  }
  return out;
}

// ---- figures ----

/** Nearest rank, as bench/stats.ts: every figure is a time some run really took. Infinity stands for "never". */
function percentile(sorted: readonly number[], pct: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.max(1, Math.ceil((pct / 100) * sorted.length)) - 1] as number;
}

function distribution(values: readonly number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, min: percentile(sorted, 0), median: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

function logBinomPmf(k: number, n: number, p: number): number {
  let logC = 0;
  for (let i = 1; i <= k; i++) logC += Math.log(n - k + i) - Math.log(i);
  const a = k === 0 ? 0 : k * Math.log(p);
  const b = n - k === 0 ? 0 : (n - k) * Math.log1p(-p);
  return logC + a + b;
}

function binomCdf(x: number, n: number, p: number): number {
  let s = 0;
  for (let k = 0; k <= x; k++) s += Math.exp(logBinomPmf(k, n, p));
  return Math.min(1, s);
}

/** One-sided 95% Clopper-Pearson upper bound on a rate seen x times in n: the p with P[X <= x] = 0.05. */
function clopperPearsonUpper(x: number, n: number, confidence = 0.95): number {
  if (x >= n) return 1;
  let lo = x / n;
  let hi = 1;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (binomCdf(x, n, mid) > 1 - confidence) lo = mid;
    else hi = mid;
  }
  return hi;
}

const secs = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(0)} s` : 'never');
const pct = (x: number, digits = 1): string => `${(x * 100).toFixed(digits)}%`;
/** JSON has no Infinity: "never" is null there. */
const finite = (ms: number): number | null => (Number.isFinite(ms) ? ms : null);

function tally(keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

function describeTally(t: Record<string, number>): string {
  const entries = Object.entries(t).sort((a, b) => b[1] - a[1]);
  return entries.length ? entries.map(([k, n]) => `${k} ${n}`).join(', ') : 'none';
}

type DetectionFigures = ReturnType<typeof detectionFigures>;

function detectionFigures(rate: number, runs: readonly RunOutcome[], bakeMs: number) {
  const times = runs.map((o) => (o.outcome === 'fail' ? o.atMs : Infinity));
  const d = distribution(times);
  return {
    base_rate_per_host_s: rate,
    runs: runs.length,
    detected_within_60s: times.filter((t) => t <= DETECT_TARGET_MS).length,
    not_detected_within_60s: times.filter((t) => t > DETECT_TARGET_MS).length,
    not_detected_within_60s_upper95_clopper_pearson_one_sided: clopperPearsonUpper(times.filter((t) => t > DETECT_TARGET_MS).length, runs.length),
    detected_later: runs.filter((o) => o.outcome === 'fail' && o.atMs > DETECT_TARGET_MS).length,
    passed_with_regression: runs.filter((o) => o.outcome === 'pass').length,
    passed_early_with_regression: runs.filter((o) => o.outcome === 'pass' && o.atMs < bakeMs).length,
    undecided_at_deadline: runs.filter((o) => o.outcome === 'undecided').length,
    /** Over every run, a run never detected counting as never (null). */
    time_to_fail_ms: { n: d.n, min: finite(d.min), median: finite(d.median), p99: finite(d.p99), max: finite(d.max) },
    /** Over the runs that were detected. */
    time_to_fail_detected_ms: distribution(times.filter((t) => Number.isFinite(t))),
    failing_tests_at_verdict: tally(runs.flatMap((o) => o.failing)),
    holds: runs.reduce((a, o) => a + o.holds, 0),
    missed_runs: runs.filter((o) => o.outcome !== 'fail').map((o) => ({ seed: o.seed, outcome: o.outcome, at_ms: o.atMs, reason: o.reason })),
  };
}

type AAFigures = ReturnType<typeof aaFigures>;

function aaFigures(rate: number, runs: readonly RunOutcome[], bakeMs: number) {
  const fails = runs.filter((o) => o.outcome === 'fail');
  const passes = runs.filter((o) => o.outcome === 'pass');
  const early = passes.filter((o) => o.atMs < bakeMs);
  const testKeys = [...new Set(runs.flatMap((o) => Object.keys(o.minP)))].sort();
  const minP = (key: string) => {
    const ps = runs.map((o) => o.minP[key]).filter((x): x is { p: number; threshold: number } => x !== undefined);
    return { min_p: Math.min(...ps.map((x) => x.p)), threshold: ps[0]?.threshold ?? Number.NaN, runs_at_or_below_threshold: ps.filter((x) => x.p <= x.threshold).length };
  };
  return {
    base_rate_per_host_s: rate,
    runs: runs.length,
    false_rollbacks: fails.length,
    false_rollback_rate: fails.length / runs.length,
    false_rollback_upper95_clopper_pearson_one_sided: clopperPearsonUpper(fails.length, runs.length),
    passes: passes.length,
    early_passes: early.length,
    passes_at_bake_end: passes.length - early.length,
    undecided_at_deadline: runs.filter((o) => o.outcome === 'undecided').length,
    time_to_pass_ms: distribution(passes.map((o) => o.atMs)),
    holds: runs.reduce((a, o) => a + o.holds, 0),
    runs_with_a_hold: runs.filter((o) => o.holds > 0).length,
    failing_tests: tally(fails.flatMap((o) => o.failing)),
    false_rollback_runs: fails.map((o) => ({ seed: o.seed, at_ms: o.atMs, reason: o.reason })),
    /** Runs in which a continuous test reached p <= threshold but its effect stayed under the floor, by test. */
    continuous_significant_but_floored: tally(runs.flatMap((o) => o.flooredSignificant)),
    /** The smallest (running-minimum) p each test reached, over all runs. */
    tests: Object.fromEntries(testKeys.map((k) => [k, minP(k)])),
  };
}

interface Experiment {
  stream: number;
  baseRate: number;
  ratio: number;
  runs: number;
}

async function runCanary({ agents, progress }: ScenarioOptions): Promise<ScenarioResult> {
  const s = settings();
  const build = judgeBuild();
  const plan = planOf({ canary: '', waves: '', bake: '', wave_bake: '', watch_for: '', manual_promote: false }, agents);
  const canaries = plan.canary_hosts;
  const bakeMs = plan.bake_ms;
  // RolloutEngine pauses a judged phase still undecided at bake + max(grace, bake) as stuck.
  const deadlineMs = bakeMs + Math.max(DEFAULT_DECISION_GRACE_MS, bakeMs);
  const started = performance.now();
  let judgeMs = 0;
  let judgeMaxMs = 0;
  let evaluations = 0;

  const experiment = async (e: Experiment, label: string): Promise<RunOutcome[]> => {
    progress(`${label}: ${e.runs} runs`);
    const out: RunOutcome[] = [];
    for (let r = 0; r < e.runs; r++) {
      const o = simulate({ seed: runSeed(s.seed, e.stream, r), hosts: agents, canaries, bakeMs, deadlineMs, baseRate: e.baseRate, newRate: e.baseRate * e.ratio });
      judgeMs += o.judgeMs;
      judgeMaxMs = Math.max(judgeMaxMs, o.judgeMaxMs);
      evaluations += o.evaluations;
      out.push(o);
      // Yield now and then so a progress line or a signal is not held up by a long synchronous loop.
      if (r % 10 === 9) await new Promise((res) => setImmediate(res));
    }
    return out;
  };

  // Detection: the new release doubles the canaries' error rate; nothing else changes.
  const rates = [BASE_RATE, ...OTHER_RATES];
  const detection: DetectionFigures[] = [];
  for (const [i, rate] of rates.entries()) {
    const runs = await experiment({ stream: 1 + i, baseRate: rate, ratio: REGRESSION, runs: s.detectRuns }, `detection at ${rate} lines/s per host, ${REGRESSION}x on the canaries`);
    detection.push(detectionFigures(rate, runs, bakeMs));
  }

  // A/A: the new release is the old one under another id. The target is judged at the base rate; the others show the trend.
  const aa: AAFigures[] = [];
  for (const [i, rate] of rates.entries()) {
    const runs = await experiment({ stream: 100 + i, baseRate: rate, ratio: 1, runs: s.aaRuns }, `A/A at ${rate} lines/s per host`);
    aa.push(aaFigures(rate, runs, bakeMs));
  }
  const wallMs = performance.now() - started;

  const base = detection[0] as DetectionFigures;
  const aaBase = aa[0] as AAFigures;
  const baseTimes = base.time_to_fail_ms;
  const figures = {
    simulated: 'judge only: coordinator/judge.ts Judge on simulated vitals with a simulated clock (no agents, no gRPC, no waiting)',
    seed: s.seed,
    smoke: s.smoke,
    judge_build_sha256: build,
    fleet: { hosts: agents, canaries, baseline: agents - canaries },
    settings: {
      canary: '5% (shared/plan.ts DEFAULT_PLAN)',
      bake_ms: bakeMs,
      deadline_ms: deadlineMs,
      evaluate_every_ms: JUDGE_EVERY_MS,
      before_switch_ms: BEFORE_SWITCH_MS,
      history: 'every host (canaries and baseline) has before_switch_ms of old-release samples before the switch',
      judge: DEFAULT_JUDGE,
    },
    model: {
      sample_every_ms: SAMPLE_MS,
      error_lines: `Poisson(rate) per sample, independent across hosts and samples; base rate ${BASE_RATE} lines/s per host (also ${OTHER_RATES.join(', ')})`,
      regression: `${REGRESSION}x the base rate on the canaries' new release`,
      load1: `N(${LOAD.mean}, ${LOAD.sd}) clipped at 0`,
      cpu_pct: `N(${CPU.mean}, ${CPU.sd}) clipped to [0, 100]`,
      mem_pct: `N(${MEM.mean}, ${MEM.sd}) clipped to [0, 100]`,
      probe: 'none (probed = false)',
      independence: 'every host and every sample independent; no per-host level, no autocorrelation',
    },
    detection,
    aa,
    judge_cost: { evaluations, mean_ms: judgeMs / Math.max(1, evaluations), max_ms: judgeMaxMs, total_ms: judgeMs },
    wall_ms: wallMs,
  };

  const detectLine = (d: DetectionFigures) => {
    const t = d.time_to_fail_ms;
    const show = (x: number | null) => (x === null ? 'never' : secs(x)).padStart(6);
    const missed =
      `${d.not_detected_within_60s}/${d.runs} = ${pct(d.not_detected_within_60s / d.runs)} (<= ${pct(d.not_detected_within_60s_upper95_clopper_pearson_one_sided)}): ` +
      `${d.detected_later} failed later, ${d.passed_with_regression} passed (${d.passed_early_with_regression} early), ${d.undecided_at_deadline} undecided`;
    return `  ${`${d.base_rate_per_host_s} lines/s`.padEnd(13)} ${show(t.median)} ${show(t.p99)} ${show(t.max)}   ${missed.padEnd(78)} ${describeTally(d.failing_tests_at_verdict)}`;
  };
  const aaLine = (x: AAFigures) => {
    const t = x.time_to_pass_ms;
    const fr = `${x.false_rollbacks}/${x.runs} = ${pct(x.false_rollback_rate)} (<= ${pct(x.false_rollback_upper95_clopper_pearson_one_sided, 2)})`;
    const passed = `${x.early_passes} / ${x.passes_at_bake_end}`;
    return (
      `  ${`${x.base_rate_per_host_s} lines/s`.padEnd(13)} ${fr.padEnd(26)} ${passed.padStart(13)} ${secs(t.median).padStart(6)} ${secs(t.p99).padStart(6)} ${secs(t.max).padStart(6)} ` +
      `${String(x.undecided_at_deadline).padStart(9)} ${String(x.holds).padStart(5)}`
    );
  };
  const summary = [
    'SIMULATED: the judge alone (coordinator/judge.ts, DEFAULT_JUDGE) fed simulated vitals on a simulated clock; no agents, no gRPC, no waiting.',
    '  This measures the judge\'s statistics, not the vitals path (scenario vitals measures that).',
    `ASSUMPTION: error-log lines ~ Poisson(${BASE_RATE} lines/s per host) on a healthy release, independent across hosts and seconds.`,
    `  Detection scales with that rate, so it is also measured at ${OTHER_RATES.join(' and ')} lines/s. load1 ~ N(${LOAD.mean}, ${LOAD.sd}) >= 0,`,
    `  cpu_pct ~ N(${CPU.mean}, ${CPU.sd}), mem_pct ~ N(${MEM.mean}, ${MEM.sd}), one sample per host per second, no health probe.`,
    `fleet: ${agents} hosts, canary ${canaries} (5%), baseline ${agents - canaries}; every host has ${BEFORE_SWITCH_MS / 1000} s of old-release samples before the switch;`,
    `  bake ${secs(bakeMs)}, judged once a simulated second until pass or fail, undecided at ${secs(deadlineMs)} (bake + grace, as RolloutEngine)`,
    `judge as built: ${Object.entries(build).map(([m, h]) => `${m} sha256 ${h}`).join(', ')}`,
    `seed ${s.seed} (replay: FLEETSWAP_BENCH_SEED=${s.seed}); ${s.detectRuns} regressed runs per rate, ${s.aaRuns} A/A runs${s.smoke ? ' (SMOKE size: not for quoting)' : ''}`,
    '',
    `detection of a ${REGRESSION}x error rate on the canaries (seconds from the switch to 'fail'):`,
    `  ${'base rate'.padEnd(13)} ${'median'.padStart(6)} ${'p99'.padStart(6)} ${'max'.padStart(6)}   ${'not detected by 60 s (bound): then'.padEnd(78)} tests failed at the verdict`,
    ...detection.map(detectLine),
    `  detected runs only, max: ${detection.map((d) => `${d.base_rate_per_host_s}/s ${secs(d.time_to_fail_detected_ms.max)}`).join(', ')}; a regression not detected by the bake's end is passed, i.e. promoted`,
    '',
    `A/A (new release identical), ${s.aaRuns} runs per rate: false rollbacks (one-sided 95% Clopper-Pearson upper bound), seconds from the switch to 'pass':`,
    `  ${'base rate'.padEnd(13)} ${'false rollbacks (bound)'.padEnd(26)} ${'passed early'.padStart(13)} ${'median'.padStart(6)} ${'p99'.padStart(6)} ${'max'.padStart(6)} ${'undecided'.padStart(9)} ${'holds'.padStart(5)}`,
    `  ${''.padEnd(13)} ${''.padEnd(26)} ${'/ at bake end'.padStart(13)}`,
    ...aa.map(aaLine),
    ...aa.flatMap((x) =>
      x.false_rollback_runs.length
        ? [`  ${x.base_rate_per_host_s} lines/s: false rollbacks by test ${describeTally(x.failing_tests)}; e.g. seed ${x.false_rollback_runs[0]?.seed}: ${x.false_rollback_runs[0]?.reason}`]
        : [],
    ),
    `  continuous tests that reached p <= threshold under the effect floor (runs): ${aa.map((x) => `${x.base_rate_per_host_s}/s ${describeTally(x.continuous_significant_but_floored)}`).join('; ')}`,
    `  smallest p per test at ${BASE_RATE}/s (threshold ${(Object.values(aaBase.tests)[0]?.threshold ?? Number.NaN).toPrecision(2)}): ` +
      Object.entries(aaBase.tests)
        .map(([k, t]) => `${k} ${t.min_p.toPrecision(2)}`)
        .join(', '),
    '',
    `judge cost: ${evaluations} evaluate() calls with ${agents} hosts, mean ${figures.judge_cost.mean_ms.toFixed(2)} ms, max ${judgeMaxMs.toFixed(1)} ms; scenario wall time ${secs(wallMs)}`,
  ];
  const p99 = baseTimes.p99 ?? Infinity;
  return {
    figures,
    targets: [
      target(`time to detect ${REGRESSION}x errors at ${BASE_RATE}/s, median of ${base.runs} runs`, baseTimes.median ?? Infinity, '<', DETECT_TARGET_MS, 'ms'),
      target(`time to detect ${REGRESSION}x errors at ${BASE_RATE}/s, p99 of ${base.runs} runs (a run never detected counts as Infinity)`, p99, '<', DETECT_TARGET_MS, 'ms'),
      target(`false rollbacks in ${aaBase.runs} A/A runs at ${BASE_RATE}/s`, aaBase.false_rollback_rate, '<=', FALSE_ROLLBACK_TARGET, 'ratio'),
    ],
    summary,
  };
}
