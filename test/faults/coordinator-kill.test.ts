import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../agent/agent.js';
import type { CoordinatorFailpoint } from '../../shared/failpoints.js';
import type { DesiredChange__Output as DesiredChange } from '../../shared/gen/fleetswap/v1/DesiredChange.js';
import type { Host__Output as Host } from '../../shared/gen/fleetswap/v1/Host.js';
import type { Release__Output as Release } from '../../shared/gen/fleetswap/v1/Release.js';
import type { Rollout__Output as Rollout } from '../../shared/gen/fleetswap/v1/Rollout.js';
import {
  AdminClient,
  InvariantSampler,
  aCoordinatorProcess,
  aRelease,
  aTree,
  anAgent,
  checkLive,
  cleanup,
  freePort,
  runCli,
  tempDir,
  waitFor,
  type AgentProcess,
  TWO_PHASE,
} from '../fixtures.js';
import { FULL, seeded, seededBytes, sleep, withTimeout } from './support.js';

// CONTRACT invariant 7: a coordinator killed at any moment resumes where it
// was. The coordinator is a real process SIGKILLed at each phase of a
// rollout (deterministically, with failpoints) and at a random moment while
// hosts stage a larger tree; restarted at the same address, it must finish
// the rollout, and `hosts`, `history` and `releases` must say exactly what
// happened: nothing lost, nothing twice.

const IDS = ['web-1', 'web-2', 'web-3'];
// Enough bytes that staging takes a while: the random kill must land inside it.
const BIG_FILES = FULL ? 400 : 160;
const BIG_FILE_BYTES = 16 * 1024;

const bigTree = (seed: number): Record<string, Buffer> =>
  Object.fromEntries(Array.from({ length: BIG_FILES }, (_, i) => [`assets/${i}.bin`, seededBytes(seed * 100_000 + i, BIG_FILE_BYTES)]));

interface HistoryEntry {
  action: string;
  from_release: string;
  to_release: string;
  hosts: string[];
}

describe('coordinator SIGKILLed at each rollout phase, then restarted at the same address', () => {
  const rng = seeded('coordinator-kill');
  const agents: Agent[] = [];
  let coordinator: AgentProcess;
  let sampler: InvariantSampler;
  let dir = '';
  let address = '';
  let data = '';
  /** What `history --json` must list: every desired-state change, once each. */
  const expectedHistory: HistoryEntry[] = [];
  const labels: string[] = [];
  let live = '';

  const root = (id: string) => join(dir, 'hosts', id);
  const cli = async <T>(...args: string[]): Promise<T> => {
    const res = await runCli([...args, '--json', '--coordinator', address]);
    expect(res.code, res.stderr).toBe(0);
    return JSON.parse(res.stdout) as T;
  };

  /** withClient gives a fresh admin channel, as each CLI command would have after a restart. */
  const withClient = async <T>(fn: (c: AdminClient) => Promise<T>): Promise<T> => {
    const c = new AdminClient(address);
    try {
      return await fn(c);
    } finally {
      c.close();
    }
  };

  const startCoordinator = async (env: Record<string, string> = {}): Promise<void> => {
    coordinator = await aCoordinatorProcess(data, address, env);
    await withClient((c) => waitFor('every agent connected', async () => (await c.call('ListHosts', {})).hosts.filter((h) => h.connected).length === IDS.length));
  };

  // Between rollouts there is nothing to lose: a kill is as good as a stop, and quicker.
  const stopCoordinator = async (): Promise<void> => {
    coordinator.child.kill('SIGKILL');
    await coordinator.exited;
  };

  const push = (label: string, files: Record<string, string | Buffer>): Promise<Release> =>
    withClient(async (c) => {
      const r = await aRelease(c, await aTree(join(dir, 'builds', label), files), label);
      labels.push(label);
      return r;
    });

  /** waitFinished waits for the latest rollout to end and returns it as `status --json` shows it. */
  const waitFinished = (): Promise<Rollout> =>
    withClient((c) =>
      waitFor('the resumed rollout to end', async () => {
        const { rollout } = await c.call('Status', { rollout_id: 0 });
        return rollout && ['complete', 'failed', 'superseded'].includes(rollout.state) ? rollout : undefined;
      }),
    );

  /** expectFleetOn checks what an operator would look at after the restart. */
  const expectFleetOn = async (release: Release, rolloutsBefore: number): Promise<void> => {
    await withClient((c) =>
      waitFor('every host to report the new release live', async () => (await c.call('ListHosts', {})).hosts.every((h) => h.live_release === release.id)),
    );
    const [status, history, hosts, releases] = await Promise.all([
      cli<{ rollout: Rollout }>('status'),
      cli<DesiredChange[]>('history'),
      cli<Host[]>('hosts'),
      cli<Release[]>('releases'),
    ]);
    expect(status.rollout.id, 'one rollout per deploy, none lost, none doubled').toBe(rolloutsBefore + 1);
    expect(status.rollout).toMatchObject({ kind: 'deploy', state: 'complete', release_id: release.id });

    expectedHistory.push({ action: 'deploy', from_release: live, to_release: release.id, hosts: IDS });
    live = release.id;
    expect(history.map((h) => ({ action: h.action, from_release: h.from_release, to_release: h.to_release, hosts: h.hosts }))).toEqual(expectedHistory);
    expect(new Set(history.map((h) => h.id)).size).toBe(history.length);

    expect(hosts.map((h) => [h.id, h.connected, h.desired_release, h.live_release])).toEqual(IDS.map((id) => [id, true, release.id, release.id]));
    expect(releases.map((r) => r.label)).toEqual(labels);
    for (const id of IDS) expect(await checkLive(root(id))).toBe(release.id);
  };

  const rolloutCount = (): Promise<number> => withClient(async (c) => (await c.call('Status', { rollout_id: 0 })).rollout?.id ?? 0);

  beforeAll(async () => {
    dir = await tempDir();
    address = `127.0.0.1:${await freePort()}`;
    data = join(dir, 'data');
    coordinator = await aCoordinatorProcess(data, address);
    for (const id of IDS) agents.push(await anAgent(address, root(id), { id, tags: { role: 'web' } }));
    sampler = new InvariantSampler(IDS.map(root)).start();
    await withClient((c) => waitFor('every agent connected', async () => (await c.call('ListHosts', {})).hosts.filter((h) => h.connected).length === IDS.length));
    const v0 = await push('v0', { 'index.html': 'v0' });
    const res = await runCli(['deploy', 'v0', ...TWO_PHASE, '--watch', '--coordinator', address]);
    expect(res.code, res.stderr + res.stdout).toBe(0);
    expectedHistory.push({ action: 'deploy', from_release: '', to_release: v0.id, hosts: IDS });
    live = v0.id;
  });

  afterAll(async () => {
    sampler.stop();
    for (const a of agents) await a.stop();
    coordinator.child.kill('SIGKILL');
    await cleanup(dir);
  });

  // Where each kill lands, and what `fleetswap deploy` (without --watch) sees of it.
  const PHASES: [CoordinatorFailpoint, string, number][] = [
    // Rollout and STAGE directives committed, none sent, no answer to the CLI.
    ['rollout-after-stage-commit', 'the deploy call is cut off: exit 1, one line', 1],
    // Every host staged; desired state and ACTIVATE directives committed, none sent.
    ['rollout-after-switch-commit', 'the deploy was already accepted', 0],
    // The last host's ACTIVATED report moved the rollout to complete.
    ['rollout-after-complete', 'the deploy was already accepted', 0],
  ];

  it.each(PHASES)('killed at %s (%s): the rollout resumes and completes, history exact', async (point, _, exit) => {
    const rolloutsBefore = await rolloutCount();
    await stopCoordinator();
    await startCoordinator({ FLEETSWAP_FAILPOINT: point });
    const label = `at-${point.replace('rollout-after-', '')}`;
    const release = await push(label, { 'index.html': label, 'config/app.json': JSON.stringify({ label }) });

    const deploy = await runCli(['deploy', label, ...TWO_PHASE, '--coordinator', address]);
    expect(deploy.code, deploy.stderr).toBe(exit);
    if (exit !== 0) expect(deploy.stderr.trim().split('\n')).toEqual([expect.stringMatching(/cannot reach the coordinator/)]);
    const died = await withTimeout(`the coordinator to die at ${point}`, coordinator.exited, 30_000, coordinator.output);
    expect(died.signal, coordinator.output()).toBe('SIGKILL');

    await startCoordinator();
    const final = await waitFinished();
    expect(final.state, final.message).toBe('complete');
    await expectFleetOn(release, rolloutsBefore);
  });

  it('killed at a random moment while hosts stage a larger tree: the rollout resumes and completes', async () => {
    // A first large release tells how long staging takes here, so the kill can land inside the next one.
    const rolloutsBefore = await rolloutCount();
    const first = await push('big-1', bigTree(1));
    const res = await runCli(['deploy', 'big-1', ...TWO_PHASE, '--watch', '--coordinator', address]);
    expect(res.code, res.stderr + res.stdout).toBe(0);
    await expectFleetOn(first, rolloutsBefore);
    const { rollout } = await withClient((c) => c.call('Status', { rollout_id: 0 }));
    const stagingMs = Math.min(...(rollout?.hosts ?? []).map((h) => h.stats?.duration_ms ?? 0));

    const second = await push('big-2', bigTree(2));
    const deploy = await runCli(['deploy', 'big-2', ...TWO_PHASE, '--coordinator', address]);
    expect(deploy.code, deploy.stderr).toBe(0);
    const stagingDir = async (id: string) => (await readdir(join(root(id), '.fleetswap', 'tmp'))).some((f) => f.startsWith('stage-'));
    await waitFor('a host to start staging', async () => (await Promise.all(IDS.map(stagingDir))).some(Boolean), 20_000, 2);
    const delay = rng.int(0, Math.floor(stagingMs / 2));
    console.log(`[coordinator-kill] staging took ${stagingMs} ms last time; killing ${delay} ms into this one`);
    await sleep(delay);
    // The point of this case: nothing has switched yet when the coordinator dies.
    expect(agents.map((a) => a.liveRelease())).toEqual(IDS.map(() => first.id));
    coordinator.child.kill('SIGKILL');
    await coordinator.exited;

    await startCoordinator();
    const final = await waitFinished();
    expect(final.state, final.message).toBe('complete');
    await expectFleetOn(second, rolloutsBefore + 1);
  });

  it('never let any host serve a missing or incomplete slot', () => {
    expect(sampler.stop()).toEqual([]);
  });
});
