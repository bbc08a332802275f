import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLITE_MIGRATIONS } from '../coordinator/migrations.js';
import { MIGRATIONS } from '../coordinator/store/schema.js';
import { SqliteDb } from '../coordinator/store/sqlite-db.js';
import { AdminClient, aCoordinator, cleanup, runCli, tempDir } from './fixtures.js';
import { aFleet, blobsIn, FLEET_BLOBS, fleetView, type FleetView } from './fleet-view.js';

// coordinator migrate | backup | export | import on SQLite, as an operator
// runs them (the CLI as a child process), with the refusals first: each bad
// input is one line on stderr, and the database is as it was. Moving a fleet
// to and from PostgreSQL is test/database-transfer.test.ts. These tests pick
// their backend themselves, whatever the suite runs on.

const WANT = MIGRATIONS.length;
// No FLEETSWAP_DATABASE from the environment: these commands are on SQLite.
const cli = (...args: string[]) => runCli(args, { FLEETSWAP_DATABASE: '' });

function oneLine(r: { stderr: string }, re: RegExp): void {
  expect(r.stderr).toMatch(re);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
}

/** anOldDatabase is a SQLite data directory at the schema of SQLite's eleven migrations, before leadership (12). */
async function anOldDatabase(data: string): Promise<void> {
  await mkdir(data, { recursive: true });
  const db = new SqliteDb(join(data, 'state.db'));
  await db.migrate(SQLITE_MIGRATIONS);
  await db.close();
}

async function versionOf(data: string): Promise<number> {
  const db = new SqliteDb(join(data, 'state.db'));
  try {
    return await db.schemaVersion();
  } finally {
    await db.close();
  }
}

async function rowsIn(data: string, table: string): Promise<number> {
  const db = new SqliteDb(join(data, 'state.db'));
  try {
    return (await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))?.n ?? 0;
  } finally {
    await db.close();
  }
}

let dir = '';
let fleetData = '';
/** The fleet's export, made once; tests change copies of it. */
let exported = '';
let view: FleetView;

beforeAll(async () => {
  dir = await tempDir();
  fleetData = join(dir, 'fleet');
  const fleet = await aFleet(dir, fleetData, undefined);
  view = await fleetView(fleet.client);
  await fleet.stop();
  exported = join(dir, 'fleet.jsonl');
  const r = await cli('coordinator', 'export', '--data', fleetData, '--out', exported);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}, 120_000);
afterAll(() => cleanup(dir));

describe('coordinator migrate', () => {
  it('--check with nothing pending says so and exits 0; migrate then runs nothing', async () => {
    const check = await cli('coordinator', 'migrate', '--data', fleetData, '--check');
    expect(check.code).toBe(0);
    expect(check.stdout).toBe(`${join(fleetData, 'state.db')}: schema ${WANT}, up to date; nothing to run\n`);
    expect((await cli('coordinator', 'migrate', '--data', fleetData)).stdout).toMatch(/up to date; nothing to run/);
  });

  it('--check exits 1 naming both versions while one is pending, changing nothing; migrate runs it and prints from and to', async () => {
    const data = join(dir, 'old');
    await anOldDatabase(data);
    const check = await cli('coordinator', 'migrate', '--data', data, '--check');
    expect(check.code).toBe(1);
    oneLine(check, new RegExp(`^fleetswap: database schema 11 is behind this fleetswap's ${WANT} \\(${WANT - 11} migrations to run\\): run fleetswap coordinator migrate\\n$`));
    expect(await versionOf(data)).toBe(11);
    const migrate = await cli('coordinator', 'migrate', '--data', data);
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toBe(`${join(data, 'state.db')}: schema 11 -> ${WANT}\n`);
    expect((await cli('coordinator', 'migrate', '--data', data, '--check')).code).toBe(0);
  });

  it('refuses a directory with no database, and creates none', async () => {
    const data = join(dir, 'nothing-here');
    const r = await cli('coordinator', 'migrate', '--data', data);
    expect(r.code).toBe(2);
    oneLine(r, /^fleetswap: no database at .*state\.db: give the coordinator's --data directory\n$/);
    expect(existsSync(data)).toBe(false);
  });

  it('coordinator --no-migrate refuses to start on an older schema in one line naming both versions, and migrates nothing', async () => {
    const data = join(dir, 'no-migrate');
    await anOldDatabase(data);
    const r = await cli('coordinator', '--data', data, '--no-migrate', '--listen', '127.0.0.1:0', '--insecure', '--allow-unsigned');
    expect(r.code).toBe(1);
    oneLine(r, new RegExp(`^fleetswap: database schema 11 is behind this fleetswap's ${WANT} \\(${WANT - 11} migrations to run\\): run fleetswap coordinator migrate\\n$`));
    expect(await versionOf(data)).toBe(11);
    // Once migrated by hand, the same coordinator starts (and stops on the port it cannot bind).
    expect((await cli('coordinator', 'migrate', '--data', data)).code).toBe(0);
    const again = await cli('coordinator', '--data', data, '--no-migrate', '--listen', '127.0.0.1:99999', '--insecure', '--allow-unsigned');
    expect(again.stderr).toMatch(/^fleetswap: cannot listen on 127\.0\.0\.1:99999/);
  });

  it('refuses a schema newer than it knows, with or without --no-migrate', async () => {
    const data = join(dir, 'newer');
    await cp(fleetData, data, { recursive: true });
    const db = new SqliteDb(join(data, 'state.db'));
    await db.run(`PRAGMA user_version = ${WANT + 1}`);
    await db.close();
    for (const args of [['coordinator', 'migrate', '--data', data], ['coordinator', 'migrate', '--data', data, '--check']]) {
      const r = await cli(...args);
      expect(r.code).toBe(2);
      oneLine(r, new RegExp(`^fleetswap: database schema ${WANT + 1} is newer than this fleetswap knows \\(${WANT}\\): upgrade fleetswap\\n$`));
    }
  });
});

describe('coordinator export and import: refusals', () => {
  /** aFile writes an export whose lines are the real one's, changed by edit; the end line's sha256 is made right again unless keepSha. */
  async function aFile(name: string, edit: (lines: string[]) => string[], keepSha = false): Promise<string> {
    const lines = (await readFile(exported, 'utf8')).trimEnd().split('\n');
    const end = JSON.parse(lines.pop()!) as { end: string; rows: number; sha256: string };
    const body = edit(lines);
    if (!keepSha) end.sha256 = createHash('sha256').update(body.map((l) => `${l}\n`).join('')).digest('hex');
    const file = join(dir, name);
    await writeFile(file, `${[...body, JSON.stringify(end)].join('\n')}\n`);
    return file;
  }

  /** refusedInto runs an import into a fresh data directory and checks it is refused with code and message, leaving no directory behind. */
  async function refusedInto(file: string, code: number, message: RegExp): Promise<void> {
    const data = join(dir, `target-${Math.random().toString(36).slice(2)}`);
    const r = await cli('coordinator', 'import', file, '--data', data);
    expect(r.code).toBe(code);
    oneLine(r, message);
    expect(existsSync(data)).toBe(false);
  }

  it('export refuses to overwrite a file unless --force, and leaves it as it was', async () => {
    const file = join(dir, 'taken.jsonl');
    await writeFile(file, 'precious\n');
    const r = await cli('coordinator', 'export', '--data', fleetData, '--out', file);
    expect(r.code).toBe(2);
    oneLine(r, /^fleetswap: .*taken\.jsonl exists: give another --out, or --force to replace it\n$/);
    expect(await readFile(file, 'utf8')).toBe('precious\n');
    expect((await cli('coordinator', 'export', '--data', fleetData, '--out', file, '--force')).code).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(await readFile(exported, 'utf8'));
  });

  it('import refuses a database that already holds a fleet, and changes nothing', async () => {
    const data = join(dir, 'full');
    await cp(fleetData, data, { recursive: true });
    const before = await rowsIn(data, 'audit');
    const r = await cli('coordinator', 'import', exported, '--data', data);
    expect(r.code).toBe(3);
    oneLine(r, /^fleetswap: the target database already holds a fleet \(2 releases, 2 hosts, .*\): import only into an empty one; nothing was changed\n$/);
    expect(await rowsIn(data, 'audit')).toBe(before);
    expect(await rowsIn(data, 'releases')).toBe(2);
  });

  it('import refuses a file from a newer schema, or an older one', async () => {
    const header = (await readFile(exported, 'utf8')).split('\n')[0]!;
    const at = (schema: number) => aFile(`schema-${schema}.jsonl`, (l) => [header.replace(`"schema":${WANT}`, `"schema":${schema}`), ...l.slice(1)]);
    await refusedInto(await at(WANT + 1), 2, new RegExp(`^fleetswap: not a usable fleetswap export: it was exported at schema ${WANT + 1}, newer than this fleetswap's ${WANT}: import it with fleetswap \\S+ or newer\\n$`));
    await refusedInto(await at(WANT - 1), 2, /run fleetswap coordinator migrate on the source and export again\n$/);
  });

  it('import refuses a file cut short, in a line or between lines', async () => {
    const text = await readFile(exported, 'utf8');
    const mid = join(dir, 'cut-mid.jsonl');
    await writeFile(mid, text.slice(0, Math.floor(text.length / 2)));
    await refusedInto(mid, 2, /^fleetswap: not a usable fleetswap export: (line \d+ is not JSON \(cut short or damaged\)|it ends after \d+ of \d+ rows, with no end line \(cut short\?\))\n$/);
    const lines = text.trimEnd().split('\n');
    const atLine = join(dir, 'cut-line.jsonl');
    await writeFile(atLine, `${lines.slice(0, 5).join('\n')}\n`);
    await refusedInto(atLine, 2, /^fleetswap: not a usable fleetswap export: it ends after 4 of \d+ rows, with no end line \(cut short\?\)\n$/);
    // Cut among the blobs: after the last blob line, before its data.
    const inBlob = join(dir, 'cut-blob.jsonl');
    await writeFile(inBlob, `${lines.slice(0, -2).join('\n')}\n`);
    await refusedInto(inBlob, 2, /^fleetswap: not a usable fleetswap export: blob [0-9a-f]{12} ends at line \d+ after 0 of its 3 bytes\n$/);
    // Cut between two blobs.
    const atBlob = join(dir, 'cut-at-blob.jsonl');
    await writeFile(atBlob, `${lines.slice(0, -1).join('\n')}\n`);
    await refusedInto(atBlob, 2, /^fleetswap: not a usable fleetswap export: it ends after 3 blobs, with no end line \(cut short\?\)\n$/);
  });

  it('import refuses a line of garbage, a lost line, and a changed value', async () => {
    await refusedInto(await aFile('garbage.jsonl', (l) => [...l.slice(0, 3), '\u0000garbage{', ...l.slice(3)]), 2, /^fleetswap: not a usable fleetswap export: line 4 is not JSON/);
    // A lost row: the counts say where the next table should have begun.
    const lost = await aFile('lost.jsonl', (l) => l.filter((x) => !x.startsWith('{"table":"releases"')));
    await refusedInto(lost, 2, /^fleetswap: not a usable fleetswap export: line \d+ is a \w+ row where releases has 2\n$/);
    const changed = await aFile('changed.jsonl', (l) => l.map((x) => x.replace('"label":"v1"', '"label":"v9"')), true);
    await refusedInto(changed, 2, /^fleetswap: not a usable fleetswap export: its contents do not match the sha256 at its end \(changed after export\?\)\n$/);
  });

  it('import refuses an unknown format, and a format version it does not read', async () => {
    const header = (await readFile(exported, 'utf8')).split('\n')[0]!;
    await refusedInto(await aFile('other.jsonl', (l) => [header.replace('fleetswap-export', 'pg_dump'), ...l.slice(1)]), 2, /^fleetswap: not a usable fleetswap export: its first line does not say format "fleetswap-export"\n$/);
    await refusedInto(await aFile('v3.jsonl', (l) => [header.replace('"version":2', '"version":3'), ...l.slice(1)]), 2, /format version 3, this fleetswap reads 2: import it with the fleetswap that exported it\n$/);
    // Version 1 carried no blobs: a fleet imported from it would lack its releases' files.
    await refusedInto(await aFile('v1.jsonl', (l) => [header.replace('"version":2', '"version":1'), ...l.slice(1)]), 2, /format version 1, which carries no blobs; this fleetswap reads 2: export the fleet again with this fleetswap\n$/);
    const notJson = join(dir, 'notes.txt');
    await writeFile(notJson, 'hello\n');
    await refusedInto(notJson, 2, /^fleetswap: not a usable fleetswap export: line 1 is not JSON/);
  });

  it('import refuses a blob changed, cut short, left out, given twice or followed by a row, even with a right sha256 end line, and creates neither the database nor --blobs', async () => {
    const isData = (l: string) => l.startsWith('{"data":"');
    // One byte of a blob changed, its line still base64 of the same length.
    const changed = await aFile('blob-changed.jsonl', (l) => l.map((x) => (isData(x) ? x.replace(/^\{"data":"(.)/, (_, c: string) => `{"data":"${c === 'A' ? 'B' : 'A'}`) : x)));
    const blobs = join(dir, 'refused-blobs');
    const r = await cli('coordinator', 'import', changed, '--data', join(dir, 'refused-data'), '--blobs', blobs);
    expect(r.code).toBe(2);
    oneLine(r, /^fleetswap: not a usable fleetswap export: blob [0-9a-f]{12}'s bytes do not match its sha256 \(changed after export\?\)\n$/);
    expect(existsSync(join(dir, 'refused-data'))).toBe(false);
    expect(existsSync(blobs)).toBe(false);
    // A blob's data line lost: the blob is shorter than its size.
    const cut = await aFile('blob-cut.jsonl', (l) => l.filter((x, i) => !(isData(x) && l.findIndex(isData) === i)));
    await refusedInto(cut, 2, /^fleetswap: not a usable fleetswap export: blob [0-9a-f]{12} ends at line \d+ after 0 of its 3 bytes\n$/);
    // A whole blob left out: the end line counts the blobs.
    const first = (l: string[]) => l.findIndex((x) => x.startsWith('{"blob":'));
    const left = await aFile('blob-left.jsonl', (l) => l.filter((_, i) => i !== first(l) && i !== first(l) + 1));
    await refusedInto(left, 2, /^fleetswap: not a usable fleetswap export: its contents do not match the sha256 at its end \(changed after export\?\)\n$/);
    // A blob twice, and a row slipped in after the blobs.
    const twice = await aFile('blob-twice.jsonl', (l) => [...l, l[first(l)]!, l[first(l) + 1]!]);
    await refusedInto(twice, 2, /^fleetswap: not a usable fleetswap export: line \d+: blob [0-9a-f]{12} is out of order \(blobs come once each, by hash\)\n$/);
    const late = await aFile('row-late.jsonl', (l) => [...l, l.find((x) => x.startsWith('{"table":"tokens"'))!]);
    await refusedInto(late, 2, /^fleetswap: not a usable fleetswap export: line \d+ is a row after the blobs\n$/);
  });

  it('export refuses a release whose blob the store lacks or holds damaged, naming both, and writes no file', async () => {
    const file = join(dir, 'broken-source.jsonl');
    const none = join(dir, 'no-blobs');
    await mkdir(none);
    const r = await cli('coordinator', 'export', '--data', fleetData, '--blobs', none, '--out', file);
    expect(r.code).toBe(1);
    oneLine(r, /^fleetswap: blob [0-9a-f]{64} of release v[12] \([0-9a-f]{12}\) is not in the blob store \(.*no-blobs\): give export the --blobs the coordinators use; nothing was written\n$/);
    expect(existsSync(file)).toBe(false);
    // The same bytes' length, other bytes: as a disk that rotted.
    const rotten = join(dir, 'rotten-blobs');
    await cp(join(fleetData, 'blobs'), rotten, { recursive: true });
    const { hash } = FLEET_BLOBS[0]!;
    await chmod(join(rotten, hash.slice(0, 2), hash), 0o644);
    await writeFile(join(rotten, hash.slice(0, 2), hash), 'xyz');
    const d = await cli('coordinator', 'export', '--data', fleetData, '--blobs', rotten, '--out', file);
    expect(d.code).toBe(2);
    oneLine(d, new RegExp(`^fleetswap: blob ${hash} of release v[12] \\([0-9a-f]{12}\\) in the blob store \\(.*rotten-blobs\\) is damaged \\(3 bytes, its hash differs\\): nothing was written\n$`));
    expect(existsSync(file)).toBe(false);
  });

  it('import refuses a row naming a column the table does not have (SQL in a name), even with a right sha256, and leaves the target empty', async () => {
    const evil = await aFile('evil.jsonl', (l) => l.map((x) => (x.startsWith('{"table":"tokens"') ? x.replace('"role":', '"role\\") VALUES (1); DROP TABLE audit; --":') : x)));
    const data = join(dir, 'evil-target');
    const r = await cli('coordinator', 'import', evil, '--data', data);
    expect(r.code).toBe(2);
    oneLine(r, /^fleetswap: a tokens row does not fit this database's table \(unknown column "role\\"\) VALUES \(1\); DROP TABLE audit; --", no role\)\n$/);
    // The transaction rolled back: no release, no audit entry, and the audit table is still there.
    expect(await rowsIn(data, 'releases')).toBe(0);
    expect(await rowsIn(data, 'audit')).toBe(0);
  });

  it('backup --database points to pg_dump', async () => {
    const r = await cli('coordinator', 'backup', '--database', 'postgres://fleet@db.internal/fleet', '--out', join(dir, 'x.db'));
    expect(r.code).toBe(2);
    oneLine(r, /^fleetswap: backup copies a SQLite database: back PostgreSQL up with pg_dump -Fc \(README: backup and restore\)\n$/);
    expect(existsSync(join(dir, 'x.db'))).toBe(false);
  });
});

describe('coordinator import on SQLite', () => {
  it('loads an export into a new data directory; a coordinator there shows the same fleet', async () => {
    const data = join(dir, 'imported');
    const r = await cli('coordinator', 'import', exported, '--data', data);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/imported 0 meta, 2 releases, 2 hosts.* and 3 blobs \(9 bytes\) into .*imported\/blobs\n$/);
    expect(await blobsIn(join(data, 'blobs'))).toEqual(FLEET_BLOBS);
    const c = await aCoordinator(data, { database: undefined });
    const client = new AdminClient(c.address);
    try {
      expect(await fleetView(client)).toEqual(view);
    } finally {
      client.close();
      await c.stop();
    }
  });

  it('with --blobs DIR puts the blobs in DIR and none under --data; an export with the same --blobs reads them back', async () => {
    const data = join(dir, 'imported-dir');
    const blobs = join(dir, 'shared-blobs');
    const r = await cli('coordinator', 'import', exported, '--data', data, '--blobs', blobs);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/ and 3 blobs \(9 bytes\) into .*shared-blobs\n$/);
    expect(await blobsIn(blobs)).toEqual(FLEET_BLOBS);
    expect(existsSync(join(data, 'blobs'))).toBe(false);
    // Exported again from there, with the same --blobs: the same file but for nothing.
    const again = join(dir, 'again.jsonl');
    expect((await cli('coordinator', 'export', '--data', data, '--blobs', blobs, '--out', again)).code).toBe(0);
    const body = async (f: string) => (await readFile(f, 'utf8')).split('\n').filter((l) => l.startsWith('{"blob"') || l.startsWith('{"data"'));
    expect(await body(again)).toEqual(await body(exported));
  });
});
