import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Agent } from '../agent/agent.js';
import { COORDINATOR_ACTOR } from '../coordinator/audit.js';
import type { DriftReport } from '../shared/drift.js';
import type { DesiredChange__Output as DesiredChange } from '../shared/gen/fleetswap/v1/DesiredChange.js';
import type { Host__Output as Host } from '../shared/gen/fleetswap/v1/Host.js';
import type { StatusReply__Output as StatusReply } from '../shared/gen/fleetswap/v1/StatusReply.js';
import { AdminClient, TWO_PHASE, aCoordinator, aRelease, aTree, anAgent, checkLive, cleanup, deployAndWait, runCli, tempDir, waitFor, waitRollout } from './fixtures.js';

// Hosts that join a running fleet: a new one, one re-imaged with an empty
// root, one that arrives while the fleet is halted or a rollout runs, one
// that arrives serving a release of its own, one nothing covers. Real
// coordinator, real agents with real roots, the real CLI.

interface AuditJson {
  actor: string;
  action: string;
  target: string;
  reason: string;
  detail: Record<string, unknown>;
}

async function fleetOf(dir: string) {
  const coordinator = await aCoordinator(join(dir, 'data'));
  const client = new AdminClient(coordinator.address);
  const agents = new Map<string, Agent>();
  const ids = new Map<string, string>();
  const root = (id: string) => join(dir, 'hosts', id);
  const cli = (...args: string[]) => runCli([...args, '--coordinator', coordinator.address]);
  const cliJson = async <T>(...args: string[]): Promise<T> => {
    const res = await cli(...args, '--json');
    expect(res.code, res.stderr).toBe(0);
    return JSON.parse(res.stdout) as T;
  };
  return {
    coordinator,
    client,
    agents,
    ids,
    root,
    cli,
    cliJson,
    start: async (id: string, tags: Record<string, string>) => {
      agents.set(id, await anAgent(coordinator.address, root(id), { id, tags }));
      await waitFor(`${id} connected`, () => coordinator.fleet.isConnected(id));
    },
    stop: async (id: string) => {
      await agents.get(id)?.stop();
      agents.delete(id);
      await waitFor(`${id} gone`, () => !coordinator.fleet.isConnected(id));
    },
    push: async (label: string) => {
      const r = await aRelease(client, await aTree(join(dir, 'builds', label), { 'index.html': label, 'app/main.js': `main ${label}` }), label);
      ids.set(label, r.id);
      return r.id;
    },
    liveOn: (id: string, release: string) => waitFor(`${id} live on ${release.slice(0, 12)}`, async () => (await checkLive(root(id))) === release, 20_000, 50),
    history: () => cliJson<DesiredChange[]>('history'),
    audit: () => cliJson<AuditJson[]>('audit'),
    drift: () => cliJson<DriftReport>('drift'),
    hosts: () => cliJson<Host[]>('hosts'),
    close: async () => {
      for (const a of agents.values()) await a.stop();
      client.close();
      await coordinator.stop();
    },
  };
}

describe('a host that joins converges', () => {
  let dir: string;
  let f: Awaited<ReturnType<typeof fleetOf>>;
  let v1: string;
  const WEB = { role: 'web' };

  beforeAll(async () => {
    dir = await tempDir();
    f = await fleetOf(dir);
    await f.start('web-1', WEB);
    await f.start('web-2', WEB);
    v1 = await f.push('v1');
    const d = await f.cli('deploy', 'v1', ...TWO_PHASE, '--select', 'role=web', '--watch');
    expect(d.code, d.stderr + d.stdout).toBe(0);
    // A host image with v1 live, for the host that arrives serving a release of its own.
    await cp(f.root('web-2'), join(dir, 'image-v1'), { recursive: true, verbatimSymlinks: true });
  }, 60_000);

  afterAll(async () => {
    await f.close();
    await cleanup(dir);
  });

  it('a new host with an empty root is given the release the deploy put live, staged and switched, in history and audit', async () => {
    await f.start('web-3', WEB);
    await f.liveOn('web-3', v1);

    const change = (await f.history()).at(-1)!;
    expect(change).toMatchObject({ action: 'join', actor: COORDINATOR_ACTOR, reason: 'joined', from_release: '', to_release: v1, hosts: ['web-3'] });
    const entry = (await f.audit()).find((e) => e.action === 'join' && e.target === 'web-3');
    expect(entry).toMatchObject({ actor: COORDINATOR_ACTOR, reason: 'joined', detail: { release: v1, select: { role: 'web' } } });
    const text = await f.cli('history');
    expect(text.stdout).toMatch(new RegExp(`join by ${COORDINATOR_ACTOR.replace(/[()]/g, '\\$&')}: - -> v1 \\(${v1.slice(0, 12)}\\) on 1 host\\(s\\) — joined`));

    const report = await f.drift();
    expect(report.hosts.find((h) => h.host === 'web-3')).toMatchObject({ state: 'in-sync', desired_id: v1, live_id: v1 });
    expect(report.summary).toMatchObject({ 'in-sync': 3, 'no-release': 0 });
    // Nothing about a host that joined reads as drift.
    expect(report.hosts.find((h) => h.host === 'web-3')!.events).toEqual([]);
  });

  it('a host whose tags no complete rollout covers shows as "no release" in drift, hosts and status, never in sync', async () => {
    await f.start('batch-1', { role: 'batch' });
    // Give the coordinator a moment in which it could wrongly hand it something.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await checkLive(f.root('batch-1'))).toBe('');

    const report = await f.drift();
    expect(report.hosts.find((h) => h.host === 'batch-1')).toMatchObject({ state: 'no-release', desired: '', live: '' });
    expect(report.summary).toMatchObject({ hosts: 4, 'no-release': 1, 'in-sync': 3 });
    const text = (await f.cli('drift')).stdout;
    expect(text.split('\n')[0]).toBe('4 hosts: 0 content-drift, 0 version-drift, 1 no-release, 0 converging, 0 offline, 3 in-sync');
    expect(text).toMatch(/batch-1 .*no-release/);

    const hosts = await f.hosts();
    expect(hosts.find((h) => h.id === 'batch-1')).toMatchObject({ state: 'no-release', desired_release: '', connected: true });
    expect(hosts.find((h) => h.id === 'web-1')).toMatchObject({ state: 'in-sync' });
    expect((await f.cli('hosts')).stdout).toMatch(/batch-1 .*no-release .*no release/);

    const status = await f.cliJson<StatusReply>('status');
    expect(status.no_release).toBe(1);
    expect((await f.cli('status')).stdout).toMatch(/hosts: 4 known, 4 connected, 1 with no release/);
  });

  it('a re-imaged host (root wiped, agent restarted) converges back to its release', async () => {
    await f.stop('web-3');
    await rm(f.root('web-3'), { recursive: true, force: true });
    await f.start('web-3', WEB);
    await f.liveOn('web-3', v1);
    expect((await f.audit()).filter((e) => e.target === 'web-3').map((e) => [e.actor, e.action, e.reason])).toContainEqual([COORDINATOR_ACTOR, 'rejoin', 'joined']);
    expect((await f.drift()).hosts.find((h) => h.host === 'web-3')).toMatchObject({ state: 'in-sync', events: [] });
  });

  it('while the fleet is halted a host that joins is staged but switched only at unhalt', async () => {
    expect((await f.cli('halt', '--reason', 'incident')).code).toBe(0);
    await f.start('web-4', WEB);
    await waitFor('web-4 staged v1', () => f.agents.get('web-4')!.slots.info().some((s) => s.release_id === v1));
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await checkLive(f.root('web-4'))).toBe('');
    expect((await f.hosts()).find((h) => h.id === 'web-4')).toMatchObject({ state: 'converging', desired_release: v1 });

    expect((await f.cli('unhalt')).code).toBe(0);
    await f.liveOn('web-4', v1);
    expect((await f.hosts()).find((h) => h.id === 'web-4')).toMatchObject({ state: 'in-sync' });
  });

  it('a host that joins during a rollout gets what the complete rollout put live, and the new release once that rollout completes', async () => {
    const v2 = await f.push('v2');
    const d = await f.cli('deploy', 'v2', '--canary', '0', '--waves', '100%', '--watch-for', '10m', '--select', 'role=web', '--watch');
    expect(d.code, d.stderr + d.stdout).toBe(0);
    expect((await f.cliJson<StatusReply>('status')).rollout!.state).toBe('watching');

    await f.start('web-5', WEB);
    await f.liveOn('web-5', v1);
    const rollout = (await f.cliJson<StatusReply>('status')).rollout!;
    expect(rollout.state).toBe('watching');
    // The rollout fixed its hosts at deploy: the host that joined is not one of them.
    expect(rollout.hosts.map((h) => h.host_id)).not.toContain('web-5');

    expect((await f.cli('promote', '--reason', 'seen enough')).code).toBe(0);
    await f.liveOn('web-5', v2);
    const changes = (await f.history()).filter((c) => c.hosts.includes('web-5'));
    expect(changes.map((c) => [c.action, c.actor, c.to_release, c.reason])).toEqual([
      ['join', COORDINATOR_ACTOR, v1, 'joined'],
      ['join', COORDINATOR_ACTOR, v2, `joined (before rollout #${rollout.id} completed)`],
    ]);
  });

  it('a host that arrives serving another release is given its peers\' release, and the drift policy switches it', async () => {
    const v2 = f.ids.get('v2')!;
    await cp(join(dir, 'image-v1'), f.root('web-6'), { recursive: true, verbatimSymlinks: true });
    expect(await checkLive(f.root('web-6'))).toBe(v1);
    await f.start('web-6', WEB);
    await f.liveOn('web-6', v2);
    expect((await f.history()).at(-1)).toMatchObject({ action: 'join', reason: 'joined', from_release: v1, to_release: v2, hosts: ['web-6'] });
    const h = await waitFor('web-6 in sync', async () => {
      const x = (await f.drift()).hosts.find((y) => y.host === 'web-6');
      return x?.state === 'in-sync' ? x : undefined;
    });
    expect(h.events).toMatchObject([{ kind: 'version-drift', resolved_at: expect.any(String) }]);
  });
});

describe('a host that joins after a rollback to a past moment', () => {
  let dir: string;
  let f: Awaited<ReturnType<typeof fleetOf>>;

  beforeAll(async () => {
    dir = await tempDir();
    f = await fleetOf(dir);
  });

  afterAll(async () => {
    await f.close();
    await cleanup(dir);
  });

  it('is given what a host with its tags was meant to run then', async () => {
    await f.start('a-1', { role: 'web', dc: 'a' });
    await f.start('b-1', { role: 'web', dc: 'b' });
    const v1 = await f.push('v1');
    const v2 = await f.push('v2');
    const v3 = await f.push('v3');
    expect((await deployAndWait(f.client, 'v1')).state).toBe('complete');
    expect((await deployAndWait(f.client, 'v2', { select: { dc: 'a' } })).state).toBe('complete');
    const then = Date.now() + 1_000;
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await deployAndWait(f.client, 'v3')).state).toBe('complete');
    // Back to a moment after v2 went to dc=a and before v3 went everywhere: a-1 to v2, b-1 to v1.
    const rollout = await f.client.rollout('Rollback', { to: `${Date.now() - then}ms`, select: {}, actor: 'tests', reason: 'v3 is bad', force_irreversible: false });
    expect((await waitRollout(f.client, rollout.id)).state).toBe('complete');
    await f.liveOn('a-1', v2);
    await f.liveOn('b-1', v1);

    await f.start('a-2', { role: 'web', dc: 'a' });
    await f.start('b-2', { role: 'web', dc: 'b' });
    await f.start('c-1', { role: 'web', dc: 'c' });
    await f.liveOn('a-2', v2);
    await f.liveOn('b-2', v1);
    await f.liveOn('c-1', v1);
    expect(await checkLive(f.root('a-1'))).not.toBe(v3);
    const joins = (await f.history()).filter((c) => c.action === 'join');
    expect(joins.map((c) => [c.hosts[0], c.to_release])).toEqual([
      ['a-2', v2],
      ['b-2', v1],
      ['c-1', v1],
    ]);
  });
});

describe('two paths joining one host', () => {
  const WEB = { role: 'web' };

  it('two joins of one host at once (as its hello and the tick may race) record it once', async () => {
    // Recorded as seen but never given anything; both paths read it before either writes.
    const dir = await tempDir();
    const f = await fleetOf(dir);
    onTestFinished(async () => {
      await f.close();
      await cleanup(dir);
    });
    await f.start('web-1', WEB);
    await f.push('v1');
    const d = await f.cli('deploy', 'v1', ...TWO_PHASE, '--select', 'role=web', '--watch');
    expect(d.code, d.stderr + d.stdout).toBe(0);
    const c = f.coordinator;
    await c.store.hosts.upsertSeen({ id: 'web-race', tags: WEB, slot_count: 3, slots: [], live_release: '', last_generation: 0, unsigned_allowed: true, at_ms: Date.now() });
    const row = (await c.store.hosts.get('web-race'))!;
    const hello = { host_id: 'web-race', tags: WEB, slot_count: 3, slots: [], live_release: '', last_generation: 0, agent_version: '', last_report: null, unsigned_allowed: true };
    await Promise.all([c.join.onHello(row, hello), c.join.onHello(row, hello)]);
    const joins = (await f.history()).filter((h) => h.action === 'join' && h.hosts.includes('web-race'));
    expect(joins).toHaveLength(1);
    expect((await f.audit()).filter((e) => e.action === 'join' && e.target === 'web-race')).toHaveLength(1);
  });
});
