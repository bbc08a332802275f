import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Coordinator } from '../coordinator/coordinator.js';
import { DashboardClient, aToken, json } from './dashboard.js';
import { AdminClient, TEST_TOKEN, aCoordinator, cleanup, tempDir } from './fixtures.js';
import { onPostgres } from './database.js';
import { aClusterForThisFile } from './postgres.js';

// The dashboard of a coordinator that follows (several coordinators on one
// PostgreSQL database, issue 13): it shows what the shared database holds,
// and refuses what only the leader does, naming the leader, as the admin
// service's follower does.

const cluster = aClusterForThisFile();

// It starts a cluster of its own whatever the run's backend: the PostgreSQL pass of npm test would repeat it exactly.
describe.skipIf(onPostgres())('dashboard on a follower', () => {
  let leader: Coordinator;
  let follower: Coordinator;
  let admin: AdminClient;
  const dirs: string[] = [];

  beforeAll(async () => {
    const url = await cluster().aDatabase();
    const start = async (name: string) => {
      const dir = await tempDir();
      dirs.push(dir);
      return aCoordinator(join(dir, 'data'), { database: url, name, leaseMs: 1_000, http: { listen: '127.0.0.1:0' } });
    };
    leader = await start('c0');
    follower = await start('c1');
    admin = new AdminClient(leader.address, TEST_TOKEN, { insecure: true });
  });

  afterAll(async () => {
    admin.close();
    await follower.stop();
    await leader.stop();
    await cleanup(...dirs);
  });

  it('serves reads of the shared database, says who leads, and sends actions and live-only reads to the leader', async () => {
    expect(follower.leading).toBe(false);
    const ada = new DashboardClient(follower.http!.url);
    expect((await ada.signIn(TEST_TOKEN)).status).toBe(200);
    expect(json(await ada.get('/api/session'))).toMatchObject({ leading: false, leader: { name: 'c0', address: leader.address }, answered_by: 'c1' });
    for (const path of ['/api/releases', '/api/history', '/api/audit', '/api/rollouts', '/api/rollouts/current', '/api/status']) expect((await ada.get(path)).status, path).toBe(200);

    // Which hosts are connected, and drift, only the leader knows.
    for (const path of ['/api/fleet', '/api/drift']) {
      const a = await ada.get(path);
      expect(a.status, path).toBe(503);
      expect(json(a)).toMatchObject({ code: 'NOT_LEADER', leader: leader.address });
    }
    const halt = await ada.post('/api/halt', { reason: 'from the follower' });
    expect(halt.status).toBe(503);
    expect(json(halt)).toEqual({ error: `this coordinator is not the leader: c0 at ${leader.address} is (epoch ${(await admin.call('Status', {})).epoch})`, code: 'NOT_LEADER', leader: leader.address });
    expect((await admin.call('Status', {})).halt?.halted).toBe(false);

    // A viewer is refused for its role first, wherever it asks.
    const vera = new DashboardClient(follower.http!.url);
    expect((await vera.signIn(await aToken(admin, 'vera', 'viewer'))).status).toBe(200);
    expect((await vera.post('/api/halt', { reason: 'x' })).status).toBe(403);
  });
});
