import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { aClusterForThisFile } from '../../test/postgres.js';
import { cleanup, tempDir } from '../../test/fixtures.js';
import { Store } from '../store.js';
import { PgDb } from '../store/pg-db.js';
import type { BlobStore, BlobStoreOptions, UploadBatch } from './blob-store.js';
import { CHUNK_BYTES, DbBlobStore } from './db-blob-store.js';
import { DirBlobStore } from './dir-blob-store.js';

// What every blob store promises, whatever keeps the bytes: a blob that
// exists is whole and hashes to its name; an upload becomes visible at
// commit and not before; anything refused leaves nothing behind. Run against
// a directory, and the database on SQLite and on a real PostgreSQL.

const cluster = aClusterForThisFile();
const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Opened {
  store: BlobStore;
  /** leftovers counts what unfinished uploads still hold: temp files, or staged chunks and upload rows. */
  leftovers(): Promise<number>;
}

async function inDatabase(store: Store, opts: BlobStoreOptions): Promise<Opened> {
  onTestFinished(() => store.close());
  const blobs = new DbBlobStore(store.blobs, opts);
  await blobs.init();
  const count = async (sql: string) => (await store.db.get<{ n: number }>(sql))?.n ?? 0;
  return {
    store: blobs,
    leftovers: async () => (await count(`SELECT COUNT(*) AS n FROM blob_uploads`)) + (await count(`SELECT COUNT(*) AS n FROM blob_chunks WHERE hash LIKE 'upload:%'`)),
  };
}

const backends: [string, (opts: BlobStoreOptions) => Promise<Opened>][] = [
  [
    'a directory',
    async (opts) => {
      const dir = await tempDir('fleetswap-blobs-');
      onTestFinished(() => cleanup(dir));
      const store = new DirBlobStore(join(dir, 'blobs'), opts);
      await store.init();
      return { store, leftovers: async () => (await readdir(join(dir, 'blobs', '.tmp'))).length };
    },
  ],
  ['the database on SQLite', async (opts) => inDatabase(await Store.sqlite(':memory:'), opts)],
  ['the database on PostgreSQL', async (opts) => inDatabase(await Store.open(new PgDb(await cluster().aDatabase())), opts)],
];

async function readAll(store: BlobStore, hash: string): Promise<{ bytes: Buffer; pieces: number[] }> {
  const parts: Buffer[] = [];
  for await (const p of store.read(hash)) parts.push(p);
  return { bytes: Buffer.concat(parts), pieces: parts.map((p) => p.length) };
}

/** send writes a blob in pieces of `piece` bytes, the last one marked. */
async function send(batch: UploadBatch, data: Buffer, piece = 64 * 1024, hash = sha(data)): Promise<void> {
  if (data.length === 0) return batch.write(hash, data, true);
  for (let at = 0; at < data.length; at += piece) await batch.write(hash, data.subarray(at, at + piece), at + piece >= data.length);
}

describe.each(backends)('a blob store in %s', (_name, open) => {
  it('keeps verified blobs, invisible until commit, and streams back their exact bytes: one of 3.5 MiB, one sent whole, an empty one', async () => {
    const { store, leftovers } = await open({});
    const big = randomBytes(3.5 * MiB);
    const whole = randomBytes(2 * MiB + 17);
    const empty = Buffer.alloc(0);
    const batch = await store.beginUpload();
    await send(batch, big);
    await send(batch, whole, whole.length);
    await send(batch, empty);
    expect(await store.has(sha(big))).toBe(false);
    expect(await store.size(sha(whole))).toBeUndefined();

    expect(await batch.commit()).toEqual({ blobs: 3, bytes: big.length + whole.length });
    for (const b of [big, whole, empty]) {
      expect(await store.has(sha(b))).toBe(true);
      expect(await store.size(sha(b))).toBe(b.length);
      expect((await readAll(store, sha(b))).bytes.equals(b)).toBe(true);
    }
    // Streamed a piece at a time, never the whole blob in one.
    expect(Math.max(...(await readAll(store, sha(big))).pieces)).toBeLessThanOrEqual(CHUNK_BYTES);
    expect(await leftovers()).toBe(0);
  });

  it('refuses a blob that does not hash to its name, and the batch aborted leaves nothing', async () => {
    const { store, leftovers } = await open({});
    const good = randomBytes(1000);
    const bad = randomBytes(2 * MiB);
    const batch = await store.beginUpload();
    await send(batch, good);
    await expect(send(batch, bad, 256 * 1024, sha(Buffer.from('something else')))).rejects.toMatchObject({ code: 'HASH_MISMATCH', message: expect.stringMatching(/does not match its hash/) });
    await batch.abort();
    expect(await store.has(sha(good))).toBe(false);
    expect(await store.has(sha(Buffer.from('something else')))).toBe(false);
    expect(await leftovers()).toBe(0);
  });

  it('refuses an upload cut short in the middle of a blob, whole: nothing readable, nothing left', async () => {
    const { store, leftovers } = await open({});
    const first = randomBytes(1000);
    const cut = randomBytes(3 * MiB);
    const batch = await store.beginUpload();
    await send(batch, first);
    await batch.write(sha(cut), cut.subarray(0, 2 * MiB), false);
    await expect(batch.commit()).rejects.toMatchObject({ code: 'HASH_MISMATCH', message: `upload ended in the middle of blob ${sha(cut).slice(0, 12)}` });
    await batch.abort();
    for (const b of [first, cut]) {
      expect(await store.has(sha(b))).toBe(false);
      await expect(readAll(store, sha(b))).rejects.toMatchObject({ code: 'MISSING_BLOB' });
    }
    expect(await leftovers()).toBe(0);
  });

  it('refuses a blob that begins before the one in progress ended', async () => {
    const { store } = await open({});
    const a = randomBytes(100);
    const batch = await store.beginUpload();
    await batch.write(sha(a), a.subarray(0, 50), false);
    await expect(batch.write(sha(Buffer.from('b')), Buffer.from('b'), true)).rejects.toMatchObject({ code: 'HASH_MISMATCH', message: expect.stringMatching(/was cut short before/) });
    await batch.abort();
  });

  it('refuses a blob past the size limit as it arrives, and a name that is not a sha256', async () => {
    const { store, leftovers } = await open({ maxBlobBytes: 2 * MiB });
    const over = randomBytes(2 * MiB + 1);
    const batch = await store.beginUpload();
    await expect(send(batch, over, 512 * 1024)).rejects.toMatchObject({ code: 'BAD_MANIFEST', message: `blob ${sha(over).slice(0, 12)} is larger than the ${2 * MiB}-byte limit` });
    await batch.abort();
    const again = await store.beginUpload();
    await expect(again.write('../../etc/passwd', Buffer.from('x'), true)).rejects.toMatchObject({ code: 'BAD_MANIFEST', message: 'blob name "../../etc/passwd" is not a sha256' });
    await again.abort();
    expect(await store.has(sha(over))).toBe(false);
    expect(await leftovers()).toBe(0);
  });

  it('a blob uploaded again, in one batch or two at once, stays as it was', async () => {
    const { store, leftovers } = await open({});
    const b = randomBytes(1.5 * MiB);
    const one = await store.beginUpload();
    const two = await store.beginUpload();
    await send(one, b);
    await send(two, b);
    await send(two, b);
    await one.commit();
    await two.commit();
    expect((await readAll(store, sha(b))).bytes.equals(b)).toBe(true);
    expect(await store.size(sha(b))).toBe(b.length);
    expect(await leftovers()).toBe(0);
  });

  it('has no blob it was never given', async () => {
    const { store } = await open({});
    const hash = sha(Buffer.from('never'));
    expect(await store.has(hash)).toBe(false);
    expect(await store.size(hash)).toBeUndefined();
    await expect(readAll(store, hash)).rejects.toMatchObject({ code: 'MISSING_BLOB', message: `no blob ${hash}` });
  });
});
