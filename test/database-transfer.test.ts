import { execFile } from 'node:child_process';
import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient, aCoordinator, anAgent, cleanup, runCli, startDeploy, tempDir, waitConnected, waitFor, waitRollout } from './fixtures.js';
import { aFleet, blobsIn, FLEET_BLOBS, fleetView } from './fleet-view.js';
import { aClusterForThisFile, createDatabase, pgBin } from './postgres.js';

// Backing a fleet up and moving it between databases while its coordinator
// runs and writes (two hosts send vitals every 50 ms): SQLite's online
// backup restored by copying, pg_dump and pg_restore (the real programs),
// and coordinator export / import from SQLite to PostgreSQL and back. Each
// copy is checked by starting a coordinator on it. These tests pick their
// backends themselves, whatever the suite runs on.

const run = promisify(execFile);
const cluster = aClusterForThisFile();

let dir = '';
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(() => cleanup(dir));

const cli = (...args: string[]) => runCli(args, { FLEETSWAP_DATABASE: '' });

/** rowLines are an export's rows and blob lines, sorted: the same fleet exported from either backend gives the same set. */
async function rowLines(file: string): Promise<string[]> {
  const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
  return lines.slice(1, -1).sort();
}

describe('coordinator backup (SQLite)', () => {
  it('copies the database while the coordinator runs and writes; a coordinator on a data directory restored from it shows the same fleet', async () => {
    const data = join(dir, 'backup-src');
    const fleet = await aFleet(join(dir, 'backup-hosts'), data, undefined);
    const before = await fleetView(fleet.client);
    const file = join(dir, 'fleet.db');
    let backup;
    try {
      const stored = async () => Number((await fleet.client.call('Status', { rollout_id: 0 })).vitals?.stored ?? 0);
      const vitalsBefore = await stored();
      backup = await cli('coordinator', 'backup', '--data', data, '--out', file);
      // Vitals kept arriving (and being written) while the backup ran.
      await waitFor('more vitals stored', async () => (await stored()) > vitalsBefore);
    } finally {
      await fleet.stop();
    }
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/backed up to .*fleet\.db\nblobs are not in it: copy .*blobs too/);

    // Restored as README says: the blobs and the token file, then the backup as state.db.
    const restored = join(dir, 'backup-restored');
    await cp(join(data, 'blobs'), join(restored, 'blobs'), { recursive: true });
    await cp(file, join(restored, 'state.db'));
    await expectSameFleet(restored, undefined, before);
  });
});

/** expectSameFleet starts a coordinator on a restored copy and checks it shows `before` and its audit chain verifies. */
async function expectSameFleet(dataDir: string, database: string | undefined, before: Awaited<ReturnType<typeof fleetView>>): Promise<void> {
  const c = await aCoordinator(dataDir, { database });
  const client = new AdminClient(c.address);
  try {
    expect(await fleetView(client)).toEqual(before);
    expect((await runCli(['audit', '--verify', '--coordinator', c.address])).code).toBe(0);
  } finally {
    client.close();
    await c.stop();
  }
}

describe('pg_dump and pg_restore (PostgreSQL)', () => {
  it('a custom-format dump taken while the coordinator runs, restored into a new database, gives a coordinator the same fleet', async () => {
    const source = await cluster().aDatabase('dump_src');
    const fleet = await aFleet(join(dir, 'dump-hosts'), join(dir, 'dump-src'), source);
    const before = await fleetView(fleet.client);
    const file = join(dir, 'fleet.dump');
    try {
      // README's commands, as written there: without the lease tables of the coordinators running on the source.
      await run(pgBin('pg_dump'), ['-Fc', '--exclude-table-data=leadership', '--exclude-table-data=coordinators', '--file', file, source]);
    } finally {
      await fleet.stop();
    }
    const target = await createDatabase(cluster().url, `dump_dst_${process.pid}`);
    await run(pgBin('pg_restore'), ['--no-owner', '--exit-on-error', '-d', target, file]);

    await expectSameFleet(join(dir, 'dump-restored'), target, before);
  });
});

describe('coordinator export and import between SQLite and PostgreSQL', () => {
  it('moves a running SQLite fleet to PostgreSQL and back: the same rows, the same fleet, the audit chain verifies, and new rows get fresh ids', async () => {
    const hosts = join(dir, 'move-hosts');
    const sqliteData = join(dir, 'move-sqlite');
    const fleet = await aFleet(hosts, sqliteData, undefined);
    const before = await fleetView(fleet.client);
    const fromSqlite = join(dir, 'from-sqlite.jsonl');
    let exported;
    try {
      // Taken while vitals are written: one snapshot, so every row that names a rollout finds it.
      exported = await cli('coordinator', 'export', '--data', sqliteData, '--out', fromSqlite);
    } finally {
      await fleet.stop();
    }
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/2 releases, 2 hosts, .*1 rollouts, 2 rollout_hosts, .*[1-9]\d* vitals, \d+ events, 0 notify_receivers, 0 notify_outbox; written to .* with 3 blobs \(9 bytes\) from .*move-sqlite\/blobs\n$/);

    // Into an empty PostgreSQL database (not even migrated: import does that).
    const pgUrl = await cluster().aDatabase('move');
    const imported = await runCli(['coordinator', 'import', fromSqlite, '--database', pgUrl]);
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toMatch(/^the PostgreSQL database: imported 0 meta, 2 releases, 2 hosts.* and 3 blobs \(9 bytes\) into database\n$/);

    // PostgreSQL's rows are SQLite's, value for value (the manifest's bytes too), and its blobs (now in the database) too.
    const fromPg = join(dir, 'from-pg.jsonl');
    expect((await runCli(['coordinator', 'export', '--database', pgUrl, '--out', fromPg])).code).toBe(0);
    expect(await rowLines(fromPg)).toEqual(await rowLines(fromSqlite));

    // And back to SQLite: a coordinator there shows the same fleet.
    const backData = join(dir, 'move-back');
    expect((await cli('coordinator', 'import', fromPg, '--data', backData)).code).toBe(0);
    expect(await blobsIn(join(backData, 'blobs'))).toEqual(FLEET_BLOBS);
    const back = await aCoordinator(backData, { database: undefined });
    const backClient = new AdminClient(back.address);
    try {
      expect(await fleetView(backClient)).toEqual(before);
    } finally {
      backClient.close();
      await back.stop();
    }

    // A coordinator on PostgreSQL: its blobs are in the database, where the import put them.
    const pgData = join(dir, 'move-pg');
    const c = await aCoordinator(pgData, { database: pgUrl });
    const client = new AdminClient(c.address);
    const agents = [];
    try {
      expect(await fleetView(client)).toEqual(before);
      const verify = await runCli(['audit', '--verify', '--coordinator', c.address]);
      expect(verify.stderr).toBe('');
      expect(verify.code).toBe(0);
      // The hosts come back to the moved coordinator and take v2, whose
      // files they fetch from the blobs the import brought: rollout 2, the
      // next desired change; with the identity counters left at 1 the deploy
      // would collide with the imported rollout 1.
      for (const id of ['web-1', 'web-2']) agents.push(await anAgent(c.address, join(hosts, id), { id, tags: { role: 'web' } }));
      await waitConnected(c, 2);
      const deploy = await startDeploy(client, 'v2');
      expect(deploy.id).toBe(2);
      expect((await waitRollout(client, deploy.id)).state).toBe('complete');
      const history = (await client.call('History', {})).changes.map((h) => Number(h.id)).sort((a, b) => a - b);
      expect(history).toEqual([...new Set(history)]);
      expect(history.length).toBeGreaterThan(before.history.length);
      expect((await runCli(['audit', '--verify', '--coordinator', c.address])).code).toBe(0);
    } finally {
      for (const a of agents) await a.stop();
      client.close();
      await c.stop();
    }
  });
});
