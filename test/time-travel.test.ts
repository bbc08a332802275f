import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Agent } from '../agent/agent.js';
import type { Coordinator } from '../coordinator/coordinator.js';
import type { DesiredChange__Output as DesiredChange } from '../shared/gen/fleetswap/v1/DesiredChange.js';
import { AdminClient, aCoordinator, aTree, anAgent, checkLive, cleanup, deployAndWait, runCli, tempDir, waitFor } from './fixtures.js';
import { push } from '../cli/push.js';

// "Put it back to how it was six hours ago": every host goes back to the
// release it was meant to run at that moment, even when hosts changed at
// different times.

describe('rollback --to a time ago', () => {
  let dir = '';
  let coordinator: Coordinator | undefined;
  let client: AdminClient | undefined;
  const agents: Agent[] = [];
  afterAll(async () => {
    for (const a of agents) await a.stop();
    client?.close();
    await coordinator?.stop();
    await cleanup(dir);
  });

  it('sends each host to what it was meant to run then, and refuses to cross an irreversible release unless forced', async () => {
    dir = await tempDir();
    coordinator = await aCoordinator(join(dir, 'data'));
    client = new AdminClient(coordinator.address);
    const hosts = { 'east-1': 'east', 'east-2': 'east', 'west-1': 'west', 'west-2': 'west' };
    for (const [id, dc] of Object.entries(hosts)) agents.push(await anAgent(coordinator.address, join(dir, id), { id, tags: { dc } }));
    await waitFor('agents', () => coordinator!.fleet.connectedCount() === 4);
    const release = async (label: string, irreversible = '') =>
      (await push(client!, await aTree(join(dir, 'builds', label), { version: label }), { label, owner: '', notes: '', irreversible }, false)).release.id;
    const cli = (...args: string[]) => runCli([...args, '--coordinator', coordinator!.address]);
    // Wide gaps: a loaded machine may take a second or two to start the CLI, and the moment is counted from its call.
    const pause = () => new Promise((r) => setTimeout(r, 3_000));

    const v1 = await release('v1');
    expect((await deployAndWait(client, 'v1')).state).toBe('complete');
    await pause();
    const v2 = await release('v2');
    expect((await deployAndWait(client, 'v2', { select: { dc: 'east' } })).state).toBe('complete');
    const eastChanged = Date.now();
    await pause();
    const v3 = await release('v3', 'drops the carts table');
    expect((await deployAndWait(client, 'v3')).state).toBe('complete');
    const allChanged = Date.now();

    // A moment after east took v2 and before everyone took v3.
    const between = Math.round((eastChanged + allChanged) / 2);
    const refused = await cli('rollback', '--to', `${Date.now() - between}ms`);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/v3 is irreversible \(drops the carts table\).*--force-irreversible --reason/);

    // Called in-process: the moment must not move by however long a CLI takes to start.
    const ago = `${Date.now() - between}ms`;
    const rollout = await client.rollout('Rollback', { to: ago, select: {}, actor: 'tests', reason: 'carts restored from backup', force_irreversible: true });
    expect(rollout.message).toMatch(new RegExp(`switching 4 host\\(s\\) to (v2, v1|v1, v2) \\(what each ran ${ago} ago\\)`));
    for (const a of agents) {
      const want = a.opts.tags?.dc === 'east' ? v2 : v1;
      await waitFor(`${a.opts.id} on its release of then`, () => a.liveRelease() === want);
      expect(await checkLive(a.layout.root)).toBe(want);
    }
    const history = JSON.parse((await cli('history', '--json')).stdout) as DesiredChange[];
    const back = history.filter((c) => c.action.startsWith(`rollback to ${ago} ago`));
    expect(back.map((c) => [c.to_release, c.hosts.sort()])).toEqual(
      expect.arrayContaining([
        [v2, ['east-1', 'east-2']],
        [v1, ['west-1', 'west-2']],
      ]),
    );
    expect(back.every((c) => c.reason === 'carts restored from backup' && c.from_release === v3)).toBe(true);

    const tooFar = await cli('rollback', '--to', '2d');
    expect(tooFar.code).toBe(1);
    expect(tooFar.stderr).toMatch(/had no desired release 2d ago/);
  }, 60_000);
});
