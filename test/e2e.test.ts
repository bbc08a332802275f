import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DesiredChange__Output as DesiredChange } from '../shared/gen/fleetswap/v1/DesiredChange.js';
import type { Host__Output as Host } from '../shared/gen/fleetswap/v1/Host.js';
import type { Rollout__Output as Rollout } from '../shared/gen/fleetswap/v1/Rollout.js';
import {
  InvariantSampler,
  aCoordinatorProcess,
  aTree,
  anAgentProcess,
  checkLive,
  cleanup,
  freePort,
  runCli,
  tempDir,
  waitFor,
  type AgentProcess,
  TWO_PHASE,
} from './fixtures.js';

// The whole product as an operator uses it: a coordinator process, three
// agent processes, and the CLI, all on 127.0.0.1.

// These deploys are the plain two-phase kind; test/canary.test.ts has the phased kind.
describe('end to end: push, two-phase deploy, rollback, a host that was away', () => {
  let dir: string;
  let address: string;
  let coordinator: AgentProcess;
  const agents = new Map<string, AgentProcess>();
  let sampler: InvariantSampler;
  const ids = ['web-1', 'web-2', 'web-3'];
  const root = (id: string) => join(dir, 'hosts', id);
  const cli = (...args: string[]) => runCli([...args, '--coordinator', address]);
  const ids_ = new Map<string, string>();

  const startAgent = (id: string, i: number) =>
    agents.set(id, anAgentProcess({ coordinator: address, id, root: root(id), tags: ['role=web', `dc=${i % 2 ? 'east' : 'west'}`] }));

  const hosts = async (): Promise<Host[]> => JSON.parse((await cli('hosts', '--json')).stdout) as Host[];

  const pushVersion = async (label: string, files: Record<string, string>): Promise<string> => {
    const build = await aTree(join(dir, 'builds', label), files);
    const res = await cli('push', build, '--version', label, '--owner', 'team-shop', '--json');
    expect(res.code, res.stderr).toBe(0);
    const id = (JSON.parse(res.stdout) as { release: { id: string } }).release.id;
    ids_.set(label, id);
    return id;
  };

  beforeAll(async () => {
    dir = await tempDir();
    address = `127.0.0.1:${await freePort()}`;
    coordinator = await aCoordinatorProcess(join(dir, 'data'), address);
    ids.forEach((id, i) => startAgent(id, i));
    sampler = new InvariantSampler(ids.map(root)).start();
    await waitFor('3 hosts connected', async () => (await hosts()).filter((h) => h.connected).length === 3);
  });

  afterAll(async () => {
    for (const a of agents.values()) a.child.kill('SIGKILL');
    coordinator.child.kill('SIGKILL');
    await cleanup(dir);
  });

  it('deploys v1 then v2 to every host, each in two phases', async () => {
    const v1 = await pushVersion('v1', { 'index.html': 'v1', 'config/app.json': '{"v":1}', 'lib/a.js': 'a' });
    const d1 = await cli('deploy', 'v1', ...TWO_PHASE, '--watch');
    expect(d1.code, d1.stderr + d1.stdout).toBe(0);
    expect(d1.stdout).toMatch(/complete/);
    for (const id of ids) expect(await checkLive(root(id))).toBe(v1);

    const v2 = await pushVersion('v2', { 'index.html': 'v2', 'config/app.json': '{"v":2}', 'lib/a.js': 'a' });
    const d2 = await cli('deploy', 'v2', ...TWO_PHASE, '--watch', '--reason', 'ship v2');
    expect(d2.code, d2.stderr + d2.stdout).toBe(0);
    for (const id of ids) expect(await checkLive(root(id))).toBe(v2);

    const status = JSON.parse((await cli('status', '--json')).stdout) as { rollout: Rollout; live_counts: Record<string, number> };
    expect(status.rollout.state).toBe('complete');
    expect(status.rollout.hosts.every((h) => h.stage === 'staged' && h.switch === 'done')).toBe(true);
    expect(status.live_counts[v2]).toBe(3);
  });

  it('rolls every host back to the previous release without a download', async () => {
    const res = await cli('rollback', '--reason', 'checkout broken');
    expect(res.code, res.stderr).toBe(0);
    const v1 = ids_.get('v1') as string;
    for (const id of ids) expect(await checkLive(root(id))).toBe(v1);
    const hs = await hosts();
    expect(hs.map((h) => h.live_release)).toEqual([v1, v1, v1]);
    expect(hs.every((h) => h.desired_release === v1)).toBe(true);

    const history = JSON.parse((await cli('history', '--json')).stdout) as (DesiredChange & { from_label: string; to_label: string })[];
    expect(history.map((h) => h.action)).toEqual(['deploy', 'deploy', 'rollback']);
    expect(history[2]).toMatchObject({ reason: 'checkout broken', hosts: ids });
  });

  it('history --json gives each release\'s label beside its id', async () => {
    const history = JSON.parse((await cli('history', '--json')).stdout) as (DesiredChange & { from_label: string; to_label: string })[];
    const [v1, v2] = [ids_.get('v1'), ids_.get('v2')];
    expect(history.map((h) => [h.from_release, h.from_label, h.to_release, h.to_label])).toEqual([
      ['', '', v1, 'v1'],
      [v1, 'v1', v2, 'v2'],
      [v2, 'v2', v1, 'v1'],
    ]);
    // Beside, as a reader of the pretty-printed JSON sees it: each label right after its id.
    const keys = Object.keys(history[0]!);
    expect(keys.slice(keys.indexOf('from_release'), keys.indexOf('from_release') + 4)).toEqual(['from_release', 'from_label', 'to_release', 'to_label']);
  });

  it('refuses to deploy while a host is offline, unless told to skip it; the host converges when it returns', async () => {
    const away = agents.get('web-3') as AgentProcess;
    away.child.kill('SIGTERM');
    await away.exited;
    await waitFor('web-3 offline', async () => (await hosts()).find((h) => h.id === 'web-3')?.connected === false);

    const v3 = await pushVersion('v3', { 'index.html': 'v3', 'config/app.json': '{"v":3}', 'lib/a.js': 'a' });
    const refused = await cli('deploy', 'v3', ...TWO_PHASE);
    expect(refused.code).toBe(3);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/web-3.*--skip-offline/);

    const d3 = await cli('deploy', 'v3', ...TWO_PHASE, '--skip-offline', '--watch');
    expect(d3.code, d3.stderr + d3.stdout).toBe(0);
    expect(await checkLive(root('web-1'))).toBe(v3);
    expect(await checkLive(root('web-3'))).toBe(ids_.get('v1'));

    startAgent('web-3', 2);
    await waitFor('web-3 converged to v3', async () => (await checkLive(root('web-3'))) === v3);
  });

  it('switches nothing when one host fails staging, and says which host and why', async () => {
    const before = await Promise.all(ids.map((id) => checkLive(root(id))));
    // Break web-2's private store so that staging fails there (and only there).
    const store = join(root('web-2'), '.fleetswap', 'manifests');
    await rename(store, `${store}.aside`);
    await writeFile(store, 'not a directory');
    await pushVersion('v4', { 'index.html': 'v4', 'config/app.json': '{"v":4}', 'lib/a.js': 'a' });
    const res = await cli('deploy', 'v4', ...TWO_PHASE, '--watch');
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/staging failed on 1 host.*web-2/);
    await rm(store);
    await rename(`${store}.aside`, store);
    expect(await Promise.all(ids.map((id) => checkLive(root(id))))).toEqual(before);
  });

  it('deploy --canary 0 is all at once: one wave of every host, no bake, no watch', async () => {
    const v5 = await pushVersion('v5', { 'index.html': 'v5', 'config/app.json': '{"v":5}', 'lib/a.js': 'a' });
    const started = Date.now();
    const res = await cli('deploy', 'v5', '--canary', '0', '--json');
    expect(res.code, res.stderr).toBe(0);
    expect((JSON.parse(res.stdout) as Rollout).plan).toMatchObject({ canary_hosts: 0, waves: [100], bake_ms: 0, wave_bake_ms: 0, watch_ms: 0, manual_promote: false });
    const done = await waitFor('v5 complete', async () => {
      const r = (JSON.parse((await cli('status', '--json')).stdout) as { rollout: Rollout }).rollout;
      return r.state === 'complete' || r.state === 'failed' ? r : undefined;
    });
    // Not watching, and well under the 30 s a wave bake of the default plan would take.
    expect(done.state).toBe('complete');
    expect(Date.now() - started).toBeLessThan(25_000);
    for (const id of ids) expect(await checkLive(root(id))).toBe(v5);
    const last = (JSON.parse((await cli('history', '--json')).stdout) as DesiredChange[]).at(-1);
    expect(last).toMatchObject({ action: 'deploy', to_release: v5, hosts: ids });
    expect((await cli('status')).stdout).toMatch(/plan: all at once; no watch/);
  });

  it('deploy --canary 0 --watch-for keeps the watch asked for', async () => {
    const v6 = await pushVersion('v6', { 'index.html': 'v6', 'config/app.json': '{"v":6}', 'lib/a.js': 'a' });
    const res = await cli('deploy', 'v6', '--canary', '0', '--watch-for', '5m', '--watch', '--json');
    expect(res.code, res.stderr).toBe(0);
    const r = JSON.parse(res.stdout) as Rollout;
    expect(r.plan).toMatchObject({ canary_hosts: 0, waves: [100], wave_bake_ms: 0, watch_ms: 300_000 });
    expect(r.state).toBe('watching');
    for (const id of ids) expect(await checkLive(root(id))).toBe(v6);
    expect((await cli('promote', '--reason', 'seen enough')).code).toBe(0);
    await waitFor('v6 complete', async () => (JSON.parse((await cli('status', '--json')).stdout) as { rollout: Rollout }).rollout.state === 'complete');
  });

  it('never let any host serve a missing or incomplete slot', () => {
    expect(sampler.stop()).toEqual([]);
  });
});
