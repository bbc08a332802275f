import { COORDINATOR_ACTOR } from './audit.js';
import type { EventRow, RolloutRow, Severity, Store } from './store.js';

/**
 * The event stream: what happened, told to people (`fleetswap events`, the
 * notification receivers of coordinator/notify/). Each event is written in the
 * transaction of the change it tells of, so an event exists exactly when its
 * change committed. Kinds are dotted families a receiver filters by glob:
 * rollout.phase, rollout.verdict, rollout.rolled_back, rollout.paused, halt,
 * unhalt, drift.found, drift.resolved; freeze.* and approval.* are room for
 * change control (issue 15) to come.
 */
export const EVENT_KINDS = ['rollout.phase', 'rollout.verdict', 'rollout.rolled_back', 'rollout.paused', 'halt', 'unhalt', 'drift.found', 'drift.resolved'] as const;

export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];

export type NewEvent = Pick<EventRow, 'kind' | 'severity' | 'reason'> & Partial<Omit<EventRow, 'id' | 'kind' | 'severity' | 'reason'>>;

/**
 * EventWake lets the notifier hear that an event committed, so a delivery
 * starts at once rather than at its next poll. Keyed by store: several
 * coordinators in one process each wake only their own.
 */
const wakers = new WeakMap<Store, () => void>();

export function onEvent(store: Store, fn: () => void): void {
  wakers.set(store, fn);
}

/** recordEvent appends an event in the caller's transaction (one of its own outside one). */
export async function recordEvent(store: Store, atMs: number, e: NewEvent): Promise<void> {
  await store.tx(async () => {
    await store.events.append({
      at_ms: e.at_ms ?? atMs,
      kind: e.kind,
      severity: e.severity,
      actor: e.actor || COORDINATOR_ACTOR,
      reason: oneLine(e.reason),
      rollout_id: e.rollout_id ?? 0,
      release_id: e.release_id ?? '',
      label: e.label ?? '',
      host: e.host ?? '',
      scope: e.scope ?? {},
      detail: e.detail ?? {},
    });
    const wake = wakers.get(store);
    if (wake) store.afterCommit(wake);
  });
}

/** rolloutFields are the fields of an event about rollout `r`. */
export async function rolloutFields(store: Store, r: Pick<RolloutRow, 'id' | 'release_id' | 'selector'>): Promise<Pick<EventRow, 'rollout_id' | 'release_id' | 'label' | 'scope'>> {
  return { rollout_id: r.id, release_id: r.release_id, label: (await store.releases.byId(r.release_id))?.label ?? r.release_id.slice(0, 12), scope: r.selector };
}

/** PHASE_SEVERITY: how much a rollout reaching a state matters to whoever is told. */
export function phaseSeverity(state: string): Severity {
  if (state === 'failed' || state === 'rolled_back') return 'critical';
  if (state === 'rolling_back' || state === 'aborted' || state === 'paused' || state === 'superseded') return 'warning';
  return 'info';
}

/** oneLine keeps a reason to one sentence's line: no newlines, bounded. */
function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 500 ? `${t.slice(0, 497)}...` : t;
}

/** dashboardLink is the dashboard page for an event, when the coordinator knows its dashboard's address. */
export function dashboardLink(base: string | undefined, e: Pick<EventRow, 'rollout_id' | 'host'>): string {
  if (!base) return '';
  const root = base.replace(/\/+$/, '');
  if (e.rollout_id) return `${root}/rollouts/${e.rollout_id}`;
  return `${root}/fleet`;
}
