import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Coordinator } from '../../coordinator/coordinator.js';
import type { AgentFailpoint } from '../../shared/failpoints.js';
import {
  AdminClient,
  InvariantSampler,
  aCoordinator,
  aRelease,
  aTree,
  anAgentProcess,
  checkLive,
  cleanup,
  deployAndWait,
  startDeploy,
  tempDir,
  waitFor,
  waitRollout,
  type AgentProcess,
} from '../fixtures.js';
import { FULL, leftovers, seeded, withTimeout } from './support.js';

// CONTRACT invariants 1 and 3 under SIGKILL: an agent process dies at a seeded
// random point of staging or switching. Whatever it left behind, `current`
// must resolve to a complete slot of an expected release, and once restarted
// the host must converge, clean up after itself, and still hold the previous
// release for an instant rollback.

const FILES = 12;
// Every third file changes with each release and is fetched; the others are
// copied from a slot, so both ways of placing a file get killed in.
const build = (label: string): Record<string, string> =>
  Object.fromEntries(Array.from({ length: FILES }, (_, i) => [`app/${i}.txt`, i % 3 === 0 ? `${label}-${i}` : `same-${i}`]));
const FETCHED = Math.ceil(FILES / 3);

/**
 * How often each failpoint is hit while one deploy goes through, and whether
 * the host has switched by the Nth hit. An ACTIVATE of a release already in a
 * slot stages nothing, so staging points are hit during STAGE only.
 */
const POINTS: Record<AgentFailpoint, { hits: number; switchedBy: (n: number) => boolean }> = {
  'stage-after-blob-write': { hits: FETCHED, switchedBy: () => false },
  'stage-after-file': { hits: FILES, switchedBy: () => false },
  'stage-before-commit': { hits: 1, switchedBy: () => false },
  'slot-after-unmark': { hits: 1, switchedBy: () => false },
  'slot-after-rename': { hits: 1, switchedBy: () => false },
  'swap-after-symlink': { hits: 1, switchedBy: () => false },
  'swap-after-rename': { hits: 1, switchedBy: () => true },
  // Persisted after STAGE (hit 1), then after ACTIVATE (hit 2).
  'agent-after-persist': { hits: 2, switchedBy: (n) => n === 2 },
};

const KILLS = FULL ? 104 : 8;
const rng = seeded('crash-matrix');
const names = Object.keys(POINTS) as AgentFailpoint[];
// Every failpoint at least once (shuffled), then uniformly random ones.
const order = [...names];
for (let i = order.length - 1; i > 0; i--) {
  const j = rng.int(0, i);
  [order[i], order[j]] = [order[j] as AgentFailpoint, order[i] as AgentFailpoint];
}
while (order.length < KILLS) order.push(names[rng.int(0, names.length - 1)] as AgentFailpoint);
const plan = order.slice(0, KILLS).map((name, i) => ({ kill: i + 1, name, nth: rng.int(1, POINTS[name].hits) }));

describe(`agent SIGKILLed at ${KILLS} seeded points of staging and switching (--slots 3)`, () => {
  let coordinator: Coordinator;
  let client: AdminClient;
  let sampler: InvariantSampler;
  let dir = '';
  let agent: AgentProcess | undefined;
  const root = () => join(dir, 'host');
  /** Releases in the order they went live on the host. */
  const deployed: string[] = [];

  /** startAgent starts `fleetswap agent` once the coordinator has let go of the last one, and waits until it said hello. */
  const startAgent = async (env: Record<string, string> = {}): Promise<AgentProcess> => {
    await waitFor('the previous agent to be gone', () => coordinator.fleet.connectedCount() === 0);
    const a = anAgentProcess({ coordinator: coordinator.address, id: 'web-1', root: root(), extra: ['--slots', '3'], env });
    await waitFor('agent connected', () => coordinator.fleet.connectedCount() === 1 || a.child.exitCode !== null);
    if (a.child.exitCode !== null) throw new Error(`agent exited before connecting:\n${a.output()}`);
    return a;
  };

  const killAgent = async (): Promise<void> => {
    agent?.child.kill('SIGKILL');
    await agent?.exited;
    agent = undefined;
  };

  const pushRelease = async (label: string): Promise<string> => (await aRelease(client, await aTree(join(dir, 'builds', label), build(label)), label)).id;

  /** slotReleases is what `fleetswap hosts --json` says the host holds in its slots. */
  const slotReleases = async (): Promise<string[]> => {
    const [host] = (await client.call('ListHosts', {})).hosts;
    return (host?.slots ?? []).map((s) => s.release_id).sort();
  };

  beforeAll(async () => {
    console.log(`[crash-matrix] plan: ${plan.map((p) => `${p.name}:${p.nth}`).join(' ')}`);
    dir = await tempDir();
    coordinator = await aCoordinator(join(dir, 'data'));
    client = new AdminClient(coordinator.address);
    sampler = new InvariantSampler([root()]).start();
    // Fill the ring, so that every kill lands while the oldest slot is reused.
    agent = await startAgent();
    for (const label of ['r1', 'r2', 'r3']) {
      const id = await pushRelease(label);
      expect((await deployAndWait(client, label)).state).toBe('complete');
      deployed.push(id);
    }
    await killAgent();
  });

  afterAll(async () => {
    sampler.stop();
    await killAgent();
    client.close();
    await coordinator.stop();
    await cleanup(dir);
  });

  /** killAndRecover deploys a new release to an agent armed at `name:nth`, checks the host at its death, restarts it, checks it converged. */
  const killAndRecover = async (label: string, name: AgentFailpoint, nth: number): Promise<void> => {
    const release = await pushRelease(label);
    const before = deployed.at(-1) as string;
    try {
      agent = await startAgent({ FLEETSWAP_FAILPOINT: `${name}:${nth}` });
      const rollout = await startDeploy(client, label, { timeout_ms: 60_000 });
      const died = await withTimeout(`the agent to die at ${name}:${nth}`, agent.exited, 30_000, () => agent?.output() ?? '');
      expect(died.signal, agent.output()).toBe('SIGKILL');
      agent = undefined;
      // Killed before the rename of `current`, the host serves what it served; after it, the new release.
      expect(await checkLive(root())).toBe(POINTS[name].switchedBy(nth) ? release : before);

      agent = await startAgent();
      const final = await waitRollout(client, rollout.id);
      expect(final.state, final.message).toBe('complete');
      deployed.push(release);
      expect(await checkLive(root())).toBe(release);
      expect(await leftovers(root())).toEqual({ unmarkedSlots: [], tmp: [] });
      // Three slots: live, previous (kept for an instant rollback), and the one before.
      expect(await slotReleases()).toEqual(deployed.slice(-3).sort());
    } finally {
      await killAgent();
    }
  };

  it.each(plan)('kill $kill at $name:$nth leaves a complete live slot; the restarted host converges', ({ kill, name, nth }) =>
    killAndRecover(`k${kill}`, name, nth),
  );

  /** plainDeploy deploys a new release with no failpoint armed and checks the ring kept live, previous and the one before. */
  const plainDeploy = async (label: string): Promise<void> => {
    const release = await pushRelease(label);
    try {
      agent = await startAgent();
      expect((await deployAndWait(client, label)).state).toBe('complete');
      deployed.push(release);
      expect(await checkLive(root())).toBe(release);
      expect(await slotReleases()).toEqual(deployed.slice(-3).sort());
    } finally {
      await killAgent();
    }
  };

  it('two switches in a row killed before they were recorded: the next staging still spares the previous release', async () => {
    await killAndRecover('twice-1', 'swap-after-rename', 1);
    await killAndRecover('twice-2', 'swap-after-rename', 1);
    await plainDeploy('twice-3');
  });

  it('after every kill, a plain deploy still stages beside the live and the previous release', () => plainDeploy('after'));

  it('never let current point at a missing or incomplete slot', () => {
    expect(sampler.stop()).toEqual([]);
  });
});
