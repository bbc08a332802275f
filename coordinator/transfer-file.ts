import { createHash, type Hash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { FleetswapError } from '../shared/errors.js';
import { renameDurably } from '../shared/fsync.js';
import { VERSION } from '../shared/version.js';
import type { Db, Row } from './store/db.js';
import { MIGRATIONS, migrationsFor, schemaState } from './store/schema.js';
import { checkTables, resetIdentities, rowCounts, scanTable, TableWriter, TRANSFER_TABLES, type TransferTable } from './store/transfer.js';

// `coordinator export` / `import`: a fleet as JSON lines, to move it from
// one database to another (SQLite to PostgreSQL, or back).
//
//   {"format":"fleetswap-export","version":1,"schema":12,"fleetswap":"0.1.0","tables":[{"name":"meta","rows":2},...]}
//   {"table":"meta","row":{"key":"halt","value":"..."}}          one line per row, tables in TRANSFER_TABLES order
//   {"table":"releases","row":{"id":"...","manifest":{"base64":"..."},...}}   binary columns as {"base64": ...}
//   {"end":"fleetswap-export","rows":1234,"sha256":"..."}        sha256 of every byte before this line
//
// The header's counts and the end line make a file cut short, or with a
// line lost or changed, fail the import before anything is written.

export const FORMAT = 'fleetswap-export';
export const FORMAT_VERSION = 1;

export interface TransferHeader {
  format: string;
  version: number;
  schema: number;
  fleetswap: string;
  tables: { name: TransferTable; rows: number }[];
}

/** exportFleet writes the fleet in db to path, as it was at one moment while a coordinator may go on writing; the file appears whole or not at all. */
export async function exportFleet(db: Db, path: string, opts: { force?: boolean } = {}): Promise<TransferHeader> {
  if (!opts.force && existsSync(path)) throw new FleetswapError('BAD_USAGE', `${path} exists: give another --out, or --force to replace it`);
  const state = await schemaState(db);
  if (state.have !== state.want) throw new FleetswapError('BAD_USAGE', `the database's schema is ${state.have}, this fleetswap's ${state.want}: run fleetswap coordinator migrate on it first`);
  await checkTables(db);
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    const sha = createHash('sha256');
    let buffered = '';
    const write = async (line: string) => {
      sha.update(line);
      buffered += line;
      if (buffered.length >= 1 << 20) {
        await fh.write(buffered);
        buffered = '';
      }
    };
    const header = await db.snapshot(async () => {
      const counts = await rowCounts(db);
      const header: TransferHeader = { format: FORMAT, version: FORMAT_VERSION, schema: state.have, fleetswap: VERSION, tables: TRANSFER_TABLES.map((name) => ({ name, rows: counts[name] })) };
      await write(`${JSON.stringify(header)}\n`);
      for (const t of TRANSFER_TABLES) {
        for await (const rows of scanTable(db, t)) for (const row of rows) await write(`${JSON.stringify({ table: t, row: encodeRow(row) })}\n`);
      }
      return header;
    });
    // Blobs kept in the database (the blobs tables, NOT_TRANSFERRED) will be
    // copied here, after the rows that name them; DATA/blobs is copied by
    // the operator (README, backup and restore).
    const rows = header.tables.reduce((n, t) => n + t.rows, 0);
    await fh.write(`${buffered}${JSON.stringify({ end: FORMAT, rows, sha256: sha.digest('hex') })}\n`);
    await fh.sync();
    await fh.close();
    await renameDurably(tmp, path);
    return header;
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
}

/** encodeRow makes a row JSON: binary columns (a release's manifest) as {"base64": ...}; everything else is text, a number or null. */
function encodeRow(row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[k] = Buffer.isBuffer(v) ? { base64: v.toString('base64') } : v;
  return out;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeValue(v: unknown, where: () => string): unknown {
  if (v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) return v;
  if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { base64?: unknown }).base64 === 'string') {
    const b = (v as { base64: string }).base64;
    if (b.length % 4 === 0 && BASE64.test(b)) return Buffer.from(b, 'base64');
  }
  throw bad(`${where()} has a value that is not text, a number, null or {"base64": ...}`);
}

const bad = (why: string) => new FleetswapError('BAD_USAGE', `not a usable fleetswap export: ${why}`);

function parseLine(line: string, n: number): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    throw bad(`line ${n} is not JSON (cut short or damaged)`);
  }
}

function checkHeader(v: unknown, want: number): TransferHeader {
  const h = v as Partial<TransferHeader> | null;
  if (!h || typeof h !== 'object' || h.format !== FORMAT) throw bad(`its first line does not say format "${FORMAT}"`);
  if (h.version !== FORMAT_VERSION) throw bad(`format version ${String(h.version)}, this fleetswap reads ${FORMAT_VERSION}: import it with the fleetswap that exported it`);
  if (h.schema !== want) {
    throw bad(
      typeof h.schema === 'number' && h.schema > want
        ? `it was exported at schema ${h.schema}, newer than this fleetswap's ${want}: import it with fleetswap ${String(h.fleetswap)} or newer`
        : `it was exported at schema ${String(h.schema)}, this fleetswap's is ${want}: run fleetswap coordinator migrate on the source and export again`,
    );
  }
  const tables = h.tables;
  if (
    !Array.isArray(tables) ||
    tables.length !== TRANSFER_TABLES.length ||
    tables.some((t: { name?: unknown; rows?: unknown }, i) => t?.name !== TRANSFER_TABLES[i] || !Number.isSafeInteger(t.rows) || (t.rows as number) < 0)
  ) {
    throw bad(`its header does not list the tables of schema ${want}`);
  }
  return h as TransferHeader;
}

/**
 * readExport reads a file line by line and checks all of it: header,
 * tables in order, each table's count, every value's type, the end line and
 * its sha256. onRow (if given) sees each row decoded; whatever it did must
 * be undone if readExport throws afterwards (import runs it in a transaction).
 */
export async function readExport(path: string, onRow?: (table: TransferTable, row: Record<string, unknown>) => Promise<void>): Promise<TransferHeader> {
  const want = MIGRATIONS.length;
  const input = createReadStream(path);
  const lines = createInterface({ input, crlfDelay: Infinity });
  const opened = new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', (err: NodeJS.ErrnoException) => reject(new FleetswapError('BAD_USAGE', `cannot read ${path}: ${err.code ?? err.message}`)));
  });
  await opened;
  const sha: Hash = createHash('sha256');
  let header: TransferHeader | undefined;
  let table = 0;
  let inTable = 0;
  let total = 0;
  let ended = false;
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (ended) throw bad(`line ${n} follows its end line`);
      const v = parseLine(line, n);
      if (!header) {
        header = checkHeader(v, want);
        sha.update(`${line}\n`);
        continue;
      }
      const end = v as { end?: unknown; rows?: unknown; sha256?: unknown };
      if (end && typeof end === 'object' && 'end' in end) {
        if (end.end !== FORMAT) throw bad(`line ${n} is not a row`);
        ended = true;
        if (end.rows !== total || end.sha256 !== sha.digest('hex')) throw new FleetswapError('HASH_MISMATCH', 'not a usable fleetswap export: its contents do not match the sha256 at its end (changed after export?)');
        continue;
      }
      sha.update(`${line}\n`);
      const r = v as { table?: unknown; row?: unknown };
      if (!r || typeof r !== 'object' || typeof r.table !== 'string' || !r.row || typeof r.row !== 'object' || Array.isArray(r.row)) throw bad(`line ${n} is not a row`);
      // Tables come in header order; a table's rows end where the next begins.
      while (table < header.tables.length && inTable === header.tables[table]!.rows) {
        table++;
        inTable = 0;
      }
      const t = header.tables[table];
      if (!t || r.table !== t.name) throw bad(`line ${n} is a ${r.table} row where ${t ? `${t.name} has ${t.rows}` : 'the header counts no more rows'}`);
      const row: Record<string, unknown> = {};
      for (const [k, value] of Object.entries(r.row)) row[k] = decodeValue(value, () => `line ${n}`);
      inTable++;
      total++;
      if (onRow) await onRow(t.name, row);
    }
  } finally {
    input.destroy();
  }
  if (!header) throw bad('the file is empty');
  if (!ended) {
    const expected = header.tables.reduce((s, t) => s + t.rows, 0);
    throw bad(`it ends after ${total} of ${expected} rows, with no end line (cut short?)`);
  }
  return header;
}

/**
 * importFleet loads an export into an empty database, in one transaction:
 * the whole file is checked before the target is even opened (connect),
 * then the target (its schema, that it is empty), and nothing is written
 * unless both pass. An empty target is migrated to this fleetswap's schema
 * before the rows go in. The target is closed at the end.
 */
export async function importFleet(path: string, connect: () => Promise<Db>): Promise<TransferHeader> {
  const header = await readExport(path);
  const db = await connect();
  try {
    await loadInto(db, path);
  } finally {
    await db.close();
  }
  return header;
}

async function loadInto(db: Db, path: string): Promise<void> {
  const state = await schemaState(db);
  // Counted on the tables the target has; a fresh database has none.
  const counts = await rowCounts(db);
  const held = Object.entries(counts).filter(([, n]) => n > 0);
  if (held.length) {
    throw new FleetswapError('REFUSED', `the target database already holds a fleet (${held.map(([t, n]) => `${n} ${t}`).join(', ')}): import only into an empty one; nothing was changed`);
  }
  if (state.have < state.want) {
    const { scripts, baseline } = migrationsFor(db.dialect);
    await db.migrate(scripts, baseline);
  }
  await checkTables(db);
  await db.tx(async () => {
    const writers = new Map<TransferTable, TableWriter>();
    let current: TableWriter | undefined;
    // Read and checked again as it goes in: a file changed since the first
    // read fails at its end line, and the transaction rolls back.
    await readExport(path, async (table, row) => {
      if (current?.table !== table) {
        await current?.flush();
        current = writers.get(table) ?? (await TableWriter.open(db, table));
        writers.set(table, current);
      }
      await current.add(row);
    });
    await current?.flush();
    await resetIdentities(db);
  });
}
