import type { DriftKind } from '../shared/domain.js';
import type { StagingStats__Output as StagingStats } from '../shared/gen/fleetswap/v1/StagingStats.js';

/** Switched is one switch of `current`, timed. */
export interface Switched {
  release_id: string;
  label: string;
  slot: number;
  /** The switch proper: the symlink renamed over `current`, ROOT fsynced, the slot marked live. */
  switchMs: number;
  /** The reload command and health probe after it (0 with neither). */
  checkMs: number;
  /** False when the check failed (the agent then switches straight back, if a slot was live before). */
  ok: boolean;
}

/**
 * AgentEvents hears what an agent does as it happens: agent/metrics.ts
 * counts it for `--metrics-listen`. An agent given none (the default, and
 * the simulator's thousands) pays nothing.
 */
export interface AgentEvents {
  /** A release was staged into a slot: fetched, verified, committed. */
  staged(stats: StagingStats): void;
  switched(s: Switched): void;
  /** The drift watcher reported a finding about the live tree. */
  drift(kind: DriftKind): void;
}
