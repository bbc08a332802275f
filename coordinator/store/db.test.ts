import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, tempDir } from '../../test/fixtures.js';
import { startPostgres, type PgCluster } from '../../test/postgres.js';
import type { Db } from './db.js';
import { PgDb } from './pg-db.js';
import { SqliteDb } from './sqlite-db.js';

// The contract every backend keeps, run against a real SQLite file and a
// real PostgreSQL cluster of the test's own.

let pgc: PgCluster;
let dir: string;
beforeAll(async () => {
  pgc = await startPostgres();
  dir = await tempDir();
}, 120_000);
afterAll(async () => {
  await pgc?.destroy();
  await cleanup(dir);
});

const SCHEMA = ['CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT NOT NULL, at_ms BIGINT NOT NULL)', "CREATE TABLE u (k TEXT PRIMARY KEY, v TEXT NOT NULL DEFAULT '')"];

let n = 0;
const backends: Record<string, () => Promise<Db>> = {
  sqlite: async () => new SqliteDb(join(dir, `db-${++n}.sqlite`)),
  postgres: async () => new PgDb(await pgc.aDatabase()),
};

describe.each(Object.keys(backends))('Db on %s', (name) => {
  async function aDb(): Promise<Db> {
    const db = await (backends[name] as () => Promise<Db>)();
    await db.migrate(SCHEMA);
    return db;
  }

  it('runs statements with ? and @name placeholders and reads 64-bit times back as numbers', async () => {
    const db = await aDb();
    const at = Date.UTC(2026, 11, 1, 12, 0, 0, 123);
    await db.run('INSERT INTO t(id, name, at_ms) VALUES (?, ?, ?)', [1, 'one?', at]);
    await db.run('INSERT INTO t(id, name, at_ms) VALUES (@id, @name, @at_ms)', { id: 2, name: "two's @x", at_ms: at + 1 });
    expect(await db.all('SELECT id, name, at_ms FROM t ORDER BY id')).toEqual([
      { id: 1, name: 'one?', at_ms: at },
      { id: 2, name: "two's @x", at_ms: at + 1 },
    ]);
    expect(await db.get("SELECT count(*) AS n, CAST(sum(at_ms) AS BIGINT) AS s FROM t WHERE name != '?'")).toEqual({ n: 2, s: 2 * at + 1 });
    expect(await db.get('SELECT id FROM t WHERE id = ?', [9])).toBeUndefined();
    expect((await db.run('UPDATE t SET name = ? WHERE id > ?', ['x', 0])).changes).toBe(2);
    expect(await db.get("INSERT INTO u(k) VALUES ('a') ON CONFLICT (k) DO NOTHING RETURNING k")).toEqual({ k: 'a' });
    expect(await db.get("INSERT INTO u(k) VALUES ('a') ON CONFLICT (k) DO NOTHING RETURNING k")).toBeUndefined();
    await db.close();
  });

  it('refuses a named statement called without one of its values, and changes nothing', async () => {
    const db = await aDb();
    await expect(db.run('INSERT INTO t(id, name, at_ms) VALUES (@id, @name, @at_ms)', { id: 1, name: 'x' })).rejects.toThrow(/at_ms/);
    expect(await db.all('SELECT * FROM t')).toEqual([]);
    await db.close();
  });

  it('commits a transaction whole, then runs what waited for the commit', async () => {
    const db = await aDb();
    const after: string[] = [];
    const out = await db.tx(async () => {
      await db.run("INSERT INTO u(k, v) VALUES ('a', '1')");
      db.afterCommit(() => after.push('sent a'));
      await db.tx(async () => {
        await db.run("INSERT INTO u(k, v) VALUES ('b', '2')");
        db.afterCommit(() => after.push('sent b'));
      });
      expect(after).toEqual([]);
      return 'done';
    });
    expect(out).toBe('done');
    expect(after).toEqual(['sent a', 'sent b']);
    expect(await db.all('SELECT k FROM u ORDER BY k')).toEqual([{ k: 'a' }, { k: 'b' }]);
    await db.close();
  });

  it('rolls a failed transaction back whole and forgets what waited for it', async () => {
    const db = await aDb();
    const after: string[] = [];
    await expect(
      db.tx(async () => {
        await db.run("INSERT INTO u(k, v) VALUES ('a', '1')");
        db.afterCommit(() => after.push('sent'));
        await db.run("INSERT INTO u(k, v) VALUES ('a', '2')"); // duplicate key
      }),
    ).rejects.toThrow();
    expect(after).toEqual([]);
    expect(await db.all('SELECT k FROM u')).toEqual([]);
    // The database is usable afterwards.
    await db.tx(async () => void (await db.run("INSERT INTO u(k) VALUES ('z')")));
    expect(await db.all('SELECT k FROM u')).toEqual([{ k: 'z' }]);
    await db.close();
  });

  it('keeps an open transaction from other async contexts: they see it only once committed', async () => {
    const db = await aDb();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const wrote = new Promise<void>((r) => (inserted = r));
    const writer = db.tx(async () => {
      await db.run("INSERT INTO u(k) VALUES ('a')");
      inserted();
      await gate;
    });
    await wrote;
    const seen = db.all('SELECT k FROM u');
    const early = await Promise.race([seen, new Promise((r) => setTimeout(() => r('waiting'), 100))]);
    // SQLite's one connection makes the reader wait; PostgreSQL's reader sees the state before.
    expect(early === 'waiting' || (Array.isArray(early) && early.length === 0)).toBe(true);
    release();
    await writer;
    expect(await db.all('SELECT k FROM u')).toEqual([{ k: 'a' }]);
    await db.close();
  });

  it('migrates once, counts its versions, and refuses a schema newer than it knows', async () => {
    const db = await aDb();
    expect(await db.schemaVersion()).toBe(2);
    await db.migrate(SCHEMA); // nothing left to run: would fail if rerun (tables exist)
    await db.migrate([...SCHEMA, 'CREATE TABLE w (x TEXT)']);
    expect(await db.schemaVersion()).toBe(3);
    await expect(db.migrate(SCHEMA)).rejects.toMatchObject({ code: 'BAD_USAGE', message: expect.stringMatching(/schema 3 is newer than this fleetswap knows \(2\)/) });
    await db.close();
  });
});

describe('PostgreSQL restarted underneath', () => {
  it('reports queries while it is down as UNAVAILABLE and works again once it is back, with no restart of the client', async () => {
    const db = new PgDb(await pgc.aDatabase(), { onError: () => undefined });
    await db.migrate(SCHEMA);
    await db.run("INSERT INTO u(k) VALUES ('before')");
    await pgc.stop();
    await expect(db.all('SELECT k FROM u')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await pgc.start();
    expect(await db.all('SELECT k FROM u')).toEqual([{ k: 'before' }]);
    await db.close();
  });
});
