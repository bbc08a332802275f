import Table from 'cli-table3';
import { line, safe } from './safe-text.js';
import { TERMINAL_ROLLOUT_STATES, type JudgedMetric } from '../shared/domain.js';
import type { CohortVitals__Output } from '../shared/gen/fleetswap/v1/CohortVitals.js';
import type { HaltState__Output } from '../shared/gen/fleetswap/v1/HaltState.js';
import type { Host__Output } from '../shared/gen/fleetswap/v1/Host.js';
import type { MetricEvidence__Output } from '../shared/gen/fleetswap/v1/MetricEvidence.js';
import type { Release__Output } from '../shared/gen/fleetswap/v1/Release.js';
import type { Rollout__Output } from '../shared/gen/fleetswap/v1/Rollout.js';
import type { StatusReply__Output } from '../shared/gen/fleetswap/v1/StatusReply.js';
import type { Verdict__Output } from '../shared/gen/fleetswap/v1/Verdict.js';
import type { VitalsSample__Output } from '../shared/gen/fleetswap/v1/VitalsSample.js';

export function short(id: string): string {
  return id ? id.slice(0, 12) : '-';
}

export function named(id: string, labels: Record<string, string>): string {
  if (!id) return '-';
  const label = labels[id];
  return label ? line`${label} (${short(id)})` : safe(short(id));
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

type Cell = string | number;

/**
 * textTable lays out rows for the terminal. Every cell goes through safe():
 * a table is where host-supplied text (tags, errors, paths) is printed, and
 * a newline in a cell would otherwise become a row of its own.
 */
export function textTable(head: string[], rows: Cell[][]): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const row of rows) t.push(row.map(safe));
  return t.toString();
}

export function releasesTable(releases: Release__Output[]): string {
  if (releases.length === 0) return 'no releases yet: push one with fleetswap push DIR --version LABEL';
  return textTable(
    ['version', 'id', 'files', 'size', 'pushed by', 'pushed at', 'owner', 'notes'],
    releases.map((r) => [r.irreversible ? `${r.label} (irreversible)` : r.label, short(r.id), r.files, bytes(r.bytes), r.pushed_by, r.pushed_at, r.owner || '-', r.notes || '-']),
  );
}

export function hostsTable(hosts: Host__Output[], labels: Record<string, string>): string {
  if (hosts.length === 0) return 'no hosts have connected yet: start agents with fleetswap agent';
  const rows = hosts.map((h) => {
    const s = h.last_staging;
    return [
      h.id,
      Object.entries(h.tags).map(([k, v]) => `${k}=${v}`).join(',') || '-',
      // The drift state says more than connected (in-sync, converging, no-release); an older coordinator sends none.
      h.state || (h.connected ? 'connected' : 'offline'),
      named(h.live_release, labels),
      h.desired_release && h.desired_release !== h.live_release ? named(h.desired_release, labels) : h.desired_release ? '=' : 'no release',
      h.slots.map((x) => `${x.index}:${labels[x.release_id] ?? short(x.release_id)}`).join(' ') || '-',
      h.last_seen,
      vitalsCell(h.last_vitals),
      s ? `${bytes(s.bytes_fetched)} fetched, ${s.blobs_reused} reused, ${s.duration_ms} ms` : '-',
      h.last_error || '-',
    ];
  });
  return textTable(['host', 'tags', 'state', 'live', 'desired', 'slots', 'last seen', 'vitals', 'last staging', 'error'], rows);
}

function vitalsCell(v: VitalsSample__Output | null | undefined): string {
  if (!v) return '-';
  const probe = v.probed ? ` probe ${v.probe_ok ? 'ok' : 'FAIL'} ${v.probe_latency_ms.toFixed(0)} ms` : '';
  // An agent that groups errors into incidents says how long its sample covers; an older one sends 0.
  const incidents = v.interval_ms ? ` (${v.error_incidents} incidents)` : '';
  return `load ${v.load1.toFixed(2)} cpu ${v.cpu_pct.toFixed(0)}% mem ${v.mem_pct.toFixed(0)}% errors ${v.error_lines} lines${incidents}${probe}`;
}

export function rolloutLines(r: Rollout__Output, labels: Record<string, string>, nowMs = Date.now()): string[] {
  const lines = [
    line`rollout #${r.id} (${r.kind}) ${named(r.release_id, labels)}${r.irreversible ? ' [irreversible]' : ''}: ${phaseName(r)} — ${r.message}`,
    line`  from ${named(r.from_release, labels)} · by ${r.actor || '-'}${r.reason ? line` · why: ${r.reason}` : ''} · started ${r.created_at}`,
  ];
  if (r.kind === 'deploy' && r.plan) lines.push(line`  plan: ${planText(r)}`);
  lines.push(`  hosts: ${countHosts(r)}`);
  for (const h of r.hosts.filter((x) => x.error && (x.stage === 'failed' || x.switch === 'failed'))) {
    lines.push(line`  ${h.host_id}: ${h.error}`);
  }
  if (r.verdict) lines.push(...verdictLines(r.verdict, r, nowMs));
  return lines;
}

function phaseName(r: Rollout__Output): string {
  const wave = r.state === 'wave' ? ` ${r.wave}/${r.plan?.waves.length ?? '?'}` : '';
  return r.state === 'paused' ? `paused (in ${r.paused_from})` : `${r.state}${wave}`;
}

function planText(r: Rollout__Output): string {
  const p = r.plan;
  if (!p) return '-';
  if (!p.canary_hosts && p.waves.length === 1) return `all at once; ${p.watch_ms ? `watch ${secs(p.watch_ms)}` : 'no watch'}${p.manual_promote ? '; manual promote' : ''}`;
  const canary = p.canary_hosts ? `canary ${p.canary_hosts} host(s)${p.spread ? ` spread over ${p.spread}` : ''}, bake ${secs(p.bake_ms)}` : 'no canary';
  return `${canary}; waves ${p.waves.map((w) => `${w}%`).join(',')} (bake ${secs(p.wave_bake_ms)} each); watch ${secs(p.watch_ms)}${p.manual_promote ? '; manual promote' : ''}`;
}

function secs(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000}m` : `${Math.round(ms / 100) / 10}s`;
}

/** verdictLines shows the verdict as it forms: outcome, time left, cohorts side by side, each test's evidence. */
export function verdictLines(v: Verdict__Output, r: Rollout__Output, nowMs: number): string[] {
  const lines = [`  ${verdictHeadline(v, r, nowMs)}`];
  if (v.cohorts.length) lines.push('  cohorts, means over the judged windows:', ...indent(cohortTable(v.cohorts)));
  if (v.metrics.length) lines.push('  tests:', ...indent(evidenceTable(v.metrics)));
  return lines;
}

/**
 * verdictHeadline is the verdict in one line. The time left in the bake is
 * said once: only while the verdict is still open, only for the phase the
 * rollout is in (a pass shown after the next phase began is not that phase's
 * bake), and not again when the judge's reason already says it.
 */
export function verdictHeadline(v: Verdict__Output, r: Rollout__Output, nowMs: number): string {
  const open = v.outcome === 'pending' || v.outcome === 'hold';
  const left = open && v.phase === judgedPhase(r) && r.phase_started_ms > 0 && v.bake_ms ? v.bake_ms - (nowMs - r.phase_started_ms) : 0;
  const tail = left > 0 && !BAKE_LEFT.test(v.reason) ? ` · ${secs(left)} of the bake left` : '';
  return line`verdict (${v.phase}): ${v.outcome.toUpperCase()} — ${v.reason}${tail}`;
}

const BAKE_LEFT = /of the bake left/;

/** judgedPhase names the phase the rollout is in as verdicts name it; '' when no phase is judged. */
function judgedPhase(r: Rollout__Output): string {
  if (TERMINAL_ROLLOUT_STATES.has(r.state)) return '';
  const state = r.state === 'paused' ? r.paused_from : r.state;
  return state === 'wave' ? `wave ${r.wave}` : state;
}

function indent(table: string): string[] {
  return table.split('\n').map((l) => `  ${l}`);
}

function cohortTable(cohorts: CohortVitals__Output[]): string {
  return textTable(
    ['cohort', 'hosts', 'reporting', 'samples', 'errors per host-min', 'load1', 'cpu %', 'mem %', 'probe ms', 'probe fails'],
    cohorts.map((c) => [c.cohort, c.hosts, c.reporting, c.samples, figure(c.errors_per_min), c.load1.toFixed(2), c.cpu_pct.toFixed(1), c.mem_pct.toFixed(1), c.probe_ms ? c.probe_ms.toFixed(0) : '-', c.probe_failures]),
  );
}

// By any name the coordinator sends; a metric this CLI has no name for is shown as sent.
const METRIC_NAMES: Readonly<Record<string, string>> = { errors: 'errors', load1: 'load1', cpu_pct: 'CPU %', probe_ms: 'probe ms' } satisfies Record<JudgedMetric, string>;
const LEVEL_UNITS: Readonly<Record<string, string>> = { errors: 'error lines per host-min', load1: 'load1', cpu_pct: 'CPU %', probe_ms: 'probe ms' } satisfies Record<JudgedMetric, string>;
const CHANGE = 'change in ';

/**
 * unitOf says what a test's canary and reference figures are. A coordinator
 * that does not say (no `unit`) judged load, CPU and probe latency against
 * the baseline as changes from each host's own past when its detail says so.
 */
function unitOf(m: MetricEvidence__Output): string {
  if (m.unit) return m.unit;
  const level = LEVEL_UNITS[m.metric] ?? m.metric;
  return m.metric !== 'errors' && /changes since each host's own/.test(m.detail) ? `${CHANGE}${level} since own past` : level;
}

/**
 * evidenceTable is one row per test: what it compares and in what unit, the
 * figures, and its outcome in words. A test that cannot decide (no data yet,
 * or shown beside a decisive one) says so instead of a threshold of 0; its
 * reason, and what a failed test failed on, follow the table.
 */
function evidenceTable(metrics: MetricEvidence__Output[]): string {
  const rows = metrics.map((m) => {
    const unit = unitOf(m);
    const change = unit.startsWith(CHANGE);
    const test = testName(m);
    if (m.outcome === 'no-data') return [test, unit, '-', '-', '-', '-', 'cannot decide yet: no data'];
    const difference = m.metric === 'errors' ? (Number.isFinite(m.effect) ? `${m.effect.toFixed(2)}x` : 'from none') : figure(m.effect, true);
    return [test, unit, figure(m.canary, change), figure(m.base, change), difference, m.p.toPrecision(2), decision(m)];
  });
  const notes = metrics
    .filter((m) => m.detail && (m.outcome !== 'ok' || !(m.threshold > 0)))
    .map((m) => line`  ${testName(m)}: ${m.detail}`);
  return [textTable(['test', 'canary and reference are', 'canary', 'reference', 'difference', 'p (anytime)', 'outcome'], rows), ...notes].join('\n');
}

function testName(m: MetricEvidence__Output): string {
  return `${METRIC_NAMES[m.metric] ?? m.metric} vs ${m.versus === 'before' ? 'before the switch' : m.versus}`;
}

function decision(m: MetricEvidence__Output): string {
  if (!(m.threshold > 0)) return 'shown, does not decide';
  return m.outcome === 'fail' ? `FAIL: p <= ${m.threshold.toPrecision(2)}` : `ok: fails if p <= ${m.threshold.toPrecision(2)}`;
}

/** figure prints a value with the precision its size needs; a change carries its sign. */
function figure(x: number, signed = false): string {
  const abs = Math.abs(x);
  let text = x.toFixed(abs >= 100 ? 0 : abs >= 10 ? 1 : 2);
  if (/^-0(\.0*)?$/.test(text)) text = text.slice(1);
  return signed && x > 0 && !/^0(\.0*)?$/.test(text) ? `+${text}` : text;
}

export function countHosts(r: Rollout__Output): string {
  const active = r.hosts.filter((h) => h.stage !== 'skipped');
  const staged = active.filter((h) => h.stage === 'staged').length;
  const switched = active.filter((h) => h.switch === 'done').length;
  const failed = active.filter((h) => h.stage === 'failed' || h.switch === 'failed').length;
  const reverted = active.filter((h) => h.switch === 'reverted' || h.switch === 'reverting').length;
  const canaries = active.filter((h) => h.cohort === 'canary').length;
  const skipped = r.hosts.length - active.length;
  return `${staged}/${active.length} staged, ${switched}/${active.length} live${canaries ? ` (${canaries} canary)` : ''}${reverted ? `, ${reverted} put back` : ''}${failed ? `, ${failed} failed` : ''}${skipped ? `, ${skipped} offline (skipped)` : ''}`;
}

export function haltBanner(h: HaltState__Output | null | undefined): string {
  return h?.halted ? line`*** HALTED since ${h.at} by ${h.actor || '-'}: ${h.reason} — nothing switches until fleetswap unhalt ***` : '';
}

export function statusText(s: StatusReply__Output): string {
  const lines = [
    haltBanner(s.halt),
    s.insecure ? 'WARNING: the coordinator runs in plaintext (--insecure): no TLS, no host identity from certificates, and anyone can fetch code' : '',
    `hosts: ${s.hosts} known, ${s.connected} connected${s.no_release ? `, ${s.no_release} with no release (no complete rollout covers their tags: see fleetswap drift)` : ''}`,
  ].filter(Boolean);
  if (s.coordinators.length > 0) {
    const members = s.coordinators.map((c) => line`${c.name} at ${c.address}${c.leader ? ` (leader, epoch ${s.epoch})` : ''}`);
    const leader = s.coordinators.find((c) => c.leader);
    lines.push(`coordinators: ${members.join(', ')}${leader ? '' : ' (no leader: a new one is being chosen)'}; answered by ${line`${s.answered_by}`}`);
    // Agents keep their streams to the leader: a follower knows of none.
    if (leader && leader.name !== s.answered_by) lines.push(line`  a follower answered: agents are connected to the leader ${leader.name}, so "connected" above is 0 here`);
  }
  const refused = Object.entries(s.refusals).filter(([, n]) => n > 0);
  if (refused.length > 0) lines.push(`refused at the edge: ${refused.map(([k, n]) => `${n} ${k}`).join(', ')}`);
  if (s.vitals) {
    const v = s.vitals;
    lines.push(`vitals: ${v.received} samples received, ${v.stored} stored, ${v.refused} refused, ${v.dropped_by_agents} dropped by agents`);
  }
  // Notifications: what each receiver is still owed, and what was given up (after --notify-give-up).
  for (const r of s.notify) {
    lines.push(line`notify ${r.name}: ${r.delivered} delivered, ${r.pending} pending, ${r.failed} given up` + (r.pending > 0 && r.last_error ? line` (last error: ${r.last_error})` : ''));
  }
  for (const [id, n] of Object.entries(s.live_counts).sort((a, b) => b[1] - a[1])) {
    lines.push(`  ${n} running ${id ? named(id, s.labels) : 'nothing yet'}`);
  }
  lines.push(s.rollout ? rolloutLines(s.rollout, s.labels, s.now_ms || Date.now()).join('\n') : 'no rollouts yet');
  return lines.join('\n');
}
