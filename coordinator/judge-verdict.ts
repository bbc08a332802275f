import type { JudgedCohort } from '../shared/domain.js';
import type { CohortVitals__Output } from '../shared/gen/fleetswap/v1/CohortVitals.js';
import type { ErrorUnit, Evidence, JudgeConfig, JudgeInput } from './judge-config.js';
import { errorsOf, type Tally } from './judge-tally.js';
import type { RateInterval } from './stats.js';

// The parts of a verdict that are not tests: each cohort's figures, what
// fails a verdict outright (health) or holds it (silence), and the words an
// operator reads for a failed test.

export function round(x: number): string {
  return Number(x.toPrecision(3)).toString();
}

export function sumOf(steps: readonly RateInterval[], f: keyof RateInterval): number {
  return steps.reduce((a, s) => a + s[f], 0);
}

/** Seconds with an error per host-minute, unweighted exposure being what an operator reads. */
export function perMinute(steps: readonly RateInterval[], side: 'canary' | 'base'): number {
  const exposure = sumOf(steps, side === 'canary' ? 'canaryExposure' : 'baseExposure');
  return exposure > 0 ? (sumOf(steps, side) / exposure) * 60 : 0;
}

export function cohort(name: JudgedCohort, hosts: number, t: Tally, unit: ErrorUnit, staleMs: number, input: JudgeInput, ids: readonly string[]): CohortVitals__Output {
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
export function health(input: JudgeInput, c: JudgeConfig): string[] {
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
export function silent(input: JudgeInput, c: JudgeConfig): string[] {
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
export function describeFail(m: Evidence): string {
  const tol = m.tolerance;
  const what =
    m.metric === 'errors'
      ? `error rate ${m.effect === Infinity ? 'from none to some' : `${m.effect.toFixed(2)}x`} vs ${m.versus}, above the ${round(tol)}x tolerance`
      : `${m.metric} +${m.effect.toFixed(2)} vs ${m.versus}, above the +${round(tol)} tolerance`;
  return `${what} (p=${m.p.toPrecision(2)} <= ${m.threshold.toPrecision(2)})`;
}

/** errorUnit is what an error test counts per host-minute. */
export function errorUnit(unit: ErrorUnit): string {
  return unit === 'seconds' ? 'seconds with an error per host-min' : 'error incidents per host-min';
}
