import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { BlobStore } from '../../coordinator/blobs/blob-store.js';
import type { Db } from '../../coordinator/store/db.js';
import { FleetswapError } from '../../shared/errors.js';
import { renameDurably } from '../../shared/fsync.js';
import { blobsDir, databaseUrl } from '../daemons.js';
import { out } from './common.js';

// coordinator migrate | backup | export | import: operating the coordinator's
// database by hand, with no coordinator needed (README, "Running several
// coordinators / backup and restore"). The coordinator's modules are loaded
// only when one of these runs, as for the daemons.

interface Where {
  data?: string;
  database?: string;
}

/** withWhere adds the flags that say which database: PostgreSQL by URL (as the coordinator takes it), else SQLite under --data. */
function withWhere(cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'the coordinator\'s data directory (its SQLite database)')
    .addOption(new Option('--database <url>', 'the coordinators\' PostgreSQL (postgres://...) instead').env('FLEETSWAP_DATABASE'));
}

/** target says which database a command names, checked, and opens it when asked: a SQLite file must exist already unless `create`. */
async function target(w: Where, create = false): Promise<{ where: string; connect: () => Promise<Db> }> {
  const { Store, SQLITE_FILE } = await import('../../coordinator/store.js');
  if (w.database) {
    const url = databaseUrl(w.database);
    return { where: 'the PostgreSQL database', connect: async () => Store.dbAt({ database: url, dataDir: '' }) };
  }
  if (!w.data) throw new FleetswapError('BAD_USAGE', '--data (the coordinator\'s data directory) or --database postgres://... is required');
  const dataDir = resolve(w.data);
  const where = join(dataDir, SQLITE_FILE);
  if (!create && !existsSync(where)) throw new FleetswapError('BAD_USAGE', `no database at ${where}: give the coordinator's --data directory`);
  return {
    where,
    connect: async () => {
      await mkdir(dataDir, { recursive: true });
      return Store.dbAt({ dataDir });
    },
  };
}

/** withBlobs adds --blobs, as the coordinator takes it: export reads the blobs from there, import writes them there. */
function withBlobs(cmd: Command): Command {
  return cmd.option('--blobs <dir>', "the coordinators' --blobs directory, if they have one (default: in the PostgreSQL database with --database, else DATA/blobs)");
}

/** blobStoreOf is the blob store a coordinator started with the same flags would use. */
async function blobStoreOf(w: Where & { blobs?: string }): Promise<(db: Db) => BlobStore> {
  if (w.blobs !== undefined) await blobsDir(w.blobs);
  const { blobStoreFor } = await import('../../coordinator/blobs/blob-store-for.js');
  const { Blobs } = await import('../../coordinator/store/blobs.js');
  return (db) => blobStoreFor({ dataDir: resolve(w.data ?? '.'), database: w.database, blobsDir: w.blobs }, new Blobs(db));
}

/** blobsSaid is how export and import report the blobs they carried. */
const blobsSaid = (s: { blobs: number; bytes: number }, where: string) => `${s.blobs} blobs (${s.bytes} bytes) ${where}`;

/** opened runs fn on the database a command names, and always closes it. */
async function opened<T>(w: Where, fn: (db: Db, where: string) => Promise<T>): Promise<T> {
  const { where, connect } = await target(w);
  const db = await connect();
  try {
    return await fn(db, where);
  } finally {
    await db.close();
  }
}

/** registerDatabase adds migrate, backup, export and import under `coordinator`. */
export function registerDatabase(coordinator: Command): void {
  withWhere(coordinator.command('migrate'))
    .description('run the database migrations this fleetswap has and the database has not (coordinators run them at start unless --no-migrate)')
    .option('--check', 'run nothing: exit 1 if migrations are pending')
    .action(async (o: Where & { check?: boolean }) => {
      const { migrationsFor, schemaState, behindSchema } = await import('../../coordinator/store/schema.js');
      await opened(o, async (db, where) => {
        const from = await schemaState(db);
        if (from.have === from.want) return out(`${where}: schema ${from.have}, up to date; nothing to run`);
        if (o.check) throw behindSchema(from);
        const { scripts, baseline } = migrationsFor(db.dialect);
        await db.migrate(scripts, baseline);
        out(`${where}: schema ${from.have} -> ${await db.schemaVersion()}`);
      });
    });

  withWhere(coordinator.command('backup'))
    .description('copy the SQLite database while the coordinator runs (SQLite\'s online backup); PostgreSQL: pg_dump')
    .requiredOption('--out <file>', 'the backup file to write')
    .option('--force', 'replace --out if it exists')
    .action(async (o: Where & { out: string; force?: boolean }) => {
      if (o.database) throw new FleetswapError('BAD_USAGE', 'backup copies a SQLite database: back PostgreSQL up with pg_dump -Fc (README: backup and restore)');
      const file = resolve(o.out);
      if (!o.force && existsSync(file)) throw new FleetswapError('BAD_USAGE', `${file} exists: give another --out, or --force to replace it`);
      const { SqliteDb } = await import('../../coordinator/store/sqlite-db.js');
      await opened(o, async (db, where) => {
        const tmp = `${file}.tmp-${process.pid}`;
        try {
          if (!(db instanceof SqliteDb)) throw new FleetswapError('INTERNAL', 'backup needs a SQLite database');
          await db.backup(tmp);
          await renameDurably(tmp, file);
        } finally {
          await rm(tmp, { force: true });
        }
        out(`${where}: schema ${await db.schemaVersion()}, backed up to ${file}`);
        out(`blobs are not in it: copy ${join(resolve(o.data ?? '.'), 'blobs')} too (README: backup and restore)`);
      });
    });

  withBlobs(withWhere(coordinator.command('export')))
    .description("write the fleet (releases and their blobs, hosts, rollouts, audit, tokens, ...) as JSON lines, as it is at one moment, to move it to another database")
    .requiredOption('--out <file>', 'the file to write')
    .option('--force', 'replace --out if it exists')
    .action(async (o: Where & { out: string; force?: boolean; blobs?: string }) => {
      const { exportFleet } = await import('../../coordinator/transfer-file.js');
      const blobsFor = await blobStoreOf(o);
      await opened(o, async (db, where) => {
        const blobs = blobsFor(db);
        const s = await exportFleet(db, blobs, resolve(o.out), { force: o.force });
        out(`${where}: schema ${s.header.schema}, ${s.header.tables.map((t) => `${t.rows} ${t.name}`).join(', ')}; written to ${resolve(o.out)} with ${blobsSaid(s, `from ${blobs.where}`)}`);
      });
    });

  withBlobs(withWhere(coordinator.command('import')))
    .description('load a fleet written by coordinator export into an empty database, in one transaction, and its blobs into the blob store')
    .argument('<file>', 'the export')
    .action(async (file: string, o: Where & { blobs?: string }) => {
      const { importFleet } = await import('../../coordinator/transfer-file.js');
      const blobsFor = await blobStoreOf(o);
      const { where, connect } = await target(o, true);
      let into = '';
      const s = await importFleet(resolve(file), connect, (db) => {
        const blobs = blobsFor(db);
        into = blobs.where;
        return blobs;
      });
      out(`${where}: imported ${s.header.tables.map((t) => `${t.rows} ${t.name}`).join(', ')} (schema ${s.header.schema}) and ${blobsSaid(s, `into ${into}`)}`);
    });
}
