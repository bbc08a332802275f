import { describe, expect, it } from 'vitest';
import type { Rollout__Output as Rollout } from '../../shared/gen/fleetswap/v1/Rollout.js';
import { timeline } from './timeline.js';

// A rollout's timeline from what is kept about it.

const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 12, 0, s)).toISOString();
const ms = (s: number) => Date.parse(at(s));
const host = (id: string, cohort: string, switchedS: number) => ({ host_id: id, stage: 'staged', switch: switchedS ? 'done' : 'pending', error: '', stats: null, cohort, prev_release: 'old', switched_at_ms: switchedS ? ms(switchedS) : 0 });

describe('timeline', () => {
  it('puts the start, each cohort all live, actions, verdicts and the end in time order', () => {
    const r = {
      id: 7,
      kind: 'deploy',
      state: 'rolled_back',
      release_id: 'new',
      from_release: 'old',
      actor: 'token:alice',
      reason: 'ship it',
      created_at: at(0),
      updated_at: at(30),
      message: 'rolled back automatically: verdict: error rate 5x',
      hosts: [host('a', 'canary', 5), host('b', 'canary', 6), host('c', 'wave1', 0)],
    } as unknown as Rollout;
    const entries = [
      { id: 1, at: at(0), actor: 'token:alice', action: 'deploy', target: 'rollout #7', reason: 'ship it', detail: '{}', prev: '', hash: '' },
      { id: 2, at: at(20), actor: 'token:bob', action: 'pause', target: 'rollout #7', reason: 'look', detail: '{}', prev: '', hash: '' },
      { id: 3, at: at(30), actor: 'coordinator', action: 'auto-rollback', target: 'rollout #7', reason: 'verdict: error rate 5x', detail: '{}', prev: '', hash: '' },
    ];
    const verdicts = [{ at_ms: ms(25), phase: 'judging', outcome: 'fail', reason: 'error rate 5x' }];
    expect(timeline(r, entries, verdicts, { new: 'v2', old: 'v1' }).map((t) => [t.at_ms - ms(0), t.kind, t.what, t.by])).toEqual([
      [0, 'start', 'deploy of v2 over v1 on 3 host(s)', 'token:alice'],
      [6_000, 'phase', 'canary live (2 hosts)', ''],
      [20_000, 'action', 'pause', 'token:bob'],
      [25_000, 'verdict', 'verdict judging: fail', ''],
      [30_000, 'action', 'auto-rollback', 'coordinator'],
      [30_000, 'end', 'rolled back', ''],
    ]);
  });
});
