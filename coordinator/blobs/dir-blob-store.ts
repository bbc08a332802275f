import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncPath } from '../../shared/fsync.js';
import { IncomingBlobs, missingBlob, STALE_UPLOAD_MS, type BlobStore, type BlobStoreOptions, type UploadBatch } from './blob-store.js';

/** Where uploads in progress are written: inside the blobs directory, so publishing is a rename on one file system. */
const TMP = '.tmp';

/**
 * DirBlobStore keeps blobs as files DIR/ab/abcd...: DATA/blobs by default, or
 * a directory every coordinator mounts (--blobs). A blob is written under
 * DIR/.tmp/upload-*, fsynced, verified and only then renamed in, so a blob
 * that exists is whole and correct.
 */
export class DirBlobStore implements BlobStore {
  private readonly tmpDir: string;

  constructor(
    readonly where: string,
    private readonly opts: BlobStoreOptions = {},
  ) {
    this.tmpDir = join(where, TMP);
  }

  async init(): Promise<void> {
    await mkdir(this.tmpDir, { recursive: true });
    await this.discardStale();
  }

  path(hash: string): string {
    return join(this.where, hash.slice(0, 2), hash);
  }

  async has(hash: string): Promise<boolean> {
    return (await this.size(hash)) !== undefined;
  }

  async size(hash: string): Promise<number | undefined> {
    return (await stat(this.path(hash)).catch(() => undefined))?.size;
  }

  async *read(hash: string): AsyncIterable<Buffer> {
    try {
      for await (const data of createReadStream(this.path(hash), { highWaterMark: 256 * 1024 })) yield data as Buffer;
    } catch (err) {
      throw (err as { code?: unknown }).code === 'ENOENT' ? missingBlob(hash) : err;
    }
  }

  async beginUpload(): Promise<UploadBatch> {
    await this.discardStale();
    const dir = join(this.tmpDir, `upload-${randomBytes(8).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    return new DirUpload(this, dir, new IncomingBlobs(this.opts.maxBlobBytes));
  }

  /**
   * discardStale removes uploads a crash cut short, and only those: on a
   * shared directory the others belong to coordinators still uploading. An
   * upload is stale when neither its directory nor any file in it has been
   * written for STALE_UPLOAD_MS.
   */
  private async discardStale(): Promise<void> {
    const cutoff = Date.now() - STALE_UPLOAD_MS;
    for (const name of await readdir(this.tmpDir)) {
      const dir = join(this.tmpDir, name);
      if ((await lastWritten(dir)) < cutoff) await rm(dir, { recursive: true, force: true });
    }
  }
}

/** lastWritten is the newest mtime of a directory and the files in it (0 if it is gone already). */
async function lastWritten(dir: string): Promise<number> {
  const times = [(await stat(dir).catch(() => undefined))?.mtimeMs ?? 0];
  for (const f of await readdir(dir).catch(() => [])) times.push((await stat(join(dir, f)).catch(() => undefined))?.mtimeMs ?? 0);
  return Math.max(...times);
}

class DirUpload implements UploadBatch {
  private file: FileHandle | undefined;
  private readonly done = new Set<string>();

  constructor(
    private readonly store: DirBlobStore,
    private readonly dir: string,
    private readonly incoming: IncomingBlobs,
  ) {}

  async write(hash: string, data: Buffer, last: boolean): Promise<void> {
    if (this.incoming.take(hash, data)) this.file = await open(join(this.dir, hash), 'w', 0o444);
    const file = this.file as FileHandle;
    await file.write(data);
    if (!last) return;
    this.file = undefined;
    await file.sync();
    await file.close();
    this.done.add(this.incoming.end().hash);
  }

  async commit(): Promise<{ blobs: number; bytes: number }> {
    this.incoming.whole();
    const dirs = new Set<string>();
    for (const hash of this.done) {
      const dest = this.store.path(hash);
      const parent = join(dest, '..');
      if (!dirs.has(parent)) {
        await mkdir(parent, { recursive: true });
        dirs.add(parent);
      }
      await rename(join(this.dir, hash), dest);
    }
    for (const d of dirs) await fsyncPath(d);
    await this.abort();
    return { blobs: this.done.size, bytes: this.incoming.bytes };
  }

  async abort(): Promise<void> {
    await this.file?.close().catch(() => undefined);
    this.file = undefined;
    await rm(this.dir, { recursive: true, force: true });
  }
}
