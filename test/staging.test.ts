import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Agent } from '../agent/agent.js';
import type { Coordinator } from '../coordinator/coordinator.js';
import type { HostReport as Report } from '../agent/apply.js';
import { AdminClient, aCoordinator, aRelease, aTree, anAgent, checkLive, cleanup, deployAndWait, tempDir } from './fixtures.js';

// Staging as a host sees it: only missing bytes cross the wire, a rollback
// to a release still in a slot downloads nothing, and a failed health check
// switches straight back.

describe('staging and switching on one host', () => {
  let coordinator: Coordinator | undefined;
  let client: AdminClient | undefined;
  let agent: Agent | undefined;
  let server: Server | undefined;
  let dir = '';

  afterEach(async () => {
    await agent?.stop();
    client?.close();
    await coordinator?.stop();
    server?.close();
    await cleanup(dir);
    agent = coordinator = client = server = undefined;
  });

  const reports = (a: Agent): Report[] => {
    const seen: Report[] = [];
    a.onDirectiveDone = (r) => seen.push(r);
    return seen;
  };

  it('fetches only the changed bytes of a release that changes 1% of its files', async () => {
    dir = await tempDir();
    coordinator = await aCoordinator(join(dir, 'data'));
    client = new AdminClient(coordinator.address);
    agent = await anAgent(coordinator.address, join(dir, 'host'));
    const seen = reports(agent);

    // 200 files of 20 KB: a 4 MB tree. Release 2 changes 2 of them.
    const files: Record<string, string> = {};
    for (let i = 0; i < 200; i++) files[`assets/${i}.js`] = `${i}:`.padEnd(20_000, String.fromCharCode(97 + (i % 26)));
    await aRelease(client, await aTree(join(dir, 'b1'), files), 'v1');
    expect((await deployAndWait(client, 'v1')).state).toBe('complete');

    const changed = { 'assets/7.js': 'seven'.padEnd(20_500, '!'), 'assets/99.js': 'ninety-nine'.padEnd(19_000, '?') };
    const v2 = await aRelease(client, await aTree(join(dir, 'b2'), { ...files, ...changed }), 'v2');
    expect((await deployAndWait(client, 'v2')).state).toBe('complete');

    const staged = seen.find((r) => r.kind === 'STAGED' && r.release_id === v2.id);
    const changedBytes = Object.values(changed).reduce((n, c) => n + Buffer.byteLength(c), 0);
    expect(staged?.stats).toMatchObject({ bytes_fetched: changedBytes, blobs_fetched: 2, blobs_reused: 198, files: 200 });
    // The manifest came as a delta against v1: a few entries, not all 200.
    const full = (await coordinator.store.releases.byId(v2.id))!.manifest.length;
    expect(staged!.stats!.manifest_bytes).toBeGreaterThan(0);
    expect(staged!.stats!.manifest_bytes).toBeLessThan(full / 10);
    expect(await checkLive(join(dir, 'host'))).toBe(v2.id);
  });

  it('rolls back to a release still in a slot without fetching a byte', async () => {
    dir = await tempDir();
    coordinator = await aCoordinator(join(dir, 'data'));
    client = new AdminClient(coordinator.address);
    agent = await anAgent(coordinator.address, join(dir, 'host'));
    const v1 = await aRelease(client, await aTree(join(dir, 'b1'), { 'a.txt': 'one' }), 'v1');
    await deployAndWait(client, 'v1');
    await aRelease(client, await aTree(join(dir, 'b2'), { 'a.txt': 'two' }), 'v2');
    await deployAndWait(client, 'v2');
    const seen = reports(agent);
    const rollout = await client.rollout('Rollback', { to: '', select: {}, actor: 'tests', reason: 'bad', force_irreversible: false });
    expect(rollout.release_id).toBe(v1.id);
    await deployAndWaitFor(() => seen.some((r) => r.kind === 'ACTIVATED'));
    expect(seen.filter((r) => r.stats)).toEqual([]);
    expect(await checkLive(join(dir, 'host'))).toBe(v1.id);
  });

  it('switches straight back when the health check fails after a switch, and reports it', async () => {
    dir = await tempDir();
    const root = join(dir, 'host');
    // The "app": healthy unless the live tree's version file says "broken".
    server = createServer((_req, res) => {
      void readFile(join(root, 'current', 'version'), 'utf8').then(
        (v) => res.writeHead(v.trim() === 'broken' ? 500 : 200).end(v),
        () => res.writeHead(503).end(),
      );
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/health`;
    coordinator = await aCoordinator(join(dir, 'data'));
    client = new AdminClient(coordinator.address);
    agent = await anAgent(coordinator.address, root, { healthUrl: url, healthTimeoutMs: 2_000, reloadCmd: 'echo reloaded >> "$FLEETSWAP_ROOT/../reloads"' });

    const good = await aRelease(client, await aTree(join(dir, 'good'), { version: 'good' }), 'good');
    expect((await deployAndWait(client, 'good')).state).toBe('complete');
    await aRelease(client, await aTree(join(dir, 'bad'), { version: 'broken' }), 'bad');
    const r = await deployAndWait(client, 'bad');
    expect(r.state).toBe('rolled_back');
    expect(r.message).toMatch(/rolled back automatically: switch failed on host-1/);
    expect(r.hosts[0]?.error).toMatch(/HEALTH_CHECK_FAILED: health check .* HTTP 500; switched back/);
    expect(await checkLive(root)).toBe(good.id);
    // Reload ran after the switch to "bad" and again after switching back.
    expect((await readFile(join(dir, 'reloads'), 'utf8')).trim().split('\n')).toHaveLength(3);
  });
});

async function deployAndWaitFor(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
