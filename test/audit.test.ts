import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Agent } from '../agent/agent.js';
import type { Coordinator } from '../coordinator/coordinator.js';
import type { Db } from '../coordinator/store/db.js';
import { MIGRATIONS } from '../coordinator/store/schema.js';
import { GENESIS, entryHash } from '../shared/audit-chain.js';
import type { AuditEntry__Output as AuditEntryWire } from '../shared/gen/fleetswap/v1/AuditEntry.js';
import { onPostgres, openDatabase } from './database.js';
import { AdminClient, TEST_TOKEN, TWO_PHASE, aCoordinator, aTree, anAgent, cleanup, runCli, tempDir, waitFor } from './fixtures.js';

// The audit log: every authorised action and every host state change,
// appended with the hash of the entry before; `audit --verify` names the
// first entry that was changed or removed behind the coordinator's back.

interface Entry {
  id: number;
  actor: string;
  action: string;
  target: string;
  reason: string;
  detail: unknown;
  prev: string;
  hash: string;
}

describe('audit log', () => {
  let dir = '';
  let coordinator: Coordinator | undefined;
  let client: AdminClient | undefined;
  let agent: Agent | undefined;
  afterEach(async () => {
    await agent?.stop();
    client?.close();
    await coordinator?.stop();
    await cleanup(dir);
  });

  it('records who did what, why, and what hosts did; --verify finds the first changed or removed entry', async () => {
    dir = await tempDir();
    coordinator = await aCoordinator(join(dir, 'data'));
    client = new AdminClient(coordinator.address);
    agent = await anAgent(coordinator.address, join(dir, 'host'), { id: 'web-1' });
    await waitFor('agent', () => coordinator!.fleet.connectedCount() === 1);
    // Who is the token's name, whatever the request claims (FLEETSWAP_ACTOR is only what the CLI says).
    const cli = (...args: string[]) => runCli([...args, '--coordinator', coordinator!.address], { FLEETSWAP_ACTOR: 'mallory@laptop' });
    const alice = (await cli('token', 'create', '--name', 'alice', '--role', 'deployer')).stdout.trim();
    const asAlice = (...args: string[]) => runCli([...args, '--coordinator', coordinator!.address], { FLEETSWAP_TOKEN: alice });

    expect((await asAlice('push', await aTree(join(dir, 'v1'), { 'index.html': 'one' }), '--version', 'v1')).code).toBe(0);
    expect((await asAlice('deploy', 'v1', ...TWO_PHASE, '--watch', '--reason', 'first ship')).code).toBe(0);
    expect((await cli('halt', '--reason', 'incident 7')).code).toBe(0);
    expect((await cli('unhalt')).code).toBe(0);

    const entries = JSON.parse((await cli('audit', '--json')).stdout) as Entry[];
    expect(entries.map((e) => [e.actor, e.action])).toEqual([
      ['token:bootstrap-admin', 'token-create'],
      ['token:alice', 'push'],
      ['token:alice', 'deploy'],
      ['host:web-1', 'staged'],
      ['host:web-1', 'switched'],
      ['token:bootstrap-admin', 'halt'],
      ['token:bootstrap-admin', 'unhalt'],
    ]);
    expect(entries[2]).toMatchObject({ target: 'rollout #1', reason: 'first ship' });
    expect(entries[5]).toMatchObject({ target: 'fleet', reason: 'incident 7' });
    entries.forEach((e, i) => expect(e.prev).toBe(i === 0 ? '0'.repeat(64) : entries[i - 1]!.hash));
    const ok = await cli('audit', '--verify');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^audit log whole: 7 entries, head [0-9a-f]{64}\n$/);

    // Someone with the database rewrites who halted the fleet...
    const db = await openDatabase(join(dir, 'data'));
    try {
      await db.run(`UPDATE audit SET actor = 'mallory' WHERE id = 6`);
      const changed = await cli('audit', '--verify');
      expect(changed.code).toBe(1);
      expect(changed.stderr).toBe('fleetswap: audit log broken: entry #6 was changed (' + (await entryLine(db, 6)) + ')\n');
      await db.run(`UPDATE audit SET actor = 'token:bootstrap-admin' WHERE id = 6`);
      expect((await cli('audit', '--verify')).code).toBe(0);

      // ...or removes the staging of web-1.
      await db.run(`DELETE FROM audit WHERE id = 4`);
      const removed = await cli('audit', '--verify');
      expect(removed.code).toBe(1);
      expect(removed.stderr).toBe('fleetswap: audit log broken: entry #4 was removed (the log goes from #3 to #5)\n');
    } finally {
      await db.close();
    }
  }, 60_000);
});

describe('a coordinator from before times were kept as ms', () => {
  let dir = '';
  let coordinator: Coordinator | undefined;
  afterEach(async () => {
    await coordinator?.stop();
    await cleanup(dir);
  });

  // A SQLite file written by the fleetswap before: PostgreSQL arrived after it, so there is no old PostgreSQL database to read.
  it.skipIf(onPostgres())('reads its database as it was: the audit chain verifies, and every time prints as the same ISO text', async () => {
    dir = await tempDir();
    const data = join(dir, 'data');
    await mkdir(data);
    // The database as the previous fleetswap left it: times as ISO text, the audit hashes over that text.
    const db = new Database(join(data, 'state.db'));
    const before = MIGRATIONS.findIndex((m) => m.includes('pushed_at_ms'));
    for (const m of MIGRATIONS.slice(0, before)) db.exec(m);
    db.pragma(`user_version = ${before}`);
    const made = '2025-03-04T05:06:07.089Z';
    db.prepare(`INSERT INTO tokens(name, role, hash, created_at, created_by, revoked_at) VALUES ('bootstrap-admin', 'admin', ?, ?, 'coordinator (first start)', NULL)`).run(
      createHash('sha256').update(TEST_TOKEN).digest('hex'),
      made,
    );
    db.prepare(`INSERT INTO desired_changes(at, actor, reason, action, from_release, to_release, hosts) VALUES ('2025-03-04T05:07:00.000Z', 'token:alice', 'first ship', 'deploy', '', ?, '["web-1"]')`).run('c'.repeat(64));
    db.prepare(`INSERT INTO meta(key, value) VALUES ('halt', ?)`).run(JSON.stringify({ halted: true, reason: 'incident 7', actor: 'token:bootstrap-admin', at: '2025-03-04T05:08:09.999Z' }));
    const chain: AuditEntryWire[] = [];
    for (const [i, at] of ['2025-03-04T05:06:07.089Z', '2025-03-04T05:07:00.000Z', '2025-03-04T05:08:09.999Z'].entries()) {
      const e = { id: i + 1, at, actor: 'token:alice', action: i === 2 ? 'halt' : 'deploy', target: 'rollout #1', reason: '', detail: '{}', prev: chain.at(-1)?.hash ?? GENESIS };
      chain.push({ ...e, hash: entryHash(e) });
    }
    for (const e of chain) db.prepare(`INSERT INTO audit(id, at, actor, action, target, reason, detail, prev, hash) VALUES (@id, @at, @actor, @action, @target, @reason, @detail, @prev, @hash)`).run(e);
    db.close();

    coordinator = await aCoordinator(data);
    const cli = (...args: string[]) => runCli([...args, '--coordinator', coordinator!.address]);
    const verified = await cli('audit', '--verify');
    expect(verified.stdout).toBe(`audit log whole: 3 entries, head ${chain[2]!.hash}\n`);
    expect((await cli('audit')).stdout.split('\n').slice(0, 3)).toEqual([
      '#1 2025-03-04T05:06:07.089Z token:alice deploy rollout #1',
      '#2 2025-03-04T05:07:00.000Z token:alice deploy rollout #1',
      '#3 2025-03-04T05:08:09.999Z token:alice halt rollout #1',
    ]);
    expect((await cli('history')).stdout).toMatch(/^2025-03-04T05:07:00\.000Z #1 deploy by token:alice: /);
    expect((await cli('token', 'list')).stdout).toBe(`bootstrap-admin\tadmin\tmade ${made} by coordinator (first start)\n`);
    expect((await cli('status')).stdout).toContain('HALTED since 2025-03-04T05:08:09.999Z by token:bootstrap-admin: incident 7');
  }, 60_000);
});

async function entryLine(db: Db, id: number): Promise<string> {
  const e = (await db.get(`SELECT at_ms, actor, action, target FROM audit WHERE id = ?`, [id])) as { at_ms: number; actor: string; action: string; target: string };
  return `${new Date(e.at_ms).toISOString()} ${e.actor} ${e.action} ${e.target}`;
}
