import { randomBytes } from 'node:crypto';
import { FleetswapError } from '../../shared/errors.js';
import type { Blobs, StagedBlob } from '../store/blobs.js';
import { IncomingBlobs, missingBlob, STALE_UPLOAD_MS, type BlobStore, type BlobStoreOptions, type UploadBatch } from './blob-store.js';

/** The size of a stored chunk: big enough that a blob is few rows, small enough to hold one in memory per reader. */
export const CHUNK_BYTES = 1024 * 1024;

/** How often an upload in progress says so (blob_uploads.touched_ms): far more often than STALE_UPLOAD_MS. */
const TOUCH_EVERY_MS = 60 * 1000;

/**
 * DbBlobStore keeps blobs in the database (store/blobs.ts), in chunks of
 * CHUNK_BYTES, so that every coordinator sharing a PostgreSQL database
 * reads what any of them was pushed. An upload writes its chunks under a
 * key of its own and publishes its blobs in one transaction at commit.
 */
export class DbBlobStore implements BlobStore {
  readonly where = 'database';

  constructor(
    private readonly table: Blobs,
    private readonly opts: BlobStoreOptions = {},
  ) {}

  async init(): Promise<void> {
    await this.discardStale();
  }

  async has(hash: string): Promise<boolean> {
    return (await this.table.size(hash)) !== undefined;
  }

  size(hash: string): Promise<number | undefined> {
    return this.table.size(hash);
  }

  async *read(hash: string): AsyncIterable<Buffer> {
    const size = await this.table.size(hash);
    if (size === undefined) throw missingBlob(hash);
    // One chunk per query: a reader holds one chunk, however large the blob.
    for (let seq = 0, sent = 0; sent < size; seq++) {
      const data = await this.table.chunk(hash, seq);
      if (!data) throw new FleetswapError('INTERNAL', `blob ${hash.slice(0, 12)} lacks its chunk ${seq}`);
      sent += data.length;
      yield data;
    }
  }

  async beginUpload(): Promise<UploadBatch> {
    await this.discardStale();
    const id = randomBytes(12).toString('hex');
    await this.table.beginUpload(id, await this.table.clockMs());
    return new DbUpload(this.table, id, new IncomingBlobs(this.opts.maxBlobBytes));
  }

  /** discardStale drops uploads no coordinator has written to for STALE_UPLOAD_MS (by the database's clock, which they share). */
  private async discardStale(): Promise<void> {
    await this.table.discardStale((await this.table.clockMs()) - STALE_UPLOAD_MS);
  }
}

/**
 * DbUpload cuts what arrives into CHUNK_BYTES chunks as it goes, numbered
 * across the whole upload; each blob remembers its range of them.
 */
class DbUpload implements UploadBatch {
  private readonly done: StagedBlob[] = [];
  /** What arrived since the last chunk was written: less than CHUNK_BYTES, after every write. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private seq = 0;
  private first = 0;
  private touched = Date.now();

  constructor(
    private readonly table: Blobs,
    private readonly id: string,
    private readonly incoming: IncomingBlobs,
  ) {}

  async write(hash: string, data: Buffer, last: boolean): Promise<void> {
    if (this.incoming.take(hash, data)) this.first = this.seq;
    this.pending.push(data);
    this.pendingBytes += data.length;
    await this.flush(last);
    if (!last) return;
    const { size } = this.incoming.end();
    this.done.push({ hash, size, first: this.first, end: this.seq });
  }

  /** flush writes every whole chunk pending, and at a blob's end the rest too: a chunk never holds two blobs. */
  private async flush(blobEnds: boolean): Promise<void> {
    if (this.pendingBytes < CHUNK_BYTES && !(blobEnds && this.pendingBytes > 0)) return;
    const all = Buffer.concat(this.pending, this.pendingBytes);
    let at = 0;
    while (all.length - at >= CHUNK_BYTES || (blobEnds && at < all.length)) {
      const n = Math.min(CHUNK_BYTES, all.length - at);
      await this.table.stageChunk(this.id, this.seq++, all.subarray(at, at + n));
      at += n;
    }
    // A copy of the rest, so that a large message is not kept alive by its tail.
    this.pending = at < all.length ? [Buffer.from(all.subarray(at))] : [];
    this.pendingBytes = all.length - at;
    if (Date.now() - this.touched < TOUCH_EVERY_MS) return;
    this.touched = Date.now();
    if (!(await this.table.touch(this.id, await this.table.clockMs()))) throw abandoned();
  }

  async commit(): Promise<{ blobs: number; bytes: number }> {
    this.incoming.whole();
    if (!(await this.table.publish(this.id, this.done))) throw abandoned();
    return { blobs: this.done.length, bytes: this.incoming.bytes };
  }

  async abort(): Promise<void> {
    this.pending = [];
    await this.table.discard(this.id);
  }
}

const abandoned = () => new FleetswapError('UNAVAILABLE', `the upload stalled for over ${STALE_UPLOAD_MS / 60_000} minutes and was discarded: push again`);
