import { DRIFT_STATES, type DriftReport, type DriftState } from '../shared/drift.js';
import type { DriftReportReply } from '../shared/wire.js';
import { textTable } from './format.js';

/** toDriftReport turns the coordinator's reply into the documented JSON report (null for an open event's resolved_at). */
export function toDriftReport(reply: DriftReportReply, coordinator: string): DriftReport {
  const summary = Object.fromEntries(DRIFT_STATES.map((s) => [s, reply.summary[s] ?? 0])) as Record<DriftState, number>;
  return {
    generated_at: reply.generated_at,
    coordinator,
    summary: { ...summary, hosts: reply.hosts.length },
    hosts: reply.hosts.map((h) => ({
      host: h.host,
      tags: h.tags,
      desired: h.desired,
      live: h.live,
      desired_id: h.desired_id,
      live_id: h.live_id,
      state: h.state,
      paths: { count: h.path_count, first: h.first_paths },
      events: h.events.map((e) => ({ kind: e.kind, paths: e.paths, detected_at: e.detected_at, action: e.action, resolved_at: e.resolved_at || null })),
    })),
  };
}

/** driftText is the terminal report: the summary line first, then one row per host, drifted hosts on top. */
export function driftText(r: DriftReport): string {
  const summary = `${r.summary.hosts} hosts: ${DRIFT_STATES.map((s) => `${r.summary[s]} ${s}`).join(', ')}`;
  if (r.hosts.length === 0) return `${summary}\nno hosts have connected yet`;
  const rows = r.hosts.map((h) => {
    const open = h.events.filter((e) => e.resolved_at === null);
    const latest = h.events[0];
    const first = open.at(-1)?.detected_at ?? '-';
    const paths = h.paths.count ? `${h.paths.count}: ${h.paths.first.map((p) => `${p.path} (${p.change})`).join(', ')}${h.paths.count > h.paths.first.length ? ', ...' : ''}` : '-';
    return [h.host, Object.entries(h.tags).map(([k, v]) => `${k}=${v}`).join(',') || '-', h.state, h.desired || '-', h.live || '-', paths, first, latest?.action ?? '-', latest?.resolved_at ?? (latest ? 'open' : '-')];
  });
  return `${summary}\n${textTable(['host', 'tags', 'state', 'desired', 'live', 'changed paths', 'first detected', 'action', 'resolved'], rows)}`;
}
