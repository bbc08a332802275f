import Table from 'cli-table3';
import type { Host, Release, Rollout, StatusReply, VitalsSample } from '../shared/wire.js';

export function short(id: string): string {
  return id ? id.slice(0, 12) : '-';
}

export function named(id: string, labels: Record<string, string>): string {
  if (!id) return '-';
  const label = labels[id];
  return label ? `${label} (${short(id)})` : short(id);
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

function table(head: string[]): Table.Table {
  return new Table({ head, style: { head: [], border: [] } });
}

export function releasesTable(releases: Release[]): string {
  if (releases.length === 0) return 'no releases yet: push one with fleetswap push DIR --version LABEL';
  const t = table(['version', 'id', 'files', 'size', 'pushed by', 'pushed at', 'owner', 'notes']);
  for (const r of releases) {
    t.push([r.irreversible ? `${r.label} (irreversible)` : r.label, short(r.id), r.files, bytes(r.bytes), r.pushed_by, r.pushed_at, r.owner || '-', r.notes || '-']);
  }
  return t.toString();
}

export function hostsTable(hosts: Host[], labels: Record<string, string>): string {
  if (hosts.length === 0) return 'no hosts have connected yet: start agents with fleetswap agent';
  const t = table(['host', 'tags', 'state', 'live', 'desired', 'slots', 'last seen', 'vitals', 'last staging', 'error']);
  for (const h of hosts) {
    const s = h.last_staging;
    t.push([
      h.id,
      Object.entries(h.tags).map(([k, v]) => `${k}=${v}`).join(',') || '-',
      h.connected ? 'connected' : 'offline',
      named(h.live_release, labels),
      h.desired_release && h.desired_release !== h.live_release ? named(h.desired_release, labels) : h.desired_release ? '=' : '-',
      h.slots.map((x) => `${x.index}:${labels[x.release_id] ?? short(x.release_id)}`).join(' ') || '-',
      h.last_seen,
      vitalsCell(h.last_vitals),
      s ? `${bytes(s.bytes_fetched)} fetched, ${s.blobs_reused} reused, ${s.duration_ms} ms` : '-',
      h.last_error || '-',
    ]);
  }
  return t.toString();
}

function vitalsCell(v: VitalsSample | null | undefined): string {
  if (!v) return '-';
  const probe = v.probed ? ` probe ${v.probe_ok ? 'ok' : 'FAIL'} ${v.probe_latency_ms.toFixed(0)} ms` : '';
  return `load ${v.load1.toFixed(2)} cpu ${v.cpu_pct.toFixed(0)}% mem ${v.mem_pct.toFixed(0)}% err ${v.error_lines}${probe}`;
}

export function rolloutLines(r: Rollout, labels: Record<string, string>): string[] {
  const counts = countHosts(r);
  const lines = [
    `rollout #${r.id} (${r.kind}) ${named(r.release_id, labels)}: ${r.state} — ${r.message}`,
    `  from ${named(r.from_release, labels)} · by ${r.actor || '-'}${r.reason ? ` · why: ${r.reason}` : ''} · started ${r.created_at}`,
    `  hosts: ${counts}`,
  ];
  for (const h of r.hosts.filter((x) => x.error && (x.stage === 'failed' || x.switch === 'failed'))) {
    lines.push(`  ${h.host_id}: ${h.error}`);
  }
  return lines;
}

export function countHosts(r: Rollout): string {
  const active = r.hosts.filter((h) => h.stage !== 'skipped');
  const staged = active.filter((h) => h.stage === 'staged').length;
  const switched = active.filter((h) => h.switch === 'done').length;
  const failed = active.filter((h) => h.stage === 'failed' || h.switch === 'failed').length;
  const skipped = r.hosts.length - active.length;
  return `${staged}/${active.length} staged, ${switched}/${active.length} switched${failed ? `, ${failed} failed` : ''}${skipped ? `, ${skipped} offline (skipped)` : ''}`;
}

export function statusText(s: StatusReply): string {
  const lines = [`hosts: ${s.hosts} known, ${s.connected} connected`];
  if (s.vitals) {
    const v = s.vitals;
    lines.push(`vitals: ${v.received} samples received, ${v.stored} stored, ${v.refused} refused, ${v.dropped_by_agents} dropped by agents`);
  }
  for (const [id, n] of Object.entries(s.live_counts).sort((a, b) => b[1] - a[1])) {
    lines.push(`  ${n} running ${id ? named(id, s.labels) : 'nothing yet'}`);
  }
  lines.push(s.rollout ? rolloutLines(s.rollout, s.labels).join('\n') : 'no rollouts yet');
  return lines.join('\n');
}
