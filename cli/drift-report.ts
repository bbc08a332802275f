import { DRIFT_EVENT_KINDS, DRIFT_STATES, PATH_CHANGES, type DriftPath, type DriftReport, type DriftState } from '../shared/drift.js';
import { FleetswapError } from '../shared/errors.js';
import type { DriftPath__Output } from '../shared/gen/fleetswap/v1/DriftPath.js';
import type { DriftReportReply__Output } from '../shared/gen/fleetswap/v1/DriftReportReply.js';
import { textTable } from './format.js';

/**
 * word is `value` if it is one of `words`, the ones the documented report
 * has; a coordinator of another version may say another, which is refused
 * rather than passed on as if this CLI knew it.
 */
function word<T extends string>(words: readonly T[], value: string, what: string): T {
  const known = words.find((w) => w === value);
  if (known === undefined) throw new FleetswapError('BAD_REPLY', `the coordinator's drift report has ${what} ${JSON.stringify(value.slice(0, 40))}, which this CLI does not know (a coordinator of another version?)`);
  return known;
}

const pathsOf = (paths: DriftPath__Output[]): DriftPath[] => paths.map((p) => ({ path: p.path, change: word(PATH_CHANGES, p.change, 'path change') }));

/** toDriftReport turns the coordinator's reply into the documented JSON report (null for an open event's resolved_at). */
export function toDriftReport(reply: DriftReportReply__Output, coordinator: string): DriftReport {
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
      state: word(DRIFT_STATES, h.state, 'host state'),
      paths: { count: h.path_count, first: pathsOf(h.first_paths) },
      events: h.events.map((e) => ({ kind: word(DRIFT_EVENT_KINDS, e.kind, 'event kind'), paths: pathsOf(e.paths), detected_at: e.detected_at, action: e.action, resolved_at: e.resolved_at || null })),
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
