import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { aClusterForThisFile } from '../../test/postgres.js';
import { Store } from '../store.js';
import { PgDb } from '../store/pg-db.js';
import { STALE_UPLOAD_MS } from './blob-store.js';
import { DbBlobStore } from './db-blob-store.js';

// Several coordinators share one PostgreSQL database and its blobs: one
// starting (or uploading) must discard what a crashed one left half
// uploaded, and never what another is uploading now.

const cluster = aClusterForThisFile();
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function twoCoordinators(): Promise<[Store, Store]> {
  const url = await cluster().aDatabase();
  const a = await Store.open(new PgDb(url));
  const b = await Store.open(new PgDb(url));
  onTestFinished(async () => {
    await a.close();
    await b.close();
  });
  return [a, b];
}

const staged = async (s: Store) => (await s.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM blob_chunks WHERE hash LIKE 'upload:%'`))?.n;

describe('blobs in a PostgreSQL database shared by coordinators', () => {
  it('a coordinator starting while another uploads leaves the upload alone; the other then sees the blob', async () => {
    const [a, b] = await twoCoordinators();
    const first = new DbBlobStore(a.blobs);
    await first.init();
    const blob = randomBytes(3 * 1024 * 1024);
    const batch = await first.beginUpload();
    await batch.write(sha(blob), blob.subarray(0, 2 * 1024 * 1024), false);

    const second = new DbBlobStore(b.blobs);
    await second.init();
    await (await second.beginUpload()).abort();
    await batch.write(sha(blob), blob.subarray(2 * 1024 * 1024), true);
    await batch.commit();

    expect(await second.size(sha(blob))).toBe(blob.length);
    const parts: Buffer[] = [];
    for await (const p of second.read(sha(blob))) parts.push(p);
    expect(Buffer.concat(parts).equals(blob)).toBe(true);
    expect(await staged(a)).toBe(0);
  });

  it('an upload untouched for an hour is discarded by the next coordinator to start, and its commit is refused with nothing published', async () => {
    const [a, b] = await twoCoordinators();
    const crashed = new DbBlobStore(a.blobs);
    await crashed.init();
    const blob = randomBytes(2 * 1024 * 1024 + 5);
    const batch = await crashed.beginUpload();
    await batch.write(sha(blob), blob, true);
    // As if it stopped writing an hour ago (the database's clock is what coordinators share).
    await a.db.run(`UPDATE blob_uploads SET touched_ms = touched_ms - ?`, [STALE_UPLOAD_MS + 1000]);
    expect(await staged(a)).toBe(3);

    await new DbBlobStore(b.blobs).init();
    expect(await staged(a)).toBe(0);
    expect(await a.db.all(`SELECT id FROM blob_uploads`)).toEqual([]);
    await expect(batch.commit()).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'the upload stalled for over 60 minutes and was discarded: push again' });
    await batch.abort();
    expect(await crashed.has(sha(blob))).toBe(false);
  });
});
