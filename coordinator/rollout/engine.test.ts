import { describe, expect, it } from 'vitest';
import type { RolloutState } from '../../shared/domain.js';
import { aStore } from '../../test/database.js';
import { anEngine as engineOn, releaseId, type EngineSetup, type TestRollout } from './testing.js';

// The rollout engine in-process (rollout/testing.ts): a real store in memory,
// a fake fleet, a clock that moves only when told. Each case runs in
// milliseconds; add new ones here.

const MIN = 60_000;

/** anEngine runs on the suite's backend: SQLite in memory, or a PostgreSQL database of its own. */
const anEngine = async (setup: EngineSetup = {}): Promise<TestRollout> => engineOn({ ...setup, store: await aStore() });

/** Ways to bring a rollout to each phase; the rollout acted on is the newest one. */
const reach: Record<string, (t: TestRollout) => Promise<unknown>> = {
  staging: async (t) => await t.deploy(),
  canary: async (t) => {
    await t.deploy();
    await t.stageAll();
  },
  judging: async (t) => {
    await reach.canary!(t);
    await t.switchAll();
  },
  'wave (switching)': async (t) => {
    await t.deploy({ waves: '50%,100%' });
    await t.stageAll();
    await t.switchAll();
    await t.promote();
  },
  'wave (baking)': async (t) => {
    await reach['wave (switching)']!(t);
    await t.switchAll();
  },
  watching: async (t) => {
    await t.deploy({ watch_for: '5m' });
    await t.stageAll();
    await t.switchAll();
    await t.promote();
    await t.switchAll();
  },
  paused: async (t) => {
    await t.deploy();
    await t.pause();
  },
  rolling_back: async (t) => {
    await reach.judging!(t);
    await t.abort();
  },
  'switching (rollback)': async (t) => await t.rollback({ to: 'v2' }),
  complete: async (t) => {
    await t.deploy({ canary: '0' });
    await t.stageAll();
    await t.switchAll();
  },
  rolled_back: async (t) => {
    await reach.canary!(t);
    await t.report((await t.hosts()).find((h) => h.switch === 'pending')!.host_id, 'FAILED');
    await t.switchAll();
  },
  aborted: async (t) => {
    await t.deploy();
    await t.abort();
  },
  failed: async (t) => {
    await t.deploy();
    await t.report('h1', 'FAILED');
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
  it.each(Object.entries(expected))('%s', async (phase, state) => {
    const t = await anEngine({ hosts: 4 });
    await reach[phase]!(t);
    expect(await t.state()).toBe(state);
  });
});

type Outcome = RolloutState | 'REFUSED';
type Row = [phase: string, promote: Outcome, pause: Outcome, resume: Outcome, abort: Outcome];

// What each operator action does in each phase.
const ACTIONS: Row[] = [
  ['rolling_back', 'REFUSED', 'REFUSED', 'REFUSED', 'REFUSED'],
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

describe('abort with nothing to go back to', () => {
  it.each(['canary', 'judging'])('a first deploy aborted in %s ends aborted: its hosts had no release before', async (phase) => {
    const t = await anEngine({ hosts: [1, 2, 3, 4].map((n) => ({ id: `h${n}`, live: '' })) });
    await reach[phase]!(t);
    expect((await t.abort()).state).toBe('aborted');
  });
});

describe('operator actions in each phase', () => {
  it.each(cells)('$action in $phase: $outcome', async ({ phase, action, outcome }) => {
    const t = await anEngine({ hosts: 4 });
    await reach[phase]!(t);
    const id = (await t.rollout()).id;
    const act = () => t[action]({ rollout_id: id });
    if (outcome === 'REFUSED') {
      await expect(act()).rejects.toThrow(expect.objectContaining({ code: 'REFUSED' }));
    } else {
      expect((await act()).state).toBe(outcome);
    }
  });

  it('rolling_back cannot be paused, promoted or resumed', async () => {
    const t = await anEngine();
    await reach.rolling_back!(t);
    for (const act of [t.pause, t.promote, t.resume]) await expect(act()).rejects.toThrow(expect.objectContaining({ code: 'REFUSED' }));
  });

  it('with no rollout active, an action says there is nothing to act on', async () => {
    const t = await anEngine();
    await expect(t.promote()).rejects.toThrow('nothing to promote: no rollout is active');
    await expect(t.pause({ rollout_id: 9 })).rejects.toThrow(expect.objectContaining({ code: 'BAD_USAGE', message: 'no rollout #9' }));
  });

  it('an operator pause is not audited as the coordinator pausing; says who paused', async () => {
    const t = await anEngine();
    await t.deploy();
    expect((await t.pause({ actor: 'bob', reason: 'lunch' })).message).toBe('paused by bob: lunch');
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
  it.each(rows)('$phase after $after ms', async ({ phase, after, setup, says }) => {
    const t = await anEngine(setup ?? { hosts: 4 });
    await reach[phase]!(t);
    const before = await t.state();
    await t.advance(after - 1);
    expect(await t.state()).toBe(before);
    await t.advance(1);
    const r = await t.rollout();
    expect(r.state).toBe('paused');
    expect(r.paused_from).toBe(before);
    expect(r.message).toContain(says);
    // Resumed, it gets a fresh deadline of the same length.
    await t.resume();
    expect((await t.rollout()).deadline_ms).toBe(t.clock.now() + after);
  });

  it('watching has no deadline: it completes when the watch is over', async () => {
    const t = await anEngine({ hosts: 4 });
    await reach.watching!(t);
    expect((await t.rollout()).deadline_ms).toBe(0);
    await t.advance(5 * MIN - 1);
    expect(await t.state()).toBe('watching');
    // The watch is judged once a second: it ends at the first look past its end.
    await t.advance(1_000);
    expect(await t.state()).toBe('complete');
    expect((await t.rollout()).message).toMatch(/^watched 5m at 100%: not judged to the end/);
  });

  it('a revert whose hosts stay silent ends as asked, naming them', async () => {
    const t = await anEngine({ hosts: 4 });
    await reach.rolling_back!(t);
    await t.advance(2 * MIN);
    expect(await t.state()).toBe('aborted');
    expect((await t.rollout()).message).toMatch(/1 host\(s\) did not confirm in time: h\d/);
  });

  it('a rollback whose hosts stay silent fails, naming them', async () => {
    const t = await anEngine({ hosts: 2 });
    await t.rollback({ to: 'v2' });
    await t.advance(2 * MIN);
    expect(await t.state()).toBe('failed');
    expect((await t.hosts()).map((h) => h.error)).toEqual(['no report before the switch deadline', 'no report before the switch deadline']);
  });
});

describe('halt and unhalt', () => {
  it('time halted does not count against a deadline or a bake', async () => {
    const t = await anEngine({ hosts: 4 });
    await reach.judging!(t);
    const { deadline_ms, phase_started_ms } = await t.rollout();
    await t.advance(30_000);
    await t.halt();
    await t.advance(10 * MIN);
    expect(await t.state()).toBe('judging');
    await t.unhalt();
    expect((await t.rollout()).deadline_ms).toBe(deadline_ms + 10 * MIN);
    expect((await t.rollout()).phase_started_ms).toBe(phase_started_ms + 10 * MIN);
    await t.advance(2 * MIN - 30_000 - 1);
    expect(await t.state()).toBe('judging');
    await t.advance(1);
    expect(await t.state()).toBe('paused');
  });

  it('while halted nothing moves on, and nothing switches; at unhalt it does', async () => {
    const t = await anEngine({ hosts: 3 });
    await t.deploy();
    t.fleet.take();
    await t.halt();
    await t.stageAll();
    expect(await t.state()).toBe('staging');
    await t.unhalt();
    expect(await t.state()).toBe('canary');
    expect(t.fleet.take().map((s) => s.d.kind)).toEqual(['ACTIVATE']);
  });

  it('a switch stored while halted is held back, a stage is not; unhalt sends what is held', async () => {
    const t = await anEngine({ hosts: 1 });
    await t.halt();
    await t.engine.direct('h1', 'REPAIR', releaseId('v1'));
    expect(t.fleet.take()).toEqual([]);
    await t.engine.give('h1', ['STAGE', 'ACTIVATE'], releaseId('v2'), async () => {});
    expect(t.fleet.take().map((s) => s.d.kind)).toEqual(['STAGE']);
    // A host saying hello while halted is not sent its held switch either.
    await t.engine.onHello((await t.store.hosts.get('h1'))!, { host_id: 'h1', tags: {}, slot_count: 3, slots: [], live_release: releaseId('v1'), last_generation: 0, agent_version: '', last_report: null, unsigned_allowed: false });
    expect(t.fleet.take()).toEqual([]);
    await t.unhalt();
    expect(t.fleet.take().map((s) => s.d.kind)).toEqual(['ACTIVATE']);
  });

  it.each(['deploy', 'rollback', 'promote', 'resume', 'abort'] as const)('%s is refused while halted', async (action) => {
    const t = await anEngine();
    await reach.judging!(t);
    await t.halt();
    const act = { deploy: async () => await t.deploy({ supersede: true }), rollback: async () => await t.rollback(), promote: async () => await t.promote(), resume: async () => await t.resume(), abort: async () => await t.abort() }[action];
    await expect(act()).rejects.toThrow(expect.objectContaining({ code: 'HALTED' }));
  });

  it('pause is allowed while halted', async () => {
    const t = await anEngine();
    await reach.judging!(t);
    await t.halt();
    expect((await t.pause()).state).toBe('paused');
  });
});

describe('supersede', () => {
  it.each(['staging', 'canary', 'judging', 'wave (baking)', 'paused'])('a deploy during %s is refused unless it supersedes', async (phase) => {
    const t = await anEngine({ hosts: 4, releases: { v1: '', v2: '', v3: '' } });
    await reach[phase]!(t);
    const first = (await t.rollout()).id;
    await expect(t.deploy({ release: 'v3' })).rejects.toThrow(expect.objectContaining({ code: 'ROLLOUT_ACTIVE' }));
    const second = await t.deploy({ release: 'v3', supersede: true });
    expect(second.state).toBe('staging');
    expect(await t.store.rollouts.get(first)).toMatchObject({ state: 'superseded', message: `superseded by rollout #${second.id}` });
  });

  it('a rollback supersedes the active deploy, and goes back to where it came from', async () => {
    const t = await anEngine({ hosts: 4 });
    await reach.judging!(t);
    const first = (await t.rollout()).id;
    const rb = await t.rollback();
    expect(await t.store.rollouts.get(first)).toMatchObject({ state: 'superseded', message: `superseded by rollback #${rb.id}` });
    expect(rb.release_id).toBe(releaseId('v1'));
  });

  it("the superseded rollout's hosts are the new rollout's: their reports count there", async () => {
    const t = await anEngine({ hosts: 2, releases: { v1: '', v2: '', v3: '' } });
    await t.deploy();
    await t.deploy({ release: 'v3', supersede: true });
    await t.stageAll();
    expect(await t.state()).toBe('canary');
  });
});

describe('the watch', () => {
  it('a deploy during the watch ends it as complete, and is not refused', async () => {
    const t = await anEngine({ hosts: 4, releases: { v1: '', v2: '', v3: '' } });
    await reach.watching!(t);
    const first = (await t.rollout()).id;
    const next = await t.deploy({ release: 'v3' });
    expect(await t.store.rollouts.get(first)).toMatchObject({ state: 'complete', message: `watch ended early: rollout #${next.id} deploys v3` });
    expect(next.state).toBe('staging');
    // Where the new deploy comes from is what the watched one put out.
    expect(next.from_release).toBe(releaseId('v2'));
  });

  it('promote ends the watch, saying who', async () => {
    const t = await anEngine({ hosts: 4 });
    await reach.watching!(t);
    expect(await t.promote({ actor: 'carol', reason: 'seen enough' })).toMatchObject({ state: 'complete', message: 'watch ended by carol: seen enough' });
  });
});

describe('commit, then send', () => {
  it('nothing leaves before the transaction it was stored in commits', async () => {
    const t = await anEngine({ hosts: 3 });
    await t.store.tx(async () => {
      await t.deploy();
      expect(t.fleet.sent).toEqual([]);
    });
    expect(t.fleet.take().map((s) => `${s.host} ${s.d.kind}`)).toEqual(['h1 STAGE', 'h2 STAGE', 'h3 STAGE']);
  });

  it('nothing leaves from a transaction that rolls back', async () => {
    const t = await anEngine({ hosts: 3 });
    await expect(
      t.store.tx(async () => {
        await t.deploy();
        throw new Error('audit append failed');
      }),
    ).rejects.toThrow('audit append failed');
    expect(t.fleet.sent).toEqual([]);
    expect(await t.store.rollouts.latest()).toBeUndefined();
  });

  it('a host offline at deploy is told nothing; its wave stores its switch, sent at its hello', async () => {
    const t = await anEngine({ hosts: [{ id: 'h1' }, { id: 'h2' }, { id: 'h3', online: false }] });
    await t.deploy({ skip_offline: true });
    expect(t.fleet.take().map((s) => s.host)).toEqual(['h1', 'h2']);
    expect((await t.hosts()).find((h) => h.host_id === 'h3')).toMatchObject({ stage: 'skipped', cohort: { kind: 'wave', n: 1 } });
    await t.stageAll();
    await t.switchAll();
    await t.promote();
    expect(await t.state()).toBe('wave');
    expect(t.fleet.take().filter((s) => s.host === 'h3')).toEqual([]);
    t.fleet.connected.add('h3');
    await t.engine.onHello((await t.store.hosts.get('h3'))!, { host_id: 'h3', tags: {}, slot_count: 3, slots: [], live_release: releaseId('v1'), last_generation: 0, agent_version: '', last_report: null, unsigned_allowed: false });
    expect(t.fleet.take()).toEqual([{ host: 'h3', d: expect.objectContaining({ kind: 'ACTIVATE', release_id: releaseId('v2') }) }]);
  });

  it('resume sends a host the directive it is still waited on for', async () => {
    const t = await anEngine({ hosts: 2 });
    await reach.canary!(t);
    await t.pause();
    t.fleet.take();
    await t.resume();
    expect(t.fleet.take().map((s) => s.d.kind)).toEqual(['ACTIVATE']);
  });
});
