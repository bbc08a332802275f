import { FleetswapError } from '../../shared/errors.js';
import type { Db, Row } from './db.js';

// The SQL side of moving a fleet between databases (coordinator export /
// import, transfer-file.ts has the file): which tables travel and in what
// order, reading them from one moment, writing them into an empty database,
// and PostgreSQL's identity counters after rows came with their ids.

/**
 * TRANSFER_TABLES are the tables that make up a fleet, parents before the
 * rows that refer to them (rollout_hosts and verdicts name a rollout). A
 * migration that adds a table adds it here or to NOT_TRANSFERRED: an export
 * refuses a database with a table in neither, so the export tests
 * (test/database-ops.test.ts) fail until it is said.
 */
export const TRANSFER_TABLES = [
  'meta',
  'releases',
  'hosts',
  'host_releases',
  'desired_changes',
  'rollouts',
  'rollout_hosts',
  'verdicts',
  'drift_events',
  'audit',
  'tokens',
  'vitals',
  // The event stream, the receivers (secrets included: a fleet moves with them) and what they are still owed.
  'events',
  'notify_receivers',
  'notify_outbox',
] as const;

export type TransferTable = (typeof TRANSFER_TABLES)[number];

/**
 * NOT_TRANSFERRED are tables a fleet moves without:
 * - leadership, coordinators: who leads the coordinators running on the
 *   source; those on the target elect their own.
 * - blobs, blob_chunks, blob_uploads: release contents kept in the database.
 *   They travel as the blobs the releases name, read from and written to
 *   whichever BlobStore each side uses (transfer-blobs.ts), not as rows.
 * - schema_version, sqlite_sequence: each backend's own bookkeeping.
 */
export const NOT_TRANSFERRED = new Set(['leadership', 'coordinators', 'blobs', 'blob_chunks', 'blob_uploads', 'schema_version', 'sqlite_sequence']);

const TRANSFERRED: ReadonlySet<string> = new Set(TRANSFER_TABLES);

export function isTransferTable(name: string): name is TransferTable {
  return TRANSFERRED.has(name);
}

/** tablesOf lists a database's tables (an empty list for an empty database). */
export async function tablesOf(db: Db): Promise<string[]> {
  const rows =
    db.dialect === 'sqlite'
      ? await db.all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`)
      : await db.all<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`);
  return rows.map((r) => r.name);
}

/** columnsOf lists a table's columns as the database has them: the only names an imported row may use. */
export async function columnsOf(db: Db, table: TransferTable): Promise<string[]> {
  const rows =
    db.dialect === 'sqlite'
      ? await db.all<{ name: string }>('SELECT name FROM pragma_table_info(?)', [table])
      : await db.all<{ name: string }>('SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?', [table]);
  return rows.map((r) => r.name);
}

/** checkTables refuses a database with a table this fleetswap would neither move nor knowingly leave behind. */
export async function checkTables(db: Db): Promise<void> {
  const unknown = (await tablesOf(db)).filter((t) => !TRANSFERRED.has(t) && !NOT_TRANSFERRED.has(t));
  if (unknown.length) throw new FleetswapError('INTERNAL', `table ${unknown.join(', ')} is not known to export: a migration added it without saying whether it moves (coordinator/store/transfer.ts)`);
}

/** rowCounts counts each transferred table's rows (0 for one the database does not have yet). */
export async function rowCounts(db: Db): Promise<Record<TransferTable, number>> {
  const have = new Set(await tablesOf(db));
  const out = {} as Record<TransferTable, number>;
  for (const t of TRANSFER_TABLES) out[t] = have.has(t) ? ((await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM "${t}"`))?.n ?? 0) : 0;
  return out;
}

/** scanTable yields a table's rows a batch at a time; run it inside Db.snapshot. */
export function scanTable(db: Db, table: TransferTable, batch = 1_000): AsyncIterable<Row[]> {
  // In the order of the first column (an id, a key, vitals' time): each has an index.
  return db.scan(`SELECT * FROM "${table}" ORDER BY 1`, batch);
}

// SQLite allowed 999 values in a statement until 3.32; PostgreSQL 65535.
const MAX_VALUES = 999;

/**
 * TableWriter inserts rows into one table in multi-row statements (a round
 * trip per row would make a PostgreSQL import of a day of vitals take
 * hours). Column names come from a file: only the target's own are
 * accepted, and every row must give exactly those.
 */
export class TableWriter {
  private readonly pending: unknown[][] = [];
  private readonly perStatement: number;

  constructor(
    private readonly db: Db,
    readonly table: TransferTable,
    private readonly columns: readonly string[],
  ) {
    this.perStatement = Math.max(1, Math.floor(MAX_VALUES / columns.length));
  }

  static async open(db: Db, table: TransferTable): Promise<TableWriter> {
    return new TableWriter(db, table, await columnsOf(db, table));
  }

  /** add queues a row; a row whose columns are not exactly the table's is refused before anything is sent. */
  async add(row: Readonly<Record<string, unknown>>): Promise<void> {
    const keys = Object.keys(row);
    if (keys.length !== this.columns.length || this.columns.some((c) => !Object.hasOwn(row, c))) {
      const extra = keys.filter((k) => !this.columns.includes(k));
      const missing = this.columns.filter((c) => !Object.hasOwn(row, c));
      throw new FleetswapError('BAD_USAGE', `a ${this.table} row does not fit this database's table (${[...extra.map((c) => `unknown column ${JSON.stringify(c)}`), ...missing.map((c) => `no ${c}`)].join(', ')})`);
    }
    this.pending.push(this.columns.map((c) => row[c]));
    if (this.pending.length >= this.perStatement) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.pending.length) return;
    const rows = this.pending.splice(0);
    const one = `(${this.columns.map(() => '?').join(', ')})`;
    const sql = `INSERT INTO "${this.table}" (${this.columns.map((c) => `"${c}"`).join(', ')}) VALUES ${rows.map(() => one).join(', ')}`;
    await this.db.run(sql, rows.flat());
  }
}

/**
 * resetIdentities moves each PostgreSQL identity (or serial) column's
 * counter past the largest id imported: rows came with their ids, which
 * does not advance the counter, so the next rollout would otherwise be
 * given id 1 and collide. SQLite's AUTOINCREMENT keeps count by itself.
 */
export async function resetIdentities(db: Db): Promise<void> {
  if (db.dialect !== 'postgres') return;
  const cols = await db.all<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')`,
  );
  for (const { table_name: t, column_name: c } of cols) {
    if (!isTransferTable(t)) continue;
    await db.get(`SELECT setval(pg_get_serial_sequence(?, ?), COALESCE((SELECT MAX("${c}") FROM "${t}"), 0) + 1, false)`, [t, c]);
  }
}
