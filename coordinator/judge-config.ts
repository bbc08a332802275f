import type { EvidenceOutcome, JudgedMetric, Versus } from '../shared/domain.js';
import type { MetricEvidence__Output } from '../shared/gen/fleetswap/v1/MetricEvidence.js';
import type { VitalsSample__Output } from '../shared/gen/fleetswap/v1/VitalsSample.js';

// What a Judge is told: its settings (with the defaults the coordinator and
// the bench use), the hosts and samples of each look, and what it declares
// for a phase when the phase starts.

export type Continuous = Exclude<JudgedMetric, 'errors'>;
/** A test's evidence as the judge writes it: its words the ones the CLI knows. */
export type Evidence = MetricEvidence__Output & { metric: JudgedMetric; versus: Versus; outcome: EvidenceOutcome };
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
  samples: (host: string, from: number, to: number) => readonly VitalsSample__Output[];
}

export const CONTINUOUS: readonly Continuous[] = ['load1', 'cpu_pct', 'probe_ms'];
/** The order a verdict shows its tests in. */
export const TEST_ORDER: readonly TestKey[] = (['errors', ...CONTINUOUS] as const).flatMap((m) => [`${m}:baseline`, `${m}:before`] as const);

/** What the error tests count: host-seconds with an error, or incidents when most seconds already have one. */
export type ErrorUnit = 'seconds' | 'incidents';

/** What was declared when the phase started, and holds for the whole phase. */
export interface Declaration {
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
