import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import pg from 'pg';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import type { Coordinator } from '../coordinator/coordinator.js';
import type { Agent } from '../agent/agent.js';
import { AdminClient, aCoordinator, aRelease, aTree, anAgent, cleanup, deployAndWait, refusalOf, runCli, startDeploy, tempDir, TEST_TOKEN, waitFor } from './fixtures.js';
import { aClusterForThisFile } from './postgres.js';
import { channelOptions, services } from '../shared/proto.js';
import { fromServiceError } from '../shared/rpc-errors.js';

// Several coordinators on one PostgreSQL database (issue 13 part 3): one
// leads, the others serve reads and point agents and writes to it; a leader
// that lost the lease without knowing it cannot write.

const cluster = aClusterForThisFile();
const open: { stop(): Promise<void> }[] = [];
const clients: AdminClient[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const o of open.splice(0).reverse()) await o.stop().catch(() => undefined);
  await cleanup(...dirs.splice(0));
});

async function coordinators(n: number, leaseMs = 1_000): Promise<{ cs: Coordinator[]; url: string }> {
  const url = await cluster().aDatabase();
  const cs: Coordinator[] = [];
  for (let i = 0; i < n; i++) {
    const dir = await tempDir();
    dirs.push(dir);
    const c = await aCoordinator(join(dir, 'data'), { database: url, name: `c${i}`, leaseMs });
    open.push(c);
    cs.push(c);
  }
  return { cs, url };
}

function client(target: string): AdminClient {
  const c = new AdminClient(target, TEST_TOKEN, { insecure: true });
  clients.push(c);
  return c;
}

async function agent(target: string, id: string): Promise<Agent> {
  const dir = await tempDir();
  dirs.push(dir);
  const a = await anAgent(target, join(dir, 'root'), { id });
  open.push(a);
  return a;
}

describe('several coordinators on one database', () => {
  it('the first leads; status through a follower names the leader and every member', async () => {
    const { cs } = await coordinators(2);
    const [c0, c1] = cs as [Coordinator, Coordinator];
    expect(c0.leading).toBe(true);
    expect(c1.leading).toBe(false);
    // A follower answers status (it names the leader), and the client asks the leader for its view.
    const follower = client(c1.address);
    const s = await follower.call('Status', {});
    expect(s.answered_by).toBe('c0');
    expect(follower.target).toBe(c0.address);
    // Other reads of the shared database are answered where they were asked.
    const reads = client(c1.address);
    await reads.call('History', {});
    expect(reads.target).toBe(c1.address);
    expect(s.coordinators.map((m) => [m.name, m.address, m.leader])).toEqual([
      ['c0', c0.address, true],
      ['c1', c1.address, false],
    ]);
    const text = await runCli(['status', '--coordinator', c1.address, '--insecure'], { FLEETSWAP_TOKEN: TEST_TOKEN });
    expect(text.stdout).toContain(`coordinators: c0 at ${c0.address} (leader, epoch ${s.epoch}), c1 at ${c1.address}; answered by c0`);
  });

  it('a follower refuses agents and writes, naming the leader; agents and the CLI go there', async () => {
    const { cs } = await coordinators(2);
    const [c0, c1] = cs as [Coordinator, Coordinator];
    // Given only the follower's address, the agent ends up on the leader.
    await agent(c1.address, 'web-1');
    await waitFor('web-1 on the leader', () => c0.fleet.isConnected('web-1'));
    expect(c1.fleet.isConnected('web-1')).toBe(false);

    // A write sent to the follower is refused there, and the client follows the leader it names.
    const viaFollower = client(c1.address);
    const dir = await tempDir();
    dirs.push(dir);
    const v1 = await aRelease(viaFollower, await aTree(join(dir, 'v1'), { 'index.html': 'v1' }), 'v1');
    expect(viaFollower.target).toBe(c0.address);
    const done = await deployAndWait(viaFollower, v1.id);
    expect(done.state).toBe('complete');

    // The raw refusal: NOT_LEADER, the leader's address carried with it.
    const raw = await refusalOf(
      new Promise((resolve, reject) => {
        const md = new grpc.Metadata();
        md.set('authorization', `Bearer ${TEST_TOKEN}`);
        const c = new (services().admin)(c1.address, grpc.credentials.createInsecure(), channelOptions);
        c.Halt({ actor: 'tests', reason: 'raw' }, md, (err, res) => {
          c.close();
          if (err) reject(fromServiceError(err, c1.address));
          else resolve(res);
        });
      }),
    );
    expect(raw).toMatchObject({ code: 'NOT_LEADER', leader: c0.address, message: expect.stringContaining(`c0 at ${c0.address}`) });
  });

  it('the leader stopping hands over: the other leads, agents move, deploys go on', async () => {
    const { cs } = await coordinators(2);
    const [c0, c1] = cs as [Coordinator, Coordinator];
    const both = `${c0.address},${c1.address}`;
    const a = await agent(both, 'web-1');
    await waitFor('web-1 on c0', () => c0.fleet.isConnected('web-1'));
    const admin = client(both);
    const dir = await tempDir();
    dirs.push(dir);
    const v1 = await aRelease(admin, await aTree(join(dir, 'v1'), { 'index.html': 'v1' }), 'v1');
    await deployAndWait(admin, v1.id);
    await c0.stop();
    await waitFor('c1 to lead', () => c1.leading, 5_000);
    await waitFor('web-1 on c1', () => c1.fleet.isConnected('web-1'), 10_000);
    const v2 = await aRelease(admin, await aTree(join(dir, 'v2'), { 'index.html': 'v2' }), 'v2');
    expect((await deployAndWait(admin, v2.id)).state).toBe('complete');
    expect(admin.target).toBe(c1.address);
    expect(a.liveRelease()).toBe(v2.id);
  });

  it('a leader whose lease was taken without its knowing cannot write: its deploy is refused and nothing is kept', async () => {
    const { cs, url } = await coordinators(1, 60_000);
    const [c0] = cs as [Coordinator];
    await agent(c0.address, 'web-1');
    await waitFor('web-1 on c0', () => c0.fleet.isConnected('web-1'));
    const admin = client(c0.address);
    const dir = await tempDir();
    dirs.push(dir);
    const v1 = await aRelease(admin, await aTree(join(dir, 'v1'), { 'index.html': 'v1' }), 'v1');
    // Another coordinator took the lease while this one was paused: its own clock still says it leads.
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    onTestFinished(() => db.end());
    await db.query(`UPDATE leadership SET holder = 'other#1', name = 'other', address = '127.0.0.1:1', epoch = epoch + 1, expires_ms = expires_ms + 600000`);
    expect(c0.leading).toBe(true);
    const refused = await refusalOf(startDeploy(admin, v1.id));
    expect(refused).toMatchObject({ code: 'NOT_LEADER', message: expect.stringContaining('other at 127.0.0.1:1') });
    const rollouts = await db.query('SELECT count(*) AS n FROM rollouts');
    expect(Number(rollouts.rows[0].n)).toBe(0);
  });
});
