import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Failpoint } from '../shared/failpoints.js';
import type { Coordinator } from '../coordinator/coordinator.js';
import {
  AdminClient,
  aCoordinator,
  aRelease,
  aTree,
  anAgentProcess,
  checkLive,
  cleanup,
  deployAndWait,
  tempDir,
  waitFor,
  startDeploy,
  waitRollout,
} from './fixtures.js';

// An agent killed with SIGKILL at each named point of staging and switching
// (CONTRACT invariant 1): `current` must still resolve to a complete slot whose
// files match its manifest, and after a restart the agent converges.

const build = (label: string, n = 40): Record<string, string> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`f/${i}.txt`, `${label}-${i % 3 === 0 ? label : 'same'}-${i}`]));

const CASES: [Failpoint, number][] = [
  ['stage-after-file', 5],
  ['stage-before-commit', 1],
  ['slot-after-unmark', 1],
  ['slot-after-rename', 1],
  ['swap-after-symlink', 1],
  ['swap-after-rename', 1],
];

describe('agent SIGKILLed while staging and while switching', () => {
  let coordinator: Coordinator | undefined;
  let client: AdminClient | undefined;
  let dir = '';

  afterEach(async () => {
    client?.close();
    await coordinator?.stop();
    await cleanup(dir);
  });

  it.each(CASES)('killed at %s leaves a complete live slot and converges after restart', async (point, nth) => {
    dir = await tempDir();
    coordinator = await aCoordinator(join(dir, 'data'));
    client = new AdminClient(coordinator.address);
    const root = join(dir, 'host');
    const agentArgs = { coordinator: coordinator.address, id: 'web-1', root, extra: ['--slots', '3'] };

    // Fill the ring (3 slots) so the crash lands while reusing the oldest slot.
    let agent = anAgentProcess(agentArgs);
    await waitFor('agent connected', () => coordinator!.fleet.connectedCount() === 1);
    const ids: string[] = [];
    for (const label of ['v1', 'v2', 'v3']) {
      const r = await aRelease(client, await aTree(join(dir, label), build(label)), label);
      ids.push(r.id);
      expect((await deployAndWait(client, label)).state).toBe('complete');
    }
    agent.child.kill('SIGTERM');
    await agent.exited;

    agent = anAgentProcess({ ...agentArgs, env: { FLEETSWAP_FAILPOINT: `${point}:${nth}` } });
    await waitFor('agent connected', () => coordinator!.fleet.connectedCount() === 1);
    const v4 = await aRelease(client, await aTree(join(dir, 'v4'), build('v4')), 'v4');
    const rollout = await startDeploy(client, 'v4', { timeout_ms: 60_000 });
    const died = await agent.exited;
    expect(died.signal).toBe('SIGKILL');

    const live = await checkLive(root);
    expect([ids[2], v4.id]).toContain(live);

    agent = anAgentProcess(agentArgs);
    try {
      const final = await waitRollout(client, rollout.id);
      expect(final.state, final.message).toBe('complete');
      expect(await checkLive(root)).toBe(v4.id);
      // Restart discarded whatever was half-built: every slot dir is marked complete, tmp is empty.
      const slots = await readdir(join(root, 'slots'));
      const metas = (await readdir(join(root, '.fleetswap', 'slot-meta'))).filter((f) => f.endsWith('.json')).map((f) => f.replace('.json', ''));
      expect(slots.sort()).toEqual(metas.sort());
      expect(await readdir(join(root, '.fleetswap', 'tmp'))).toEqual([]);
    } finally {
      agent.child.kill('SIGKILL');
      await agent.exited;
    }
  });
});
