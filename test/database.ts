import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inject, onTestFinished } from 'vitest';
import type { Db } from '../coordinator/store/db.js';
import { PgDb } from '../coordinator/store/pg-db.js';
import { SqliteDb } from '../coordinator/store/sqlite-db.js';
import { createDatabase } from './postgres.js';
import { Store } from '../coordinator/store.js';

// Which database a test coordinator keeps its state in. On SQLite (the
// default) the file under its data directory; on PostgreSQL
// (FLEETSWAP_TEST_DATABASE=postgres, test/global-setup.ts) a database of its
// own, remembered in the data directory so a coordinator restarted on the
// same directory finds its state again, as one on SQLite would.

const MARK = '.test-database';

/** onPostgres says whether this run of the suite keeps coordinators' state in PostgreSQL. */
export function onPostgres(): boolean {
  return inject('pgUrl') !== '';
}

/** freshDatabase creates an empty PostgreSQL database in the run's cluster and returns its URL. */
export function freshDatabase(): Promise<string> {
  return createDatabase(inject('pgUrl'), `t_${process.pid}_${randomBytes(6).toString('hex')}`);
}

/** databaseFor is the PostgreSQL URL of a data directory's coordinator, made on first use; undefined on SQLite. */
export async function databaseFor(dataDir: string): Promise<string | undefined> {
  if (!onPostgres()) return undefined;
  const mark = join(dataDir, MARK);
  if (existsSync(mark)) return (await readFile(mark, 'utf8')).trim();
  await mkdir(dataDir, { recursive: true });
  const url = await freshDatabase();
  await writeFile(mark, `${url}\n`);
  return url;
}

/** aStore is an empty Store on this run's backend (SQLite in memory, or a fresh PostgreSQL database), closed when the test ends. */
export async function aStore(): Promise<Store> {
  const store = await Store.open(onPostgres() ? new PgDb(await freshDatabase()) : new SqliteDb(':memory:'));
  onTestFinished(() => store.close());
  return store;
}

/**
 * openDatabase opens a coordinator's database beside it, as someone with
 * access to it would (to read what is kept, or to tamper with it): the
 * SQLite file in its data directory, or its PostgreSQL database.
 */
export async function openDatabase(dataDir: string): Promise<Db> {
  const url = await databaseFor(dataDir);
  return url ? new PgDb(url, { max: 1 }) : new SqliteDb(join(dataDir, 'state.db'));
}

/**
 * backUp copies a stopped coordinator's data directory to `to`, database
 * included: the SQLite file travels with the directory; on PostgreSQL the
 * copy gets a database of its own, made from the original as it is now.
 */
export async function backUp(from: string, to: string): Promise<void> {
  await cp(from, to, { recursive: true });
  const source = await databaseFor(from);
  if (!source) return;
  const url = await createDatabase(inject('pgUrl'), `b_${process.pid}_${randomBytes(6).toString('hex')}`, new URL(source).pathname.slice(1));
  await writeFile(join(to, MARK), `${url}\n`);
}
