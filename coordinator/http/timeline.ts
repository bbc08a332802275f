import { TERMINAL_ROLLOUT_STATES } from '../../shared/domain.js';
import type { AuditEntry__Output as AuditEntry } from '../../shared/gen/fleetswap/v1/AuditEntry.js';
import type { Rollout__Output as Rollout } from '../../shared/gen/fleetswap/v1/Rollout.js';
import type { VerdictRow } from '../store/verdicts.js';

/** TimelineItem is one moment of a rollout: a phase reached, an operator's or the coordinator's action, a verdict, its end. */
export interface TimelineItem {
  at_ms: number;
  kind: 'start' | 'phase' | 'action' | 'verdict' | 'end';
  what: string;
  /** Who acted (token:NAME, coordinator); '' for what the rollout did by itself. */
  by: string;
  reason: string;
}

/**
 * timeline puts together what is kept about a rollout: its start, when each
 * cohort was all live (its hosts' switch times), what the audit log says
 * was done to it (operator actions, automatic pauses and rollbacks), its
 * verdicts as their outcome changed, and its end.
 */
export function timeline(r: Rollout, entries: readonly AuditEntry[], verdicts: readonly Pick<VerdictRow, 'at_ms' | 'phase' | 'outcome' | 'reason'>[], labels: Record<string, string>): TimelineItem[] {
  const label = (id: string) => labels[id] ?? id.slice(0, 12);
  const items: TimelineItem[] = [];
  items.push({
    at_ms: Date.parse(r.created_at),
    kind: 'start',
    what: r.kind === 'rollback' ? `rollback to ${label(r.release_id)}` : `deploy of ${label(r.release_id)}${r.from_release ? ` over ${label(r.from_release)}` : ''} on ${r.hosts.length} host(s)`,
    by: r.actor,
    reason: r.reason,
  });
  const cohorts = new Map<string, { n: number; done: number; last: number }>();
  for (const h of r.hosts) {
    const name = h.cohort || 'hosts';
    const c = cohorts.get(name) ?? { n: 0, done: 0, last: 0 };
    c.n++;
    if (h.switch === 'done' && h.switched_at_ms > 0) {
      c.done++;
      c.last = Math.max(c.last, h.switched_at_ms);
    }
    cohorts.set(name, c);
  }
  for (const [name, c] of cohorts) if (c.done === c.n && c.last > 0) items.push({ at_ms: c.last, kind: 'phase', what: `${name} live (${c.n} host${c.n === 1 ? '' : 's'})`, by: '', reason: '' });
  // The start is already there, from the rollout itself.
  for (const e of entries) if (e.action !== 'deploy' && e.action !== 'rollback') items.push({ at_ms: Date.parse(e.at), kind: 'action', what: e.action, by: e.actor, reason: e.reason });
  for (const v of verdicts) items.push({ at_ms: v.at_ms, kind: 'verdict', what: `verdict ${v.phase}: ${v.outcome}`, by: '', reason: v.reason });
  if (TERMINAL_ROLLOUT_STATES.has(r.state)) items.push({ at_ms: Date.parse(r.updated_at), kind: 'end', what: r.state.replace(/_/g, ' '), by: '', reason: r.message });
  // A stable order: by time, and the start first, the end last at the same moment.
  const rank: Record<TimelineItem['kind'], number> = { start: 0, phase: 1, action: 2, verdict: 3, end: 4 };
  return items.sort((a, b) => a.at_ms - b.at_ms || rank[a.kind] - rank[b.kind]);
}
