import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Agent } from '../agent/agent.js';
import type { Host__Output as Host } from '../shared/gen/fleetswap/v1/Host.js';
import type { Release__Output as Release } from '../shared/gen/fleetswap/v1/Release.js';
import {
  AdminClient,
  aCoordinatorProcess,
  aRelease,
  aTree,
  anAgent,
  cleanup,
  deployAndWait,
  freePort,
  runCli,
  tempDir,
  waitFor,
  startDeploy,
  waitRollout,
  type AgentProcess,
} from './fixtures.js';

// CONTRACT invariant 7: a coordinator killed at any moment resumes where it was.

describe('coordinator SIGKILLed and restarted', () => {
  const agents: Agent[] = [];
  let coordinator: AgentProcess | undefined;
  let dir = '';

  afterAll(async () => {
    for (const a of agents) await a.stop();
    coordinator?.child.kill('SIGKILL');
    await cleanup(dir);
  });

  it('keeps releases, hosts, desired state and history, and finishes a rollout it was running', async () => {
    dir = await tempDir();
    const address = `127.0.0.1:${await freePort()}`;
    const data = join(dir, 'data');
    coordinator = await aCoordinatorProcess(data, address);
    for (const id of ['web-1', 'web-2']) agents.push(await anAgent(address, join(dir, id), { id, tags: { role: 'web' } }));
    let client = new AdminClient(address);
    const hosts = async () => (await client.call('ListHosts', {})).hosts;
    await waitFor('agents connected', async () => (await hosts()).filter((h) => h.connected).length === 2);

    const v1 = await aRelease(client, await aTree(join(dir, 'b1'), { 'index.html': 'one' }), 'v1');
    expect((await deployAndWait(client, 'v1')).state).toBe('complete');

    coordinator.child.kill('SIGKILL');
    await coordinator.exited;
    coordinator = await aCoordinatorProcess(data, address);
    // Like each CLI command, a fresh channel after the restart.
    client.close();
    client = new AdminClient(address);

    const releases = JSON.parse((await runCli(['releases', '--json', '--coordinator', address])).stdout) as Release[];
    expect(releases.map((r) => r.label)).toEqual(['v1']);
    const after: Host[] = await hosts();
    expect(after.map((h) => [h.id, h.desired_release, h.live_release])).toEqual([
      ['web-1', v1.id, v1.id],
      ['web-2', v1.id, v1.id],
    ]);
    expect((await client.call('History', {})).changes).toHaveLength(1);
    await waitFor('agents reconnected', async () => (await hosts()).filter((h) => h.connected).length === 2);

    // Kill it again right after it accepted a deploy: the rollout is durable.
    const v2 = await aRelease(client, await aTree(join(dir, 'b2'), { 'index.html': 'two' }), 'v2');
    const rollout = await startDeploy(client, 'v2', { timeout_ms: 60_000 });
    coordinator.child.kill('SIGKILL');
    await coordinator.exited;
    coordinator = await aCoordinatorProcess(data, address);
    client.close();
    client = new AdminClient(address);
    const final = await waitRollout(client, rollout.id);
    expect(final.state, final.message).toBe('complete');
    await waitFor('both hosts on v2', () => agents.every((a) => a.liveRelease() === v2.id));
    client.close();
  });
});
