import type { VitalsSample__Output as VitalsSample } from '../shared/gen/fleetswap/v1/VitalsSample.js';
import type { Continuous, ErrorUnit, JudgeInput } from './judge-config.js';
import { median } from './stats.js';

// Samples as the judge counts them: each sample as exposure and counts (a
// Tally), how long an older agent's sample covers, and each host's reference
// (its own minutes before), read once per host and phase.

/** What some host-time added up to: exposure in seconds, host-seconds with an error, metric sums. */
export interface Tally {
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

export const emptyTally = (): Tally => ({ samples: 0, seconds: 0, errorSeconds: 0, incidents: 0, load1: 0, cpu_pct: 0, mem_pct: 0, probes: 0, probe_ms: 0, probeFailures: 0 });

export function addTally(to: Tally, x: Tally): void {
  for (const k of Object.keys(to) as (keyof Tally)[]) to[k] += x[k];
}

/**
 * A host's own minutes before the switch (canaries) or the phase (baseline),
 * read once, when the host is first judged, and kept under its id: later
 * looks never recompute it, and no other host's reference is read in its
 * place. Hosts differ for good (a bigger box, a busier shard), so load, CPU
 * and latency are judged as each host's change from its own past.
 */
export interface Reference {
  history: Tally;
  /** The host's mean before, per metric; undefined with too little history. */
  offset: Partial<Record<Continuous, number>>;
  /** The agent's sampling interval as its history shows it: how an old agent's sample (no interval_ms) is read. */
  nominalMs: number;
}

/** One host in one role over the phase: its reference, and what it added while it was a member. */
export interface HostState {
  ref: Reference;
  /** The error weight this host's exposure counts at (1 unless hosts really differ; see Judge.declare). */
  weight: number;
  /** Totals over the steps this host was a member for. */
  judged: Tally;
  /** ts of the last sample read, for an old agent's interval. */
  lastTs: number | undefined;
}

export const errorsOf = (t: Tally, unit: ErrorUnit): number => (unit === 'seconds' ? t.errorSeconds : t.incidents);

// Enough history to remove a host's offset: 15 samples of a metric (15 s at the default interval).
const MIN_REFERENCE_SAMPLES = 15;
const MIN_REFERENCE_PROBES = 5;
// An old agent's sample covers the gap since its previous one, bounded: a tick or two skipped, not an outage.
export const MAX_SKIPPED_INTERVALS = 3;

/** readReference is a host's own past before `until`, on the old release, as a tally and per-metric means (see Reference). */
export function readReference(input: JudgeInput, id: string, until: number, beforeMs: number): Reference {
  const samples = input.samples(id, until - beforeMs, until).filter((s) => s.release_id === input.oldRelease);
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
 * intervalOf is how many ms a sample covers: what the agent says, or, from an older agent that does
 * not say (interval_ms 0), the gap since its previous sample, bounded to a few nominal intervals.
 */
export function intervalOf(s: VitalsSample, last: number | undefined, nominalMs: number): number {
  if (s.interval_ms) return s.interval_ms;
  if (last === undefined) return nominalMs;
  return Math.min(MAX_SKIPPED_INTERVALS * nominalMs, Math.max(nominalMs / 2, s.ts_ms - last));
}

/**
 * tallyOf is one sample as exposure and counts. The error count is host-seconds with an error: what
 * the agent says (error_seconds), or, from an older agent, min(error_lines, seconds covered), an
 * approximation (a burst of lines in one second counts once, but two lines in two seconds count twice).
 */
export function tallyOf(s: VitalsSample, intervalMs: number): Tally {
  const seconds = intervalMs / 1000;
  // At most one error per whole second covered: the unit the null distribution is bounded for.
  const units = Math.max(1, Math.round(seconds));
  const errorSeconds = Math.min(units, s.interval_ms ? s.error_seconds : s.error_lines);
  return {
    samples: 1,
    seconds,
    errorSeconds,
    incidents: s.interval_ms ? s.error_incidents : s.error_lines,
    load1: s.load1,
    cpu_pct: s.cpu_pct,
    mem_pct: s.mem_pct,
    probes: s.probed ? 1 : 0,
    probe_ms: s.probed ? s.probe_latency_ms : 0,
    probeFailures: s.probed && !s.probe_ok ? 1 : 0,
  };
}
