import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Agent } from '../../agent/agent.js';
import type { Coordinator } from '../../coordinator/coordinator.js';
import type { DesiredChange } from '../../shared/wire.js';
import { TEST_TOKEN, TWO_PHASE, aCoordinator, aTree, anAgent, cleanup, runCli, tempDir, waitFor } from '../fixtures.js';

// Roles: the coordinator names every actor by kind (token:, host:,
// coordinator) so that one cannot pass for another. Each test performs the
// attack.

interface Entry {
  actor: string;
  action: string;
  target: string;
}

describe('hostile: roles', () => {
  let dir = '';
  const agents: Agent[] = [];
  let coordinator: Coordinator | undefined;
  afterEach(async () => {
    for (const a of agents.splice(0)) await a.stop();
    await coordinator?.stop();
    coordinator = undefined;
    await cleanup(dir);
  });

  it('a token named like a host acts as token:web-1, never as host:web-1, in the audit log and history', async () => {
    dir = await tempDir();
    coordinator = await aCoordinator(join(dir, 'data'));
    agents.push(await anAgent(coordinator.address, join(dir, 'web-1'), { id: 'web-1' }));
    await waitFor('web-1 connected', () => coordinator!.fleet.isConnected('web-1'));
    const cli = (token: string, ...args: string[]) => runCli([...args, '--coordinator', coordinator!.address], { FLEETSWAP_TOKEN: token });

    const made = await cli(TEST_TOKEN, 'token', 'create', '--name', 'web-1', '--role', 'deployer');
    expect(made.code, made.stderr).toBe(0);
    const impostor = made.stdout.trim();
    expect((await cli(impostor, 'push', await aTree(join(dir, 'v1'), { 'index.html': 'one' }), '--version', 'v1')).code).toBe(0);
    const deployed = await cli(impostor, 'deploy', 'v1', ...TWO_PHASE, '--watch', '--reason', 'looks like the host did it');
    expect(deployed.code, deployed.stderr).toBe(0);

    const entries = JSON.parse((await cli(TEST_TOKEN, 'audit', '--json')).stdout) as Entry[];
    expect(entries.map((e) => [e.actor, e.action])).toEqual([
      ['token:bootstrap-admin', 'token-create'],
      ['token:web-1', 'push'],
      ['token:web-1', 'deploy'],
      ['host:web-1', 'staged'],
      ['host:web-1', 'switched'],
    ]);
    const history = JSON.parse((await cli(TEST_TOKEN, 'history', '--json')).stdout) as DesiredChange[];
    expect(history.map((h) => h.actor)).toEqual(['token:web-1']);
    const releases = JSON.parse((await cli(TEST_TOKEN, 'releases', '--json')).stdout) as { pushed_by: string }[];
    expect(releases.map((r) => r.pushed_by)).toEqual(['token:web-1']);

    // Names that could be read as another kind of actor, or as another token, are refused.
    for (const name of ['host:web-1', 'Web-1', 'coordinator', 'web-1.', '-web']) {
      const res = await cli(TEST_TOKEN, 'token', 'create', '--name', name, '--role', 'viewer');
      expect(res.code, name).toBe(2);
      expect(res.stderr, name).toMatch(/^fleetswap: (bad token name "[^"]*": 1-64 lower-case letters|token name coordinator is reserved)[^\n]*\n$/);
    }
    const tokens = JSON.parse((await cli(TEST_TOKEN, 'token', 'list', '--json')).stdout) as { name: string }[];
    expect(tokens.map((t) => t.name)).toEqual(['bootstrap-admin', 'web-1']);
  }, 60_000);
});
