import type { RolloutState } from '../shared/domain.js';
import type { RolloutRow, Store } from './store.js';

/** Move is one committed change of a rollout's state, as the engine made it. */
export interface Move {
  rollout: Pick<RolloutRow, 'id' | 'kind' | 'created_at_ms' | 'deadline_ms' | 'wave' | 'phase_started_ms'>;
  from: RolloutState;
  to: RolloutState;
  /** The wave the rollout is in after the move (a wave's number changes with the state `wave` unchanged). */
  wave: number;
  atMs: number;
}

export type MoveListener = (m: Move) => void;

/**
 * MoveWatch hears the rollout engine's moves (coordinator/rollout/core.ts
 * `transition` tells it of each one) for whoever watches a store: the
 * metrics, which time phases by them. A move is passed on only once its
 * transaction has committed, so one that rolls back was never made. Keyed
 * by store: several coordinators in one process (tests, the benchmark)
 * each hear only their own.
 */
class MoveWatch {
  private readonly listeners = new WeakMap<Store, MoveListener>();

  listen(store: Store, fn: MoveListener): void {
    this.listeners.set(store, fn);
  }

  /** heard is called by the engine once it has stored the move of `r` to `to`, inside the move's transaction, before it changes `r`. */
  heard(store: Store, r: RolloutRow, to: RolloutState, change: { wave?: number }, atMs: number): void {
    const fn = this.listeners.get(store);
    if (!fn) return;
    // Copied now: the engine goes on changing `r` after this call.
    const m: Move = {
      rollout: { id: r.id, kind: r.kind, created_at_ms: r.created_at_ms, deadline_ms: r.deadline_ms, wave: r.wave, phase_started_ms: r.phase_started_ms },
      from: r.state,
      to,
      wave: change.wave ?? r.wave,
      atMs,
    };
    store.afterCommit(() => fn(m));
  }
}

export const moveWatch = new MoveWatch();
