import { describe, expect, it } from 'vitest';
import { aClusterForThisFile } from '../../test/postgres.js';
import { Store } from '../store.js';
import type { Db } from './db.js';
import { PgDb } from './pg-db.js';
import { MIGRATIONS } from './schema.js';
import { SqliteDb } from './sqlite-db.js';

// PostgreSQL starts from one baseline script, SQLite from its eleven
// migrations: both must end with the same tables and columns, or a query
// that works on one fails on the other.

const cluster = aClusterForThisFile();

type Columns = Record<string, string[]>;

async function sqliteColumns(db: Db): Promise<Columns> {
  const out: Columns = {};
  for (const { name } of await db.all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)) {
    const cols = await db.all<{ name: string; notnull: number; pk: number }>(`SELECT name, "notnull", pk FROM pragma_table_info(?) ORDER BY name`, [name]);
    // A PRIMARY KEY column is NOT NULL in PostgreSQL whether or not it says so.
    out[name] = cols.map((c) => `${c.name}${c.notnull || c.pk ? ' not null' : ''}`);
  }
  return out;
}

async function postgresColumns(db: Db): Promise<Columns> {
  const out: Columns = {};
  const rows = await db.all<{ table_name: string; column_name: string; is_nullable: string }>(
    `SELECT table_name, column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name != 'schema_version' ORDER BY table_name, column_name`,
  );
  for (const r of rows) (out[r.table_name] ??= []).push(`${r.column_name}${r.is_nullable === 'NO' ? ' not null' : ''}`);
  return out;
}

describe('the schema on both backends', () => {
  it('has the same tables, columns and NOT NULLs after every migration, and the same version', async () => {
    const sqlite = await Store.open(new SqliteDb(':memory:'));
    const postgres = await Store.open(new PgDb(await cluster().aDatabase()));
    try {
      expect(await sqlite.schemaVersion()).toBe(MIGRATIONS.length);
      expect(await postgres.schemaVersion()).toBe(MIGRATIONS.length);
      const a = await sqliteColumns(sqlite.db);
      expect(Object.keys(a)).toContain('leadership');
      expect(await postgresColumns(postgres.db)).toEqual(a);
    } finally {
      await sqlite.close();
      await postgres.close();
    }
  });

  it('a PostgreSQL database that is already up to date is opened again without running anything', async () => {
    const url = await cluster().aDatabase();
    await (await Store.open(new PgDb(url))).close();
    const again = await Store.open(new PgDb(url));
    expect(await again.schemaVersion()).toBe(MIGRATIONS.length);
    await again.close();
  });
});
