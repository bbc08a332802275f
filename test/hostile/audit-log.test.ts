import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Coordinator } from '../../coordinator/coordinator.js';
import { openDatabase } from '../database.js';
import { AdminClient, aCoordinator, cleanup, runCli, tempDir } from '../fixtures.js';

// The audit log of any size is read and checked page by page, and an action
// lands only together with its audit entry.

describe('audit log at size, and in one transaction with its action', () => {
  let dir = '';
  let coordinator: Coordinator | undefined;
  afterEach(async () => {
    await coordinator?.stop();
    await cleanup(dir);
  });

  const cli = (...args: string[]) => runCli([...args, '--coordinator', coordinator!.address], { FLEETSWAP_INSECURE: '1' });

  it('audit and audit --verify read a log far larger than one reply, and find a change deep inside it', async () => {
    dir = await tempDir();
    coordinator = await aCoordinator(join(dir, 'data'));
    // Long reasons: 17,000 entries of ~4 KiB are ~70 MB, past the 64 MB that one reply (all main had) may carry.
    const reason = 'r'.repeat(4_000);
    await coordinator.store.tx(async () => {
      for (let i = 0; i < 17_000; i++) await coordinator!.audit.append({ actor: `host:web-${i % 50}`, action: 'staged', target: 'a'.repeat(64), reason });
    });
    const ok = await cli('audit', '--verify');
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/^audit log whole: 17000 entries, head [0-9a-f]{64}\n$/);
    const listed = await cli('audit', '--json');
    const entries = JSON.parse(listed.stdout) as { id: number }[];
    expect(entries.length).toBe(17_000);
    expect(entries.at(-1)?.id).toBe(17_000);

    const db = await openDatabase(join(dir, 'data'));
    try {
      await db.run(`UPDATE audit SET reason = 'nothing to see' WHERE id = 9000`);
      const changed = await cli('audit', '--verify');
      expect(changed.code).toBe(1);
      expect(changed.stderr).toMatch(/^fleetswap: audit log broken: entry #9000 was changed \(/);
      await db.run(`UPDATE audit SET reason = ? WHERE id = 9000`, [reason]);
      // The tail cut off behind the running coordinator's back: it remembers its head.
      await db.run(`DELETE FROM audit WHERE id > 16990`);
      const cut = await cli('audit', '--verify');
      expect(cut.stderr).toBe('fleetswap: audit log broken: entries from #16991 to #17000 were removed\n');
    } finally {
      await db.close();
    }
  }, 120_000);

  it('an action whose audit entry cannot be written does not happen', async () => {
    dir = await tempDir();
    coordinator = await aCoordinator(join(dir, 'data'));
    const db = await openDatabase(join(dir, 'data'));
    // The audit table refuses writes (as a full disk or a broken table would).
    if (db.dialect === 'sqlite') await db.run(`CREATE TRIGGER audit_refuses BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'audit unwritable'); END;`);
    else {
      await db.run(`CREATE FUNCTION audit_refuses() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit unwritable'; END $$ LANGUAGE plpgsql`);
      await db.run(`CREATE TRIGGER audit_refuses BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION audit_refuses()`);
    }
    const halt = await cli('halt', '--reason', 'incident 7');
    expect(halt.code).not.toBe(0);
    const admin = new AdminClient(coordinator.address);
    expect((await admin.call('Status', { rollout_id: 0 })).halt?.halted).toBe(false);
    const token = await cli('token', 'create', '--name', 'ci', '--role', 'deployer');
    expect(token.code).not.toBe(0);
    expect((await admin.call('ListTokens', {})).tokens.map((t) => t.name)).not.toContain('ci');
    await db.run(db.dialect === 'sqlite' ? `DROP TRIGGER audit_refuses` : `DROP TRIGGER audit_refuses ON audit`);
    await db.close();
    expect((await cli('halt', '--reason', 'incident 7')).code).toBe(0);
    expect((await admin.call('Status', { rollout_id: 0 })).halt?.halted).toBe(true);
    admin.close();
  });
});
