import { describe, expect, it } from 'vitest';
import type { RolloutState } from '../../shared/domain.js';
import { checkMove } from './moves.js';

// The rollout state machine, written out here apart from ALLOWED: a change to
// the table that is not a change to this list fails.
const LEGAL: Record<RolloutState, RolloutState[]> = {
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

const STATES = Object.keys(LEGAL) as RolloutState[];
const moves = STATES.flatMap((from) => STATES.map((to) => ({ from, to, legal: LEGAL[from].includes(to) })));

describe('the legal rollout moves', () => {
  it.each(moves.filter((m) => m.legal))('$from -> $to is legal', ({ from, to }) => {
    expect(() => checkMove({ id: 1, state: from }, to)).not.toThrow();
  });

  it.each(moves.filter((m) => !m.legal))('$from -> $to is refused', ({ from, to }) => {
    expect(() => checkMove({ id: 7, state: from }, to)).toThrow(`illegal rollout transition ${from} -> ${to} (rollout #7)`);
  });

  it('a finished rollout never moves again', () => {
    for (const s of ['complete', 'rolled_back', 'aborted', 'failed', 'superseded'] as const) expect(LEGAL[s]).toEqual([]);
  });
});
