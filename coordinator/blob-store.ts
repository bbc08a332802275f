import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { FleetswapError } from '../shared/errors.js';
import { SHA256_RE } from '../shared/hash.js';
import { fsyncPath } from '../shared/fsync.js';
import { MAX_FILE_BYTES } from '../shared/manifest.js';

/**
 * BlobStore keeps file contents by sha256 under DATA/blobs/ab/abcd...; a blob
 * is written to a temp name, fsynced, verified and only then renamed in, so
 * a blob that exists is whole and correct.
 */
export class BlobStore {
  private readonly dir: string;
  private readonly tmpDir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'blobs');
    this.tmpDir = join(dataDir, 'tmp');
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // Uploads cut short by a crash leave temp files; they were never visible.
    await rm(this.tmpDir, { recursive: true, force: true });
    await mkdir(this.tmpDir, { recursive: true });
  }

  path(hash: string): string {
    return join(this.dir, hash.slice(0, 2), hash);
  }

  has(hash: string): boolean {
    return existsSync(this.path(hash));
  }

  async size(hash: string): Promise<number | undefined> {
    return (await stat(this.path(hash)).catch(() => undefined))?.size;
  }

  read(hash: string): NodeJS.ReadableStream {
    return createReadStream(this.path(hash), { highWaterMark: 256 * 1024 });
  }

  /** beginUpload opens a batch: blobs are verified as they arrive and published together by commit(). */
  async beginUpload(): Promise<UploadBatch> {
    const dir = join(this.tmpDir, `upload-${randomBytes(6).toString('hex')}`);
    await mkdir(dir);
    return new UploadBatch(this, dir);
  }
}

export class UploadBatch {
  private current: { hash: string; fh: FileHandle; sha: ReturnType<typeof createHash>; size: number } | undefined;
  private readonly done = new Map<string, number>();
  bytes = 0;

  constructor(
    private readonly store: BlobStore,
    private readonly dir: string,
  ) {}

  async write(hash: string, data: Buffer, last: boolean): Promise<void> {
    if (!SHA256_RE.test(hash)) throw new FleetswapError('BAD_MANIFEST', `blob name ${JSON.stringify(hash.slice(0, 80))} is not a sha256`);
    if (this.current && this.current.hash !== hash) {
      throw new FleetswapError('HASH_MISMATCH', `blob ${this.current.hash.slice(0, 12)} was cut short before ${hash.slice(0, 12)} began`);
    }
    if (!this.current) {
      this.current = { hash, fh: await open(join(this.dir, hash), 'w', 0o444), sha: createHash('sha256'), size: 0 };
    }
    const cur = this.current;
    cur.size += data.length;
    if (cur.size > MAX_FILE_BYTES) throw new FleetswapError('BAD_MANIFEST', `blob ${hash.slice(0, 12)} is larger than the ${MAX_FILE_BYTES}-byte limit`);
    cur.sha.update(data);
    await cur.fh.write(data);
    this.bytes += data.length;
    if (!last) return;
    this.current = undefined;
    await cur.fh.sync();
    await cur.fh.close();
    const got = cur.sha.digest('hex');
    if (got !== hash) throw new FleetswapError('HASH_MISMATCH', `blob ${hash.slice(0, 12)} does not match its hash (got ${got.slice(0, 12)}): refused`);
    this.done.set(hash, cur.size);
  }

  /** commit publishes every verified blob; a stream that ended mid-blob is refused whole. */
  async commit(): Promise<{ blobs: number; bytes: number }> {
    if (this.current) throw new FleetswapError('HASH_MISMATCH', `upload ended in the middle of blob ${this.current.hash.slice(0, 12)}`);
    const dirs = new Set<string>();
    for (const hash of this.done.keys()) {
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
    return { blobs: this.done.size, bytes: this.bytes };
  }

  async abort(): Promise<void> {
    await this.current?.fh.close().catch(() => undefined);
    this.current = undefined;
    await rm(this.dir, { recursive: true, force: true });
  }
}

