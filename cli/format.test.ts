import { describe, expect, it } from 'vitest';
import type { MetricEvidence__Output as MetricEvidence } from '../shared/gen/fleetswap/v1/MetricEvidence.js';
import type { Rollout__Output as Rollout } from '../shared/gen/fleetswap/v1/Rollout.js';
import type { Verdict__Output as Verdict } from '../shared/gen/fleetswap/v1/Verdict.js';
import type { VitalsSample__Output as VitalsSample } from '../shared/gen/fleetswap/v1/VitalsSample.js';
import { hostsTable, rolloutLines } from './format.js';

// The rollout view as an operator reads it: every figure says what it is,
// the time left in the bake is said once, and a test that cannot decide says
// so in words.

const NOW = 10_000_000;
const NEW = 'a'.repeat(64);
const OLD = 'b'.repeat(64);
const LABELS = { [NEW]: 'v2', [OLD]: 'v1' };

const aRollout = (over: Partial<Rollout> = {}): Rollout => ({
  id: 3,
  kind: 'deploy',
  state: 'judging',
  release_id: NEW,
  release_label: 'v2',
  from_release: OLD,
  actor: 'token:alice',
  reason: '',
  message: '2 canary host(s) live; judging for 60s',
  created_at: '2026-12-01T08:00:00.000Z',
  updated_at: '2026-12-01T08:00:00.000Z',
  hosts: [],
  select: {},
  plan: { canary_hosts: 2, waves: [50, 100], bake_ms: 60_000, wave_bake_ms: 60_000, watch_ms: 60_000, manual_promote: false, spread: '' },
  wave: 0,
  phase_started_ms: NOW - 33_300,
  deadline_ms: NOW + 60_000,
  paused_from: '',
  irreversible: false,
  verdict: null,
  ...over,
});

const evidence = (over: Partial<MetricEvidence>): MetricEvidence => ({
  metric: 'errors',
  versus: 'baseline',
  canary: 0,
  base: 0,
  effect: 1,
  statistic: 0,
  p: 1,
  threshold: 0.0033,
  outcome: 'ok',
  detail: '',
  // As decoded from a coordinator older than these fields.
  alpha_share: 0,
  tolerance: 0,
  unit: '',
  ...over,
});

const aVerdict = (over: Partial<Verdict> = {}): Verdict => ({
  outcome: 'pending',
  at: '2026-12-01T08:00:33.000Z',
  phase: 'judging',
  reason: 'judging: 27s of the bake left',
  elapsed_ms: 33_000,
  bake_ms: 60_000,
  metrics: [],
  cohorts: [],
  ...over,
});

const view = (r: Rollout) => rolloutLines(r, LABELS, NOW);
const headline = (r: Rollout) => view(r).find((l) => l.startsWith('  verdict '));

/** cells is a table row's cells, trimmed: the row whose first cell is `first`. */
function cells(lines: string[], first: string): string[] | undefined {
  for (const l of lines) {
    const row = l.trim().split('│').slice(1, -1).map((c) => c.trim());
    if (row[0] === first) return row;
  }
  return undefined;
}

describe('the verdict in the rollout view', () => {
  it('pending: the time left in the bake, once', () => {
    expect(headline(aRollout({ verdict: aVerdict() }))).toBe('  verdict (judging): PENDING — judging: 27s of the bake left');
    // A reason that does not say it gets the time left added, once.
    const held = aVerdict({ outcome: 'hold', reason: 'no vitals from web-3 for 10s: missing data never passes' });
    expect(headline(aRollout({ verdict: held }))).toBe('  verdict (judging): HOLD — no vitals from web-3 for 10s: missing data never passes · 26.7s of the bake left');
  });

  it('pass: no time left on a decided verdict, nor from the next phase\'s bake', () => {
    const passed = aVerdict({ outcome: 'pass', reason: 'no regression in 60s of judging', elapsed_ms: 60_000 });
    // The rollout moved on to wave 1, whose bake started 100 ms ago: that is not the judging phase's bake.
    expect(headline(aRollout({ state: 'wave', wave: 1, phase_started_ms: NOW - 100, verdict: passed }))).toBe('  verdict (judging): PASS — no regression in 60s of judging');
    // An early pass while the bake still runs (a manual promote waits) says no time left either.
    const early = aVerdict({ outcome: 'pass', reason: 'passed early after 21s: an error rate 2x the baseline\'s is ruled out (p=0.0012)' });
    expect(headline(aRollout({ verdict: early }))).toBe('  verdict (judging): PASS — passed early after 21s: an error rate 2x the baseline\'s is ruled out (p=0.0012)');
  });

  it('fail: the failing test with its units, difference, p and the threshold it crossed, and what it failed on', () => {
    const failed = aVerdict({
      outcome: 'fail',
      reason: 'error rate 4.02x vs baseline (p=0.00027 <= 0.0033)',
      metrics: [evidence({ canary: 720, base: 160, effect: 4.0165, p: 0.00027, outcome: 'fail', detail: '24 error lines in 20 canary samples vs 16 in 57' })],
      cohorts: [
        { cohort: 'canary', hosts: 2, reporting: 2, samples: 30, load1: 0.556, cpu_pct: 22.15, mem_pct: 40.48, errors_per_min: 640, probe_ms: 12.4, probe_failures: 0 },
        { cohort: 'baseline', hosts: 6, reporting: 5, samples: 87, load1: 0.549, cpu_pct: 22.03, mem_pct: 40.44, errors_per_min: 1.234, probe_ms: 0, probe_failures: 0 },
      ],
    });
    const lines = view(aRollout({ state: 'rolled_back', verdict: failed }));
    expect(headline(aRollout({ state: 'rolled_back', verdict: failed }))).toBe('  verdict (judging): FAIL — error rate 4.02x vs baseline (p=0.00027 <= 0.0033)');
    expect(cells(lines, 'cohort')).toEqual(['cohort', 'hosts', 'reporting', 'samples', 'errors per host-min', 'load1', 'cpu %', 'mem %', 'probe ms', 'probe fails']);
    expect(cells(lines, 'canary')).toEqual(['canary', '2', '2', '30', '640', '0.56', '22.1', '40.5', '12', '0']);
    expect(cells(lines, 'baseline')).toEqual(['baseline', '6', '5', '87', '1.23', '0.55', '22.0', '40.4', '-', '0']);
    expect(cells(lines, 'test')).toEqual(['test', 'canary and reference are', 'canary', 'reference', 'difference', 'p (anytime)', 'outcome']);
    expect(cells(lines, 'errors vs baseline')).toEqual(['errors vs baseline', 'error lines per host-min', '720', '160', '4.02x', '0.00027', 'FAIL: p <= 0.0033']);
    expect(lines).toContain('    errors vs baseline: 24 error lines in 20 canary samples vs 16 in 57');
    expect(lines.indexOf('  cohorts, means over the judged windows:')).toBeGreaterThan(0);
    expect(lines.indexOf('  tests:')).toBeGreaterThan(0);
  });

  it('changes from a host\'s own past are shown as changes, signed; levels as levels', () => {
    const v = aVerdict({
      metrics: [
        evidence({ metric: 'cpu_pct', canary: -0.254, base: 0.073, effect: -0.327, detail: '6 canary windows vs 18 (changes since each host\'s own minutes before); effect floor 5 or 20%' }),
        evidence({ metric: 'probe_ms', canary: 3.5, base: -0.0004, effect: 3.5, p: 0.31, detail: '6 canary windows vs 18 (changes since each host\'s own minutes before); effect floor 25 or 20%' }),
        evidence({ metric: 'cpu_pct', versus: 'before', canary: 22.31, base: 22.05, effect: 0.26, p: 0.86, threshold: 0.0025, detail: '6 canary windows vs 40 (levels); effect floor 5 or 20%' }),
        // A coordinator that says what its figures are is taken at its word.
        evidence({ metric: 'errors', canary: 3, base: 2.5, effect: 1.2, p: 0.4, unit: 'seconds with an error per host-min' }),
      ],
    });
    const lines = view(aRollout({ verdict: v }));
    expect(cells(lines, 'CPU % vs baseline')).toEqual(['CPU % vs baseline', 'change in CPU % since own past', '-0.25', '+0.07', '-0.33', '1.0', 'ok: fails if p <= 0.0033']);
    expect(cells(lines, 'probe ms vs baseline')).toEqual(['probe ms vs baseline', 'change in probe ms since own past', '+3.50', '0.00', '+3.50', '0.31', 'ok: fails if p <= 0.0033']);
    expect(cells(lines, 'CPU % vs before the switch')).toEqual(['CPU % vs before the switch', 'CPU %', '22.3', '22.1', '+0.26', '0.86', 'ok: fails if p <= 0.0025']);
    expect(cells(lines, 'errors vs baseline')).toEqual(['errors vs baseline', 'seconds with an error per host-min', '3.00', '2.50', '1.20x', '0.40', 'ok: fails if p <= 0.0033']);
  });

  it('a test that cannot decide says so, and why, instead of a threshold of 0', () => {
    const v = aVerdict({
      metrics: [
        evidence({ versus: 'before', canary: 640, base: 249, effect: 2.02, p: 0.0074, threshold: 0, detail: '32 error lines in 30 samples vs 83 in 200 before the switch; shown, not decisive: hosts on the old release run alongside' }),
        evidence({ metric: 'probe_ms', outcome: 'no-data', detail: '0 canary windows vs 0 (levels); effect floor 25 or 20%' }),
        evidence({ metric: 'errors', effect: Number.POSITIVE_INFINITY, canary: 1.5, base: 0, p: 0.2 }),
      ],
    });
    const lines = view(aRollout({ verdict: v }));
    expect(cells(lines, 'errors vs before the switch')).toEqual(['errors vs before the switch', 'error lines per host-min', '640', '249', '2.02x', '0.0074', 'shown, does not decide']);
    expect(cells(lines, 'probe ms vs baseline')).toEqual(['probe ms vs baseline', 'probe ms', '-', '-', '-', '-', 'cannot decide yet: no data']);
    expect(cells(lines, 'errors vs baseline')?.[4]).toBe('from none');
    expect(lines).toContain('    errors vs before the switch: 32 error lines in 30 samples vs 83 in 200 before the switch; shown, not decisive: hosts on the old release run alongside');
    expect(lines).toContain('    probe ms vs baseline: 0 canary windows vs 0 (levels); effect floor 25 or 20%');
    expect(lines.join('\n')).not.toMatch(/<= 0(\.0*)?(\s|$)/);
  });
});

describe('hosts', () => {
  it('says what the error count of the last sample is: lines, and incidents from an agent that groups them', () => {
    const host = (last_vitals: VitalsSample): string =>
      hostsTable([{ id: 'web-1', tags: {}, connected: true, last_seen: 'now', live_release: NEW, desired_release: NEW, slot_count: 5, slots: [], last_staging: null, last_error: '', last_vitals, unsigned_allowed: false, state: 'in-sync' }], LABELS);
    const sample: VitalsSample = { ts_ms: NOW, release_id: NEW, load1: 0.5, cpu_pct: 12, mem_pct: 40, error_lines: 9, probed: false, probe_ok: false, probe_latency_ms: 0, interval_ms: 0, error_incidents: 0, error_seconds: 0 };
    expect(host({ ...sample, interval_ms: 1_000, error_incidents: 2, error_seconds: 1 })).toContain('load 0.50 cpu 12% mem 40% errors 9 lines (2 incidents)');
    expect(host({ ...sample, interval_ms: 0 })).toContain('load 0.50 cpu 12% mem 40% errors 9 lines │');
  });
});
