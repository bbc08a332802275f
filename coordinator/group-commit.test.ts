import { describe, expect, it } from 'vitest';
import { FleetswapError } from '../shared/errors.js';
import { aStore } from '../test/database.js';
import { GroupCommit } from './group-commit.js';
import type { Store } from './store.js';

// GroupCommit on this run's backend (SQLite, or PostgreSQL with
// FLEETSWAP_TEST_DATABASE=postgres): what arrives while the lane is busy is
// committed together, and one bad job costs only its own stream.

const seen = (store: Store, id: string) =>
  store.hosts.upsertSeen({ id, tags: {}, slot_count: 3, slots: [], live_release: '', last_generation: 0, unsigned_allowed: false, at_ms: 0 });

/** busy holds the Store's lane with a transaction until the returned function is called. */
async function busy(store: Store): Promise<() => Promise<void>> {
  let release!: () => void;
  let started!: () => void;
  const began = new Promise<void>((r) => (started = r));
  const held = store.tx(async () => {
    started();
    await new Promise<void>((r) => (release = r));
  });
  await began;
  return async () => {
    release();
    await held;
  };
}

describe('GroupCommit', () => {
  it('commits the jobs that waited for the lane in one transaction, settles once, and sends nothing before the commit', async () => {
    const store = await aStore();
    const settled: number[] = [];
    const commits = new GroupCommit(store, async () => {
      // settle sees every job's writes, in their transaction.
      settled.push((await store.hosts.all()).length);
    });
    const free = await busy(store);
    const memos = new Set<unknown>();
    const sent: string[] = [];
    const done = ['web-1', 'web-2', 'web-3'].map((id) =>
      commits.run(async () => {
        memos.add(store.db.memo());
        await seen(store, id);
        store.afterCommit(() => sent.push(id));
        return id;
      }),
    );
    expect(sent).toEqual([]);
    await free();
    expect(await Promise.all(done)).toEqual(['web-1', 'web-2', 'web-3']);
    expect(memos.size).toBe(1);
    expect(settled).toEqual([3]);
    expect(sent).toEqual(['web-1', 'web-2', 'web-3']);
  });

  it('refuses only the job that failed: the others are committed, and nothing of the failed one is kept', async () => {
    const store = await aStore();
    let settles = 0;
    const commits = new GroupCommit(store, async () => void settles++);
    const free = await busy(store);
    const ok1 = commits.run(() => seen(store, 'web-1'));
    const bad = commits.run(async () => {
      await seen(store, 'forged');
      throw new FleetswapError('BAD_USAGE', 'report for generation 9, which was never issued');
    });
    const ok2 = commits.run(() => seen(store, 'web-2'));
    await free();
    await expect(bad).rejects.toThrow(/never issued/);
    await ok1;
    await ok2;
    expect((await store.hosts.all()).map((h) => h.id)).toEqual(['web-1', 'web-2']);
    // The spoiled batch never reached its settle; each good job, run again alone, did.
    expect(settles).toBe(2);
  });

  it('fails every job alike, without trying each again, when this coordinator no longer leads', async () => {
    const store = await aStore();
    const commits = new GroupCommit(store, async () => undefined);
    let runs = 0;
    store.fenceWith(async () => {
      throw new FleetswapError('NOT_LEADER', 'coordinator c1 leads now (epoch 4)');
    });
    const jobs = [commits.run(async () => void runs++), commits.run(async () => void runs++)];
    for (const j of jobs) await expect(j).rejects.toMatchObject({ code: 'NOT_LEADER' });
    expect(runs).toBe(0);
    // The queue is not stuck behind the failure: once leading again, the next job commits.
    store.fenceWith(async () => undefined);
    await commits.run(() => seen(store, 'web-1'));
    expect((await store.hosts.all()).map((h) => h.id)).toEqual(['web-1']);
  });

  it('within a transaction, reads what the transaction wrote: the active rollout, the halt and the audit head', async () => {
    const store = await aStore();
    const id = await store.rollouts.insert({
      kind: 'deploy',
      state: 'staging',
      release_id: 'r'.repeat(64),
      from_release: '',
      actor: 'ci',
      reason: '',
      selector: {},
      message: '',
      created_at_ms: 1,
      updated_at_ms: 1,
      deadline_ms: 0,
      switch_timeout_ms: 0,
      plan: { canary_hosts: 0, waves: [], bake_ms: 0, wave_bake_ms: 0, watch_ms: 0, manual_promote: false, spread: '' },
    });
    await store.tx(async () => {
      expect((await store.rollouts.active())?.id).toBe(id);
      await store.rollouts.update(id, { state: 'complete', updated_at_ms: 2 });
      expect(await store.rollouts.active()).toBeUndefined();
      expect((await store.meta.halt()).halted).toBe(false);
      await store.meta.setHalt({ halted: true, reason: 'incident', actor: 'ops', at_ms: 3 });
      expect((await store.meta.halt()).reason).toBe('incident');
      expect(await store.audit.last()).toBeUndefined();
      await store.audit.append({ id: 1, at_ms: 4, actor: 'ops', action: 'halt', target: '', reason: '', detail: '{}', prev: '', hash: 'h1' });
      expect((await store.audit.last())?.hash).toBe('h1');
    });
    // A transaction rolled back leaves nothing remembered behind it.
    await expect(
      store.tx(async () => {
        await store.meta.setHalt({ halted: false, reason: '', actor: 'ops', at_ms: 5 });
        throw new Error('changed its mind');
      }),
    ).rejects.toThrow(/changed its mind/);
    await store.tx(async () => expect((await store.meta.halt()).halted).toBe(true));
  });
});
