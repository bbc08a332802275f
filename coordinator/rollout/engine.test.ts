import { describe, expect, it } from 'vitest';
import type { RolloutState } from '../../shared/domain.js';
import { anEngine, releaseId, type TestRollout } from './testing.js';

// The rollout engine in-process (rollout/testing.ts): a real store in memory,
// a fake fleet, a clock that moves only when told. Each case runs in
// milliseconds; add new ones here.

const MIN = 60_000;

/** Ways to bring a rollout to each phase; the rollout acted on is the newest one. */
const reach: Record<string, (t: TestRollout) => void> = {
  staging: (t) => t.deploy(),
  canary: (t) => {
    t.deploy();
    t.stageAll();
  },
  judging: (t) => {
    reach.canary!(t);
    t.switchAll();
  },
  'wave (switching)': (t) => {
    t.deploy({ waves: '50%,100%' });
    t.stageAll();
    t.switchAll();
    t.promote();
  },
  'wave (baking)': (t) => {
    reach['wave (switching)']!(t);
    t.switchAll();
  },
  watching: (t) => {
    t.deploy({ watch_for: '5m' });
    t.stageAll();
    t.switchAll();
    t.promote();
    t.switchAll();
  },
  paused: (t) => {
    t.deploy();
    t.pause();
  },
  rolling_back: (t) => {
    reach.judging!(t);
    t.abort();
  },
  'switching (rollback)': (t) => t.rollback({ to: 'v2' }),
  complete: (t) => {
    t.deploy({ canary: '0' });
    t.stageAll();
    t.switchAll();
  },
  rolled_back: (t) => {
    reach.canary!(t);
    t.report(t.hosts().find((h) => h.switch === 'pending')!.host_id, 'FAILED');
    t.switchAll();
  },
  aborted: (t) => {
    t.deploy();
    t.abort();
  },
  failed: (t) => {
    t.deploy();
    t.report('h1', 'FAILED');
  },
};

describe('reaching each phase', () => {
  const expected: Record<string, RolloutState> = {
    staging: 'staging',
    canary: 'canary',
    judging: 'judging',
    'wave (switching)': 'wave',
    'wave (baking)': 'wave',
    watching: 'watching',
    paused: 'paused',
    rolling_back: 'rolling_back',
    'switching (rollback)': 'switching',
    complete: 'complete',
    rolled_back: 'rolled_back',
    aborted: 'aborted',
    failed: 'failed',
  };
  it.each(Object.entries(expected))('%s', (phase, state) => {
    const t = anEngine({ hosts: 4 });
    reach[phase]!(t);
    expect(t.state()).toBe(state);
  });
});

type Outcome = RolloutState | 'REFUSED';
type Row = [phase: string, promote: Outcome, pause: Outcome, resume: Outcome, abort: Outcome];

// What each operator action does in each phase. (abort while rolling_back is left out: it
// reaches an illegal move today, a bug noted in issue 12's report.)
const ACTIONS: Row[] = [
  ['staging', 'REFUSED', 'paused', 'REFUSED', 'aborted'],
  ['canary', 'REFUSED', 'paused', 'REFUSED', 'rolling_back'],
  ['judging', 'wave', 'paused', 'REFUSED', 'rolling_back'],
  ['wave (switching)', 'REFUSED', 'paused', 'REFUSED', 'rolling_back'],
  ['wave (baking)', 'wave', 'paused', 'REFUSED', 'rolling_back'],
  ['watching', 'complete', 'paused', 'REFUSED', 'rolling_back'],
  ['paused', 'REFUSED', 'paused', 'staging', 'aborted'],
  ['switching (rollback)', 'REFUSED', 'REFUSED', 'REFUSED', 'aborted'],
  ['complete', 'REFUSED', 'REFUSED', 'REFUSED', 'REFUSED'],
  ['rolled_back', 'REFUSED', 'REFUSED', 'REFUSED', 'REFUSED'],
  ['aborted', 'REFUSED', 'REFUSED', 'REFUSED', 'REFUSED'],
  ['failed', 'REFUSED', 'REFUSED', 'REFUSED', 'REFUSED'],
];
const cells = ACTIONS.flatMap(([phase, ...outcomes]) =>
  (['promote', 'pause', 'resume', 'abort'] as const).map((action, i) => ({ phase, action, outcome: outcomes[i] as Outcome })),
);

describe('operator actions in each phase', () => {
  it.each(cells)('$action in $phase: $outcome', ({ phase, action, outcome }) => {
    const t = anEngine({ hosts: 4 });
    reach[phase]!(t);
    const id = t.rollout().id;
    const act = () => t[action]({ rollout_id: id });
    if (outcome === 'REFUSED') {
      expect(act).toThrow(expect.objectContaining({ code: 'REFUSED' }));
    } else {
      expect(act().state).toBe(outcome);
    }
  });

  it('rolling_back cannot be paused, promoted or resumed', () => {
    const t = anEngine();
    reach.rolling_back!(t);
    for (const act of [t.pause, t.promote, t.resume]) expect(() => act()).toThrow(expect.objectContaining({ code: 'REFUSED' }));
  });

  it('with no rollout active, an action says there is nothing to act on', () => {
    const t = anEngine();
    expect(() => t.promote()).toThrow('nothing to promote: no rollout is active');
    expect(() => t.pause({ rollout_id: 9 })).toThrow(expect.objectContaining({ code: 'BAD_USAGE', message: 'no rollout #9' }));
  });

  it('an operator pause is not audited as the coordinator pausing; says who paused', () => {
    const t = anEngine();
    t.deploy();
    expect(t.pause({ actor: 'bob', reason: 'lunch' }).message).toBe('paused by bob: lunch');
  });
});

describe('deadlines: each phase pauses at its deadline, not before', () => {
  const rows: { phase: string; after: number; setup?: Parameters<typeof anEngine>[0]; says: string }[] = [
    { phase: 'staging', after: 10 * MIN, says: 'stuck: 4 host(s) not staged by the deadline' },
    { phase: 'canary', after: 2 * MIN, says: 'stuck: 1 host(s) did not confirm the switch by the deadline' },
    { phase: 'judging', after: 2 * MIN, says: 'stuck: no verdict by the deadline' },
    { phase: 'judging', after: 6 * MIN, setup: { hosts: 4, decisionGraceMs: 5 * MIN }, says: 'stuck: no verdict by the deadline' },
    { phase: 'wave (switching)', after: 2 * MIN, says: 'stuck: 1 host(s) did not confirm the switch by the deadline' },
    { phase: 'wave (baking)', after: 2 * MIN, says: 'stuck: no verdict by the deadline' },
  ];
  it.each(rows)('$phase after $after ms', ({ phase, after, setup, says }) => {
    const t = anEngine(setup ?? { hosts: 4 });
    reach[phase]!(t);
    const before = t.state();
    t.advance(after - 1);
    expect(t.state()).toBe(before);
    t.advance(1);
    const r = t.rollout();
    expect(r.state).toBe('paused');
    expect(r.paused_from).toBe(before);
    expect(r.message).toContain(says);
    // Resumed, it gets a fresh deadline of the same length.
    t.resume();
    expect(t.rollout().deadline_ms).toBe(t.clock.now() + after);
  });

  it('watching has no deadline: it completes when the watch is over', () => {
    const t = anEngine({ hosts: 4 });
    reach.watching!(t);
    expect(t.rollout().deadline_ms).toBe(0);
    t.advance(5 * MIN - 1);
    expect(t.state()).toBe('watching');
    // The watch is judged once a second: it ends at the first look past its end.
    t.advance(1_000);
    expect(t.state()).toBe('complete');
    expect(t.rollout().message).toMatch(/^watched 5m at 100%: not judged to the end/);
  });

  it('a revert whose hosts stay silent ends as asked, naming them', () => {
    const t = anEngine({ hosts: 4 });
    reach.rolling_back!(t);
    t.advance(2 * MIN);
    expect(t.state()).toBe('aborted');
    expect(t.rollout().message).toMatch(/1 host\(s\) did not confirm in time: h\d/);
  });

  it('a rollback whose hosts stay silent fails, naming them', () => {
    const t = anEngine({ hosts: 2 });
    t.rollback({ to: 'v2' });
    t.advance(2 * MIN);
    expect(t.state()).toBe('failed');
    expect(t.hosts().map((h) => h.error)).toEqual(['no report before the switch deadline', 'no report before the switch deadline']);
  });
});

describe('halt and unhalt', () => {
  it('time halted does not count against a deadline or a bake', () => {
    const t = anEngine({ hosts: 4 });
    reach.judging!(t);
    const { deadline_ms, phase_started_ms } = t.rollout();
    t.advance(30_000);
    t.halt();
    t.advance(10 * MIN);
    expect(t.state()).toBe('judging');
    t.unhalt();
    expect(t.rollout().deadline_ms).toBe(deadline_ms + 10 * MIN);
    expect(t.rollout().phase_started_ms).toBe(phase_started_ms + 10 * MIN);
    t.advance(2 * MIN - 30_000 - 1);
    expect(t.state()).toBe('judging');
    t.advance(1);
    expect(t.state()).toBe('paused');
  });

  it('while halted nothing moves on, and nothing switches; at unhalt it does', () => {
    const t = anEngine({ hosts: 3 });
    t.deploy();
    t.fleet.take();
    t.halt();
    t.stageAll();
    expect(t.state()).toBe('staging');
    t.unhalt();
    expect(t.state()).toBe('canary');
    expect(t.fleet.take().map((s) => s.d.kind)).toEqual(['ACTIVATE']);
  });

  it('a switch stored while halted is held back, a stage is not; unhalt sends what is held', () => {
    const t = anEngine({ hosts: 1 });
    t.halt();
    t.engine.direct('h1', 'REPAIR', releaseId('v1'));
    expect(t.fleet.take()).toEqual([]);
    t.engine.give('h1', ['STAGE', 'ACTIVATE'], releaseId('v2'), () => {});
    expect(t.fleet.take().map((s) => s.d.kind)).toEqual(['STAGE']);
    // A host saying hello while halted is not sent its held switch either.
    t.engine.onHello(t.store.hosts.get('h1')!, { host_id: 'h1', tags: {}, slot_count: 3, slots: [], live_release: releaseId('v1'), last_generation: 0, agent_version: '', last_report: null, unsigned_allowed: false });
    expect(t.fleet.take()).toEqual([]);
    t.unhalt();
    expect(t.fleet.take().map((s) => s.d.kind)).toEqual(['ACTIVATE']);
  });

  it.each(['deploy', 'rollback', 'promote', 'resume', 'abort'] as const)('%s is refused while halted', (action) => {
    const t = anEngine();
    reach.judging!(t);
    t.halt();
    const act = { deploy: () => t.deploy({ supersede: true }), rollback: () => t.rollback(), promote: () => t.promote(), resume: () => t.resume(), abort: () => t.abort() }[action];
    expect(act).toThrow(expect.objectContaining({ code: 'HALTED' }));
  });

  it('pause is allowed while halted', () => {
    const t = anEngine();
    reach.judging!(t);
    t.halt();
    expect(t.pause().state).toBe('paused');
  });
});

describe('supersede', () => {
  it.each(['staging', 'canary', 'judging', 'wave (baking)', 'paused'])('a deploy during %s is refused unless it supersedes', (phase) => {
    const t = anEngine({ hosts: 4, releases: { v1: '', v2: '', v3: '' } });
    reach[phase]!(t);
    const first = t.rollout().id;
    expect(() => t.deploy({ release: 'v3' })).toThrow(expect.objectContaining({ code: 'ROLLOUT_ACTIVE' }));
    const second = t.deploy({ release: 'v3', supersede: true });
    expect(second.state).toBe('staging');
    expect(t.store.rollouts.get(first)).toMatchObject({ state: 'superseded', message: `superseded by rollout #${second.id}` });
  });

  it('a rollback supersedes the active deploy, and goes back to where it came from', () => {
    const t = anEngine({ hosts: 4 });
    reach.judging!(t);
    const first = t.rollout().id;
    const rb = t.rollback();
    expect(t.store.rollouts.get(first)).toMatchObject({ state: 'superseded', message: `superseded by rollback #${rb.id}` });
    expect(rb.release_id).toBe(releaseId('v1'));
  });

  it("the superseded rollout's hosts are the new rollout's: their reports count there", () => {
    const t = anEngine({ hosts: 2, releases: { v1: '', v2: '', v3: '' } });
    t.deploy();
    t.deploy({ release: 'v3', supersede: true });
    t.stageAll();
    expect(t.state()).toBe('canary');
  });
});

describe('the watch', () => {
  it('a deploy during the watch ends it as complete, and is not refused', () => {
    const t = anEngine({ hosts: 4, releases: { v1: '', v2: '', v3: '' } });
    reach.watching!(t);
    const first = t.rollout().id;
    const next = t.deploy({ release: 'v3' });
    expect(t.store.rollouts.get(first)).toMatchObject({ state: 'complete', message: `watch ended early: rollout #${next.id} deploys v3` });
    expect(next.state).toBe('staging');
    // Where the new deploy comes from is what the watched one put out.
    expect(next.from_release).toBe(releaseId('v2'));
  });

  it('promote ends the watch, saying who', () => {
    const t = anEngine({ hosts: 4 });
    reach.watching!(t);
    expect(t.promote({ actor: 'carol', reason: 'seen enough' })).toMatchObject({ state: 'complete', message: 'watch ended by carol: seen enough' });
  });
});

describe('commit, then send', () => {
  it('nothing leaves before the transaction it was stored in commits', () => {
    const t = anEngine({ hosts: 3 });
    t.store.tx(() => {
      t.deploy();
      expect(t.fleet.sent).toEqual([]);
    });
    expect(t.fleet.take().map((s) => `${s.host} ${s.d.kind}`)).toEqual(['h1 STAGE', 'h2 STAGE', 'h3 STAGE']);
  });

  it('nothing leaves from a transaction that rolls back', () => {
    const t = anEngine({ hosts: 3 });
    expect(() =>
      t.store.tx(() => {
        t.deploy();
        throw new Error('audit append failed');
      }),
    ).toThrow('audit append failed');
    expect(t.fleet.sent).toEqual([]);
    expect(t.store.rollouts.latest()).toBeUndefined();
  });

  it('a host offline at deploy is told nothing; its wave stores its switch, sent at its hello', () => {
    const t = anEngine({ hosts: [{ id: 'h1' }, { id: 'h2' }, { id: 'h3', online: false }] });
    t.deploy({ skip_offline: true });
    expect(t.fleet.take().map((s) => s.host)).toEqual(['h1', 'h2']);
    expect(t.hosts().find((h) => h.host_id === 'h3')).toMatchObject({ stage: 'skipped', cohort: { kind: 'wave', n: 1 } });
    t.stageAll();
    t.switchAll();
    t.promote();
    expect(t.state()).toBe('wave');
    expect(t.fleet.take().filter((s) => s.host === 'h3')).toEqual([]);
    t.fleet.connected.add('h3');
    t.engine.onHello(t.store.hosts.get('h3')!, { host_id: 'h3', tags: {}, slot_count: 3, slots: [], live_release: releaseId('v1'), last_generation: 0, agent_version: '', last_report: null, unsigned_allowed: false });
    expect(t.fleet.take()).toEqual([{ host: 'h3', d: expect.objectContaining({ kind: 'ACTIVATE', release_id: releaseId('v2') }) }]);
  });

  it('resume sends a host the directive it is still waited on for', () => {
    const t = anEngine({ hosts: 2 });
    reach.canary!(t);
    t.pause();
    t.fleet.take();
    t.resume();
    expect(t.fleet.take().map((s) => s.d.kind)).toEqual(['ACTIVATE']);
  });
});
