import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { FleetswapError } from '../shared/errors.js';
import { buildManifest } from '../shared/manifest.js';
import type { BlobStore } from './blobs/blob-store.js';
import { DbBlobStore } from './blobs/db-blob-store.js';
import { DirBlobStore } from './blobs/dir-blob-store.js';
import { Store } from './store.js';
import { BLOB_LINE_BYTES, BlobLines, ReleaseBlobs } from './transfer-blobs.js';

// The blob lines of an export, from a directory store to a database store:
// the sizes the fleet fixture of the CLI tests never has (an empty file, a
// blob longer than one line) come through whole, cut at BLOB_LINE_BYTES
// whatever pieces the source store reads in.

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function put(store: BlobStore, blobs: Buffer[]): Promise<void> {
  const batch = await store.beginUpload();
  for (const b of blobs) await batch.write(sha(b), b, true);
  await batch.commit();
}

async function read(store: BlobStore, hash: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of store.read(hash)) parts.push(p);
  return Buffer.concat(parts);
}

describe('blob lines', () => {
  it('carry an empty blob and one longer than a line from a directory store into a database store, byte for byte', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleetswap-transfer-blobs-'));
    const store = await Store.sqlite(':memory:');
    onTestFinished(async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    });
    const source = new DirBlobStore(dir);
    await source.init();
    const blobs = [Buffer.alloc(0), Buffer.from('abc'), randomBytes(2 * BLOB_LINE_BYTES + 12345)];
    await put(source, blobs);
    const { bytes, id } = buildManifest(
      { label: 'v1', owner: 'tests', notes: '', irreversible: '' },
      blobs.map((b, i) => ({ path: `f${i}`, type: 'file', mode: 0o644, size: b.length, sha256: sha(b) })),
    );
    const named = new ReleaseBlobs();
    named.note({ id, label: 'v1', manifest: bytes });
    const lines: string[] = [];
    expect(await named.write(source, async (l) => void lines.push(l))).toEqual({ blobs: 3, bytes: 2 * BLOB_LINE_BYTES + 12348 });
    // One line per blob, then its data: none for the empty one, three for the long one.
    expect(lines.map((l) => Object.keys(JSON.parse(l) as object)[0])).toEqual(
      [...blobs].sort((a, b) => sha(a).localeCompare(sha(b))).flatMap((b) => ['blob', ...Array<string>(Math.ceil(b.length / BLOB_LINE_BYTES)).fill('data')]),
    );

    const target = new DbBlobStore(store.blobs);
    await target.init();
    const check = new BlobLines((why) => new FleetswapError('BAD_USAGE', why));
    const batch = await target.beginUpload();
    for (const [i, l] of lines.entries()) {
      const v = JSON.parse(l) as { blob?: unknown; size?: unknown; data?: unknown };
      const piece = 'blob' in v ? check.begin(v, i + 1) : check.data(v, i + 1);
      if (piece) await batch.write(piece.hash, piece.data, piece.last);
    }
    check.whole(lines.length + 1);
    expect(await batch.commit()).toEqual({ blobs: 3, bytes: 2 * BLOB_LINE_BYTES + 12348 });
    for (const b of blobs) expect((await read(target, sha(b))).equals(b)).toBe(true);
  });
});
