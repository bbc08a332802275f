import { createHash, type Hash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { FleetswapError } from '../shared/errors.js';
import { renameDurably } from '../shared/fsync.js';
import { VERSION } from '../shared/version.js';
import type { BlobStore } from './blobs/blob-store.js';
import type { Db, Row } from './store/db.js';
import { MIGRATIONS, migrationsFor, schemaState } from './store/schema.js';
import { checkTables, resetIdentities, rowCounts, scanTable, TableWriter, TRANSFER_TABLES, type TransferTable } from './store/transfer.js';
import { BlobLines, ReleaseBlobs, type BlobPiece } from './transfer-blobs.js';

// `coordinator export` / `import`: a fleet as JSON lines, to move it from
// one database to another (SQLite to PostgreSQL, or back).
//
//   {"format":"fleetswap-export","version":2,"schema":12,"fleetswap":"0.1.0","tables":[{"name":"meta","rows":2},...]}
//   {"table":"meta","row":{"key":"halt","value":"..."}}          one line per row, tables in TRANSFER_TABLES order
//   {"table":"releases","row":{"id":"...","manifest":{"base64":"..."},...}}   binary columns as {"base64": ...}
//   {"blob":"<sha256>","size":3} {"data":"<base64>"} ...         the releases' blobs (transfer-blobs.ts)
//   {"end":"fleetswap-export","rows":1234,"blobs":2,"bytes":5,"sha256":"..."}   sha256 of every byte before this line
//
// The header's counts, each blob's own sha256 and the end line make a file
// cut short, or with a line lost or changed, fail the import before
// anything is written.

export const FORMAT = 'fleetswap-export';
/** 2: blobs travel in the file. Version 1 files had none; a fleet imported from one would lack its releases' contents, so they are refused. */
export const FORMAT_VERSION = 2;

export interface TransferHeader {
  format: string;
  version: number;
  schema: number;
  fleetswap: string;
  tables: { name: TransferTable; rows: number }[];
}

/** What a file holds: its header, and how many blobs of how many bytes followed the rows. */
export interface TransferSummary {
  header: TransferHeader;
  blobs: number;
  bytes: number;
}

/**
 * exportFleet writes the fleet in db, and the blobs its releases name from
 * `blobs` (the store a coordinator on the same flags uses), to path, as it
 * was at one moment while a coordinator may go on writing; the file appears
 * whole or not at all.
 */
export async function exportFleet(db: Db, blobs: BlobStore, path: string, opts: { force?: boolean } = {}): Promise<TransferSummary> {
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
    const summary = await db.snapshot(async () => {
      const counts = await rowCounts(db);
      const header: TransferHeader = { format: FORMAT, version: FORMAT_VERSION, schema: state.have, fleetswap: VERSION, tables: TRANSFER_TABLES.map((name) => ({ name, rows: counts[name] })) };
      await write(`${JSON.stringify(header)}\n`);
      const named = new ReleaseBlobs();
      for (const t of TRANSFER_TABLES) {
        for await (const rows of scanTable(db, t)) {
          for (const row of rows) {
            if (t === 'releases') named.note(row);
            await write(`${JSON.stringify({ table: t, row: encodeRow(row) })}\n`);
          }
        }
      }
      // Read inside the snapshot: blobs kept in the database come from the same moment as the rows.
      return { header, ...(await named.write(blobs, write)) };
    });
    const rows = summary.header.tables.reduce((n, t) => n + t.rows, 0);
    await fh.write(`${buffered}${JSON.stringify({ end: FORMAT, rows, blobs: summary.blobs, bytes: summary.bytes, sha256: sha.digest('hex') })}\n`);
    await fh.sync();
    await fh.close();
    await renameDurably(tmp, path);
    return summary;
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
  if (h.version !== FORMAT_VERSION) {
    throw bad(
      typeof h.version === 'number' && h.version < FORMAT_VERSION
        ? `format version ${h.version}, which carries no blobs; this fleetswap reads ${FORMAT_VERSION}: export the fleet again with this fleetswap`
        : `format version ${String(h.version)}, this fleetswap reads ${FORMAT_VERSION}: import it with the fleetswap that exported it`,
    );
  }
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

/** What readExport hands on as it reads; each sees only what has been checked so far. */
export interface ExportHandlers {
  row?: (table: TransferTable, row: Record<string, unknown>) => Promise<void>;
  blob?: (piece: BlobPiece) => Promise<void>;
}

/**
 * readExport reads a file line by line and checks all of it: header,
 * tables in order, each table's count, every value's type, each blob's
 * size and sha256, the end line and its sha256. The handlers (if given)
 * see each row decoded and each piece of a blob; whatever they did must be
 * undone, or be harmless, if readExport throws afterwards (import runs
 * them in a transaction).
 */
export async function readExport(path: string, on: ExportHandlers = {}): Promise<TransferSummary> {
  const want = MIGRATIONS.length;
  const input = createReadStream(path);
  const lines = createInterface({ input, crlfDelay: Infinity });
  const opened = new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', (err: NodeJS.ErrnoException) => reject(new FleetswapError('BAD_USAGE', `cannot read ${path}: ${err.code ?? err.message}`)));
  });
  await opened;
  const sha: Hash = createHash('sha256');
  const blobs = new BlobLines(bad);
  let header: TransferHeader | undefined;
  let expected = 0;
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
        expected = header.tables.reduce((s, t) => s + t.rows, 0);
        sha.update(`${line}\n`);
        continue;
      }
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw bad(`line ${n} is not a row`);
      if ('end' in v) {
        const end = v as { end?: unknown; rows?: unknown; blobs?: unknown; bytes?: unknown; sha256?: unknown };
        if (end.end !== FORMAT) throw bad(`line ${n} is not a row`);
        blobs.whole(n);
        ended = true;
        if (end.rows !== total || end.blobs !== blobs.blobs || end.bytes !== blobs.bytes || end.sha256 !== sha.digest('hex')) {
          throw new FleetswapError('HASH_MISMATCH', 'not a usable fleetswap export: its contents do not match the sha256 at its end (changed after export?)');
        }
        continue;
      }
      sha.update(`${line}\n`);
      if ('blob' in v || 'data' in v) {
        // Blobs follow every row the header counts.
        if (total < expected) throw bad(`line ${n} is a blob where the header counts ${expected - total} more rows`);
        const piece = 'blob' in v ? blobs.begin(v, n) : blobs.data(v, n);
        if (piece && on.blob) await on.blob(piece);
        continue;
      }
      const r = v as { table?: unknown; row?: unknown };
      if (typeof r.table !== 'string' || !r.row || typeof r.row !== 'object' || Array.isArray(r.row)) throw bad(`line ${n} is not a row`);
      if (blobs.blobs > 0) throw bad(`line ${n} is a row after the blobs`);
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
      if (on.row) await on.row(t.name, row);
    }
  } finally {
    input.destroy();
  }
  if (!header) throw bad('the file is empty');
  if (!ended) {
    if (total < expected) throw bad(`it ends after ${total} of ${expected} rows, with no end line (cut short?)`);
    blobs.whole(n + 1);
    throw bad(`it ends after ${blobs.blobs} blobs, with no end line (cut short?)`);
  }
  return { header, blobs: blobs.blobs, bytes: blobs.bytes };
}

/**
 * importFleet loads an export into an empty database, in one transaction,
 * and its blobs into the target's blob store (blobsFor: where a coordinator
 * on the same flags looks). The whole file is checked before the target is
 * even opened (connect), then the target (its schema, that it is empty),
 * and nothing is written unless both pass. An empty target is migrated to
 * this fleetswap's schema before the rows go in. The target is closed at
 * the end.
 */
export async function importFleet(path: string, connect: () => Promise<Db>, blobsFor: (db: Db) => BlobStore): Promise<TransferSummary> {
  const summary = await readExport(path);
  const db = await connect();
  try {
    await loadInto(db, blobsFor(db), path);
  } finally {
    await db.close();
  }
  return summary;
}

async function loadInto(db: Db, blobs: BlobStore, path: string): Promise<void> {
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
  await blobs.init();
  await db.tx(async () => {
    const writers = new Map<TransferTable, TableWriter>();
    let current: TableWriter | undefined;
    // Begun inside the transaction: blobs kept in this same database go in
    // with the rows or not at all. A directory's blobs are published just
    // before the rows commit; if the commit then fails they stay, unnamed
    // by any release and harmless (a blob is its hash), and an import
    // again finds them there.
    const upload = await blobs.beginUpload();
    try {
      // Read and checked again as it goes in: a file changed since the first
      // read fails at its end line, and the transaction rolls back.
      await readExport(path, {
        row: async (table, row) => {
          if (current?.table !== table) {
            await current?.flush();
            current = writers.get(table) ?? (await TableWriter.open(db, table));
            writers.set(table, current);
          }
          await current.add(row);
        },
        blob: (piece) => upload.write(piece.hash, piece.data, piece.last),
      });
      await current?.flush();
      await resetIdentities(db);
      await upload.commit();
    } catch (err) {
      await upload.abort().catch(() => undefined);
      throw err;
    }
  });
}
