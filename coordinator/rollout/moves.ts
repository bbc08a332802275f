import type { RolloutState } from '../../shared/domain.js';
import type { RolloutRow } from '../store.js';

// moves.ts is the rollout state machine's rules: which moves are legal, and
// how long each phase may take before it pauses. It holds no state.

export const DEFAULT_STAGE_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_SWITCH_TIMEOUT_MS = 2 * 60_000;
// A judged phase that has not decided this long (or a bake, if longer) after its bake ends pauses.
export const DEFAULT_DECISION_GRACE_MS = 60_000;

/**
 * ALLOWED lists the legal rollout transitions. A deploy goes staging ->
 * canary -> judging -> wave (one per wave) -> watching -> complete; any
 * switched phase can end in rolling_back -> rolled_back | aborted, or
 * straight in aborted when no host has a release to go back to. A
 * rollback goes switching -> complete. Any active rollout can be superseded.
 */
export const ALLOWED: Readonly<Record<RolloutState, readonly RolloutState[]>> = {
  staging: ['canary', 'wave', 'failed', 'paused', 'aborted', 'superseded'],
  canary: ['judging', 'rolling_back', 'rolled_back', 'paused', 'superseded', 'aborted'],
  judging: ['wave', 'rolling_back', 'rolled_back', 'paused', 'superseded', 'aborted'],
  wave: ['wave', 'watching', 'complete', 'rolling_back', 'rolled_back', 'paused', 'superseded', 'aborted'],
  watching: ['complete', 'rolling_back', 'rolled_back', 'paused', 'superseded', 'aborted'],
  paused: ['staging', 'canary', 'judging', 'wave', 'watching', 'rolling_back', 'rolled_back', 'aborted', 'superseded'],
  rolling_back: ['rolled_back', 'aborted'],
  switching: ['complete', 'failed', 'aborted', 'superseded'],
  complete: [],
  rolled_back: [],
  aborted: [],
  failed: [],
  superseded: [],
};

const JUDGED: ReadonlySet<RolloutState> = new Set(['judging', 'wave', 'watching']);

/** checkMove refuses a move ALLOWED does not list: a bug in the engine, never an operator's mistake. */
export function checkMove(r: Pick<RolloutRow, 'id' | 'state'>, to: RolloutState): void {
  if (!ALLOWED[r.state].includes(to)) throw new Error(`illegal rollout transition ${r.state} -> ${to} (rollout #${r.id})`);
}

/** phaseOf is the phase a rollout is in, or was in before it paused. */
export function phaseOf(r: Pick<RolloutRow, 'state' | 'paused_from'>): RolloutState {
  return r.state === 'paused' && r.paused_from ? r.paused_from : r.state;
}

/** isBaking: a wave whose hosts are all live is judged (phase_started_ms set); before that it is switching. */
export function isBaking(r: Pick<RolloutRow, 'state' | 'phase_started_ms'>, state = r.state): boolean {
  return state === 'wave' && r.phase_started_ms > 0;
}

/** phaseTimeout is how long `state` may last from now before the rollout pauses (0: no deadline). */
export function phaseTimeout(r: RolloutRow, state: RolloutState, decisionGraceMs: number): number {
  if (state === 'staging') return DEFAULT_STAGE_TIMEOUT_MS;
  if (state === 'judging') return judgedTimeout(r.plan.bake_ms, decisionGraceMs);
  if (isBaking(r, state)) return judgedTimeout(r.plan.wave_bake_ms, decisionGraceMs);
  if (state === 'watching') return 0;
  return r.switch_timeout_ms;
}

/** judgedTimeout: a bake, then the grace (or the bake again, if longer) to reach a verdict. */
export function judgedTimeout(bakeMs: number, decisionGraceMs: number): number {
  return bakeMs + Math.max(decisionGraceMs, bakeMs);
}

/** isJudged: the judge looks at deploys in a judged phase, paused or not. */
export function isJudged(r: RolloutRow): boolean {
  return r.kind === 'deploy' && JUDGED.has(phaseOf(r));
}
