import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../agent/agent.js';
import type { HostReport } from '../../agent/apply.js';
import type { Rollout__Output as Rollout } from '../../shared/gen/fleetswap/v1/Rollout.js';
import { AdminClient, aCoordinatorProcess, aRelease, aTree, anAgent, checkLive, cleanup, freePort, runCli, tempDir, TEST_TOKEN, waitFor, type AgentProcess } from '../fixtures.js';
import { aClusterForThisFile } from '../postgres.js';

// Issue 13 part 4: three coordinators on one PostgreSQL database, the
// leader SIGKILLed in each phase of one rollout (staging, canary judging,
// a wave, the watch). Each time another must lead within 10 s, and the
// rollout go on from where it was to complete; no directive is lost or
// applied out of order, no vitals sample that reached a coordinator is
// lost, and the audit chain is whole. Then the database itself is
// restarted under them: they wait and go on without a restart of their own.

const cluster = aClusterForThisFile();
const IDS = ['web-1', 'web-2', 'web-3', 'web-4'];
const TAKEOVER_LIMIT_MS = 10_000;
// One canary, then half, then all: a phase for each kill.
const PLAN = ['--canary', '1', '--bake', '6s', '--waves', '50%,100%', '--wave-bake', '5s', '--watch-for', '5s'];

interface Node {
  name: string;
  address: string;
  data: string;
  proc?: AgentProcess;
}

describe('the leading coordinator SIGKILLed in each rollout phase', () => {
  let dir = '';
  let url = '';
  const nodes: Node[] = [];
  const agents: Agent[] = [];
  const applied = new Map<string, number[]>();
  let admin: AdminClient;
  let targets = '';

  const start = async (n: Node, env: Record<string, string> = {}): Promise<void> => {
    n.proc = await aCoordinatorProcess(n.data, n.address, { FLEETSWAP_DATABASE: url, ...env }, ['--name', n.name]);
  };
  const status = (via: AdminClient = admin) => via.call('Status', { rollout_id: 0 });
  const leaderName = async (): Promise<string | undefined> => (await status()).coordinators.find((c) => c.leader)?.name;
  const nodeNamed = (name: string): Node => nodes.find((n) => n.name === name) as Node;

  /** killLeader SIGKILLs the leading coordinator and measures how long until another leads. */
  const killLeader = async (): Promise<{ killed: string; took: number }> => {
    const name = await waitFor('a leader', leaderName);
    const n = nodeNamed(name);
    n.proc!.child.kill('SIGKILL');
    const killedAt = Date.now();
    await n.proc!.exited;
    const others = nodes.filter((o) => o !== n);
    const direct = new AdminClient(others.map((o) => o.address).join(','), TEST_TOKEN, { insecure: true });
    try {
      await waitFor('another to lead', async () => {
        const leader = (await status(direct).catch(() => undefined))?.coordinators.find((c) => c.leader)?.name;
        return leader !== undefined && leader !== name;
      }, 20_000, 50);
    } finally {
      direct.close();
    }
    const took = Date.now() - killedAt;
    // Back as a follower, so the next kill has somewhere to go.
    await start(n);
    return { killed: name, took };
  };

  const waitState = (states: string[]): Promise<Rollout> =>
    waitFor(`the rollout to reach ${states.join('/')}`, async () => {
      const r = (await status().catch(() => undefined))?.rollout;
      return r && states.includes(r.state) ? r : undefined;
    }, 60_000, 50);

  beforeAll(async () => {
    dir = await tempDir();
    url = await cluster().aDatabase();
    for (const name of ['c0', 'c1', 'c2']) nodes.push({ name, address: `127.0.0.1:${await freePort()}`, data: join(dir, name) });
    // c0 dies by itself right after committing the second deploy's staging (its first is v1's).
    await start(nodes[0]!, { FLEETSWAP_FAILPOINT: 'rollout-after-stage-commit:2' });
    await start(nodes[1]!);
    await start(nodes[2]!);
    targets = nodes.map((n) => n.address).join(',');
    admin = new AdminClient(targets, TEST_TOKEN, { insecure: true });
    for (const id of IDS) {
      // A reload that takes 3 s while SLOW exists: a rollback then lasts long enough to be killed in.
      const reloadCmd = `test -f ${join(dir, 'SLOW')} && sleep 3; true`;
      const a = await anAgent(targets, join(dir, 'hosts', id), { id, reloadCmd, vitalsIntervalMs: 200, backoff: { baseMs: 200, maxMs: 2_000 } });
      applied.set(id, []);
      a.onDirectiveDone = (r: HostReport) => applied.get(id)!.push(r.generation);
      agents.push(a);
    }
    await waitFor('every agent connected', async () => (await admin.call('ListHosts', {})).hosts.filter((h) => h.connected).length === IDS.length);
    const v1 = await aRelease(admin, await aTree(join(dir, 'builds', 'v1'), { 'index.html': 'v1' }), 'v1');
    const first = await runCli(['deploy', v1.label, '--canary', '0', '--waves', '100%', '--watch-for', '0s', '--watch', '--coordinator', targets, '--insecure'], { FLEETSWAP_TOKEN: TEST_TOKEN });
    expect(first.code, first.stderr + first.stdout).toBe(0);
  }, 120_000);

  afterAll(async () => {
    admin?.close();
    for (const a of agents) await a.stop();
    for (const n of nodes) n.proc?.child.kill('SIGKILL');
    await cleanup(dir);
  });

  it('another leads within 10 s each time; the rollout completes with nothing lost, nothing twice', async () => {
    const files = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`assets/${i}.txt`, `v2 asset ${i}\n`.repeat(200)]));
    const v2 = await aRelease(admin, await aTree(join(dir, 'builds', 'v2'), { 'index.html': 'v2', ...files }), 'v2');
    const takeovers: { phase: string; killed: string; took: number }[] = [];

    // Staging: the leader dies at its own failpoint, with the rollout and its STAGE directives committed and none sent.
    const deploy = await runCli(['deploy', v2.label, ...PLAN, '--coordinator', targets, '--insecure'], { FLEETSWAP_TOKEN: TEST_TOKEN });
    expect(deploy.stderr).not.toMatch(/ROLLOUT_ACTIVE|superseded/);
    const c0 = nodeNamed('c0');
    const died = await c0.proc!.exited;
    expect(died.signal, c0.proc!.output()).toBe('SIGKILL');
    const diedAt = Date.now();
    await waitFor('another to lead', async () => ['c1', 'c2'].includes((await leaderName().catch(() => undefined)) ?? ''), 20_000, 50);
    takeovers.push({ phase: 'staging', killed: 'c0', took: Date.now() - diedAt });
    await start(c0);

    for (const phase of ['judging', 'wave', 'watching']) {
      await waitState([phase]);
      takeovers.push({ phase, ...(await killLeader()) });
    }
    console.log(`[failover] takeovers: ${takeovers.map((t) => `${t.phase}: ${t.killed} killed, another led after ${t.took} ms`).join('; ')}`);
    for (const t of takeovers) expect(t.took, `${t.phase}`).toBeLessThan(TAKEOVER_LIMIT_MS);

    const done = await waitState(['complete', 'rolled_back', 'failed', 'aborted', 'superseded']);
    expect(done, done.message).toMatchObject({ id: 2, state: 'complete', release_id: v2.id });
    for (const id of IDS) expect(await checkLive(join(dir, 'hosts', id))).toBe(v2.id);

    // Every directive a host applied came in order, each once (a resend is answered, not applied again).
    for (const [id, gens] of applied) {
      const fresh = gens.filter((g, i) => i === 0 || g !== gens[i - 1]);
      expect(fresh, id).toEqual([...fresh].sort((a, b) => a - b));
      expect(new Set(fresh).size, id).toBe(fresh.length);
    }

    // One rollout per deploy, and the history says exactly what happened.
    const history = await runCli(['history', '--json', '--coordinator', targets, '--insecure'], { FLEETSWAP_TOKEN: TEST_TOKEN });
    const changes = JSON.parse(history.stdout) as { action: string; to_release: string; hosts: string[] }[];
    expect(changes.map((c) => [c.action, c.to_release])).toEqual([
      ['deploy', expect.any(String)],
      ['deploy (canary)', v2.id],
      ['deploy (wave 1)', v2.id],
      ['deploy (wave 2)', v2.id],
    ]);
    // Each host moved to v2 once: no phase was repeated by the coordinator that took over.
    expect(changes.slice(1).flatMap((c) => c.hosts).sort()).toEqual(IDS);

    // The audit chain is whole, though its writers died mid-rollout three times.
    const audit = await runCli(['audit', '--verify', '--coordinator', targets, '--insecure'], { FLEETSWAP_TOKEN: TEST_TOKEN });
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);

    // Every vitals sample an agent sent is stored, once.
    for (const a of agents) a.stopVitals();
    // A sample being taken when they stopped is still sent: count once they are quiet.
    await new Promise((r) => setTimeout(r, 1_000));
    const sent = new Map(agents.map((a, i) => [IDS[i] as string, a.stopVitals()]));
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const stored = async () => new Map((await db.query<{ host: string; n: string }>('SELECT host, count(*) AS n FROM vitals GROUP BY host')).rows.map((r) => [r.host, Number(r.n)]));
      await waitFor('every sample sent to be stored', async () => {
        const got = await stored();
        return IDS.every((id) => got.get(id) === sent.get(id)!.sent);
      }, 10_000).catch(async () => {
        throw new Error(`stored ${JSON.stringify([...(await stored())])} of sent ${JSON.stringify([...sent])}`);
      });
    } finally {
      await db.end();
    }
    for (const s of sent.values()) expect(s.dropped).toBe(0);
  });

  it('killed while an aborted rollout puts hosts back: the next leader finishes putting them back', async () => {
    const before = (await status()).rollout!;
    const v5 = await aRelease(admin, await aTree(join(dir, 'builds', 'v5'), { 'index.html': 'v5' }), 'v5');
    const deploy = await runCli(['deploy', v5.label, '--canary', '2', '--bake', '60s', '--coordinator', targets, '--insecure'], { FLEETSWAP_TOKEN: TEST_TOKEN });
    expect(deploy.code, deploy.stderr).toBe(0);
    await waitState(['judging']);
    await writeFile(join(dir, 'SLOW'), '');
    try {
      const abort = await runCli(['abort', '--reason', 'failover test', '--coordinator', targets, '--insecure'], { FLEETSWAP_TOKEN: TEST_TOKEN });
      expect(abort.code, abort.stderr).toBe(0);
      await waitState(['rolling_back']);
      const t = await killLeader();
      expect(t.took).toBeLessThan(TAKEOVER_LIMIT_MS);
      const done = await waitState(['aborted', 'failed', 'complete', 'rolled_back']);
      expect(done).toMatchObject({ id: before.id + 1, state: 'aborted' });
    } finally {
      await rm(join(dir, 'SLOW'), { force: true });
    }
    for (const id of IDS) expect(await checkLive(join(dir, 'hosts', id))).toBe(before.release_id);
    const audit = await runCli(['audit', '--verify', '--coordinator', targets, '--insecure'], { FLEETSWAP_TOKEN: TEST_TOKEN });
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
  }, 120_000);

  it('a leader paused (SIGSTOP) while another took over wakes as a follower: it writes nothing, sends nothing', async () => {
    const name = await waitFor('a leader', leaderName);
    const paused = nodeNamed(name);
    const others = nodes.filter((n) => n !== paused);
    paused.proc!.child.kill('SIGSTOP');
    // Asked directly: a paused coordinator holds its connections open and answers nothing.
    const direct = new AdminClient(others.map((o) => o.address).join(','), TEST_TOKEN, { insecure: true });
    let next = '';
    try {
      await waitFor('another to lead', async () => {
        next = (await direct.call('Status', {}, 2_000).catch(() => undefined))?.coordinators.find((c) => c.leader)?.name ?? '';
        return next !== '' && next !== name;
      }, 20_000, 100);
      // Agents find the paused one dead by keepalive (10 s, then 5 s for the answer) and move.
      await waitFor('every agent on the new leader', async () => (await direct.call('ListHosts', {}, 2_000)).hosts.filter((h) => h.connected).length === IDS.length, 30_000);
    } finally {
      direct.close();
      paused.proc!.child.kill('SIGCONT');
    }
    const before = paused.proc!.output().length;
    const v4 = await aRelease(admin, await aTree(join(dir, 'builds', 'v4'), { 'index.html': 'v4' }), 'v4');
    const res = await runCli(['deploy', v4.label, '--canary', '0', '--waves', '100%', '--watch-for', '0s', '--watch', '--coordinator', targets, '--insecure'], { FLEETSWAP_TOKEN: TEST_TOKEN });
    expect(res.code, res.stderr + res.stdout).toBe(0);
    const woke = paused.proc!.output().slice(before);
    expect(woke).toContain('no longer leading');
    expect(woke).not.toMatch(/"msg":"(report|agent connected)"/);
    expect(await leaderName()).toBe(next);
    const audit = await runCli(['audit', '--verify', '--coordinator', targets, '--insecure'], { FLEETSWAP_TOKEN: TEST_TOKEN });
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
    for (const id of IDS) expect(await checkLive(join(dir, 'hosts', id))).toBe(v4.id);
  }, 120_000);

  it('the database restarted underneath: the coordinators wait, then lead and deploy again without a restart of their own', async () => {
    const pids = nodes.map((n) => n.proc!.child.pid);
    await cluster().stop();
    await new Promise((r) => setTimeout(r, 20_000));
    await cluster().start();
    await waitFor('a leader again', async () => (await leaderName().catch(() => undefined)) !== undefined, 30_000, 100);
    expect(nodes.map((n) => n.proc!.child.exitCode)).toEqual([null, null, null]);
    expect(nodes.map((n) => n.proc!.child.pid)).toEqual(pids);
    await waitFor('every agent back', async () => (await admin.call('ListHosts', {})).hosts.filter((h) => h.connected).length === IDS.length, 30_000);
    const v3 = await aRelease(admin, await aTree(join(dir, 'builds', 'v3'), { 'index.html': 'v3' }), 'v3');
    const res = await runCli(['deploy', v3.label, '--canary', '0', '--waves', '100%', '--watch-for', '0s', '--watch', '--coordinator', targets, '--insecure'], { FLEETSWAP_TOKEN: TEST_TOKEN });
    expect(res.code, res.stderr + res.stdout).toBe(0);
    for (const id of IDS) expect(await checkLive(join(dir, 'hosts', id))).toBe(v3.id);
  }, 120_000);
});
