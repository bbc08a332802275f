import { appendFile, chmod, readFile, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../agent/agent.js';
import type { Coordinator } from '../coordinator/coordinator.js';
import type { DriftReport } from '../shared/drift.js';
import { AdminClient, TWO_PHASE, aCoordinator, aRelease, aTree, anAgent, checkLive, cleanup, runCli, tempDir, waitFor } from './fixtures.js';

// Drift on real hosts: real agents with real live trees, changed by hand the
// way an operator with a shell would; each change is found by the agent,
// reported, reverted by the coordinator's policy (or only reported), and
// shows in the drift report.

const HOSTS = ['web-1', 'web-2', 'web-3'];

describe('drift: found on the host, reverted or reported, and shown to ops', () => {
  let dir: string;
  let coordinator: Coordinator;
  let client: AdminClient;
  const agents = new Map<string, Agent>();
  const ids = new Map<string, string>();
  const root = (id: string) => join(dir, 'hosts', id);
  const live = (id: string) => join(root(id), 'current');
  const cli = (...args: string[]) => runCli([...args, '--coordinator', coordinator.address]);
  const report = async (): Promise<DriftReport> => JSON.parse((await cli('drift', '--json')).stdout) as DriftReport;
  const hostOf = async (id: string) => (await report()).hosts.find((h) => h.host === id)!;

  const startAgent = async (id: string, verifyIntervalMs = 1_000) => {
    const i = HOSTS.indexOf(id);
    agents.set(id, await anAgent(coordinator.address, root(id), { id, tags: { role: 'web', dc: i === 2 ? 'west' : 'east' }, verifyIntervalMs }));
  };
  const push = async (label: string, version: string) => {
    const r = await aRelease(client, await aTree(join(dir, 'builds', label), { 'index.html': version, 'app/main.js': `main ${version}`, 'app/lib.js': 'lib', 'config/app.json': '{}' }), label);
    ids.set(label, r.id);
    return r.id;
  };
  const deploy = async (label: string, ...extra: string[]) => {
    const res = await cli('deploy', label, ...TWO_PHASE, '--watch', ...extra);
    expect(res.code, res.stderr + res.stdout).toBe(0);
  };
  /** repaired waits until the host has its nth event of this kind, resolved, and its live tree verifies against the release. */
  const repaired = async (id: string, kind: string, nth = 1) => {
    const h = await waitFor(`${id} ${kind} #${nth} reverted`, async () => {
      const x = await hostOf(id);
      const ofKind = x.events.filter((e) => e.kind === kind).length;
      return x.state === 'in-sync' && ofKind >= nth && x.events[0]?.kind === kind && x.events[0].resolved_at ? x : undefined;
    });
    expect(await checkLive(root(id))).toBe(ids.get('v2'));
    return h;
  };

  beforeAll(async () => {
    dir = await tempDir();
    coordinator = await aCoordinator(join(dir, 'data'), { drift: { graceMs: 1_000 } });
    client = new AdminClient(coordinator.address);
    for (const id of HOSTS) await startAgent(id);
    await waitFor('agents connected', () => coordinator.fleet.connectedCount() === HOSTS.length);
    await push('v1', 'one');
    await deploy('v1');
    await push('v2', 'two');
    await deploy('v2');
  }, 60_000);

  afterAll(async () => {
    for (const a of agents.values()) await a.stop();
    client.close();
    await coordinator.stop();
    await cleanup(dir);
  });

  it('a file changed in the live tree is found, rebuilt into a fresh slot, and the drifted slot kept as evidence', async () => {
    const before = await readlink(live('web-1'));
    await writeFile(join(live('web-1'), 'index.html'), 'hacked');
    const h = await repaired('web-1', 'content-drift');
    expect(h.events[0]).toMatchObject({ paths: [{ path: 'index.html', change: 'changed' }] });
    expect(h.events[0]!.action).toMatch(/reverted: rebuilt into a fresh slot; drifted tree kept as evidence in slot \d/);
    expect(await readlink(live('web-1'))).not.toBe(before);
    // The evidence: the drifted tree as it was found, set aside.
    expect(await readFile(join(root('web-1'), before, 'index.html'), 'utf8')).toBe('hacked');
    expect(agents.get('web-1')!.slots.info().filter((s) => s.evidence)).toEqual([{ index: Number(before.slice(6)), release_id: ids.get('v2'), evidence: true }]);
  });

  it('a file added, a file removed and a mode changed are each found and reverted', async () => {
    await appendFile(join(live('web-2'), 'app', 'backdoor.php'), '<?php system($_GET["c"]);');
    const added = await repaired('web-2', 'content-drift');
    expect(added.events[0]!.paths).toEqual([{ path: 'app/backdoor.php', change: 'added' }]);

    await rm(join(live('web-2'), 'config', 'app.json'));
    const removed = await repaired('web-2', 'content-drift', 2);
    expect(removed.events[0]!.paths).toEqual([{ path: 'config/app.json', change: 'removed' }]);

    await chmod(join(live('web-2'), 'app', 'lib.js'), 0o777);
    const mode = await repaired('web-2', 'content-drift', 3);
    expect(mode.events[0]!.paths).toEqual([{ path: 'app/lib.js', change: 'mode' }]);
    expect(mode.events.filter((e) => e.kind === 'content-drift')).toHaveLength(3);
  });

  it('current moved by hand to an older slot is found and switched back', async () => {
    const slots = agents.get('web-3')!.slots.info();
    const old = slots.find((s) => s.release_id === ids.get('v1'))!;
    const tmp = join(root('web-3'), 'current.by-hand');
    await symlink(`slots/${old.index}`, tmp);
    await rename(tmp, live('web-3'));
    const h = await repaired('web-3', 'symlink-moved');
    expect(h.events[0]!.action).toBe('reverted: switched back to its desired release');
  });

  it('under the report policy a drifted host is left alone, and the report shows it', async () => {
    const policy = await cli('drift', 'policy', 'report', '--select', 'dc=west');
    expect(policy.stdout).toMatch(/revert by default; report for dc=west/);
    await writeFile(join(live('web-3'), 'app', 'main.js'), 'patched in production');
    const h = await waitFor('web-3 reported', async () => {
      const x = await hostOf('web-3');
      return x.state === 'content-drift' ? x : undefined;
    });
    expect(h.events[0]).toMatchObject({ kind: 'content-drift', action: 'reported (policy: report)', resolved_at: null });
    expect(h.paths).toEqual({ count: 1, first: [{ path: 'app/main.js', change: 'changed' }] });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await readFile(join(live('web-3'), 'app', 'main.js'), 'utf8')).toBe('patched in production');

    const r = await report();
    expect(r.summary).toMatchObject({ hosts: 3, 'content-drift': 1, 'in-sync': 2 });
    expect(r.hosts[0]!.host).toBe('web-3');
    const text = await cli('drift');
    expect(text.stdout.split('\n')[0]).toBe('3 hosts: 1 content-drift, 0 version-drift, 0 no-release, 0 converging, 0 offline, 2 in-sync');
    const html = join(dir, 'drift.html');
    expect((await cli('drift', '--html', html)).code).toBe(0);
    const page = await readFile(html, 'utf8');
    expect(page).toContain('app/main.js');
    expect(page.indexOf('web-3')).toBeLessThan(page.indexOf('web-1'));

    // Put right by hand: the next full verification resolves it.
    await writeFile(join(live('web-3'), 'app', 'main.js'), 'main two');
    await waitFor('web-3 verified clean', async () => (await hostOf('web-3')).state === 'in-sync');
    expect((await hostOf('web-3')).events[0]!.action).toBe('reported (policy: report); verified clean');
    await cli('drift', 'policy', 'revert', '--select', 'dc=west');
  });

  it('a drift policy the coordinator does not know is refused in one line, and the policies stay as they were', async () => {
    for (const bad of ['ignore', 'report\nFORGED: every host reverted']) {
      const res = await cli('drift', 'policy', bad, '--select', 'dc=west');
      expect(res.code).toBe(2);
      expect(res.stderr).toBe(`fleetswap: bad drift policy ${JSON.stringify(bad)}: revert or report\n`);
    }
    // Setting the rule it has again shows every rule: no other word crept in.
    expect((await cli('drift', 'policy', 'revert', '--select', 'dc=west')).stdout).toBe('drift policy: revert by default; revert for dc=west\n');
  });

  it('finds a change while something else writes under the live tree all the time', async () => {
    // An app that logs into its own code directory keeps file events coming; other changes must still be checked.
    expect((await cli('drift', 'policy', 'report', '--select', 'dc=west')).code).toBe(0);
    // The file watch alone: no periodic verification to fall back on.
    await agents.get('web-3')!.stop();
    await startAgent('web-3', 0);
    await waitFor('web-3 back', () => coordinator.fleet.isConnected('web-3'));
    const writer = setInterval(() => void appendFile(join(live('web-3'), 'app.log'), 'request\n').catch(() => undefined), 50);
    try {
      await new Promise((r) => setTimeout(r, 500));
      await writeFile(join(live('web-3'), 'index.html'), 'defaced');
      await waitFor('index.html reported on web-3', async () => (await hostOf('web-3')).paths.first.some((p) => p.path === 'index.html' && p.change === 'changed'), 5_000);
    } finally {
      clearInterval(writer);
      await cli('drift', 'policy', 'revert', '--select', 'dc=west');
      await agents.get('web-3')!.stop();
      await startAgent('web-3');
    }
  });

  it('an agent stopped through a deploy comes back on the old release: version drift, found and put right', async () => {
    // web-2 keeps three drifted trees as evidence from the last test: with live and previous, its
    // five slots are full, and nothing more can be staged there until they are cleaned.
    expect(agents.get('web-2')!.slots.info().filter((s) => s.evidence)).toHaveLength(3);
    expect((await cli('drift', 'clean', 'web-2')).code).toBe(0);
    await waitFor('web-2 evidence cleaned', () => agents.get('web-2')!.slots.info().every((s) => !s.evidence));
    await agents.get('web-2')!.stop();
    await waitFor('web-2 offline', async () => (await hostOf('web-2')).state === 'offline');
    await push('v3', 'three');
    const res = await cli('deploy', 'v3', ...TWO_PHASE, '--skip-offline', '--watch');
    expect(res.code, res.stderr).toBe(0);
    expect((await hostOf('web-2')).live).toBe('v2');
    await startAgent('web-2');
    const h = await waitFor('web-2 back on v3', async () => {
      const x = await hostOf('web-2');
      return x.state === 'in-sync' && x.live === 'v3' ? x : undefined;
    });
    expect(h.events[0]).toMatchObject({ kind: 'version-drift' });
    expect(h.events[0]!.resolved_at).not.toBeNull();
    expect(await checkLive(root('web-2'))).toBe(ids.get('v3'));
  });

  it('drift clean removes the evidence slots', async () => {
    const before = agents.get('web-1')!.slots.info().filter((s) => s.evidence);
    expect(before.length).toBeGreaterThan(0);
    expect((await cli('drift', 'clean', 'web-1')).code).toBe(0);
    // The slot is unmarked first and its tree removed after (a crash between leaves an unmarked slot, discarded at start).
    await waitFor('evidence gone', async () => agents.get('web-1')!.slots.info().every((s) => !s.evidence) && !(await readdir(join(root('web-1'), 'slots'))).includes(String(before[0]!.index)));
    const again = await cli('drift', 'clean', 'web-1');
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/keeps no evidence slots/);
  });
});
