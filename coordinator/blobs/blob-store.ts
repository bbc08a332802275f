import { createHash, type Hash } from 'node:crypto';
import { FleetswapError } from '../../shared/errors.js';
import { SHA256_RE } from '../../shared/hash.js';
import { MAX_FILE_BYTES } from '../../shared/manifest.js';

/**
 * BlobStore keeps releases' file contents by sha256. A blob that exists is
 * whole and correct: uploads are verified as they arrive and published only
 * at commit. Two backends: a directory (dir-blob-store.ts: DATA/blobs, or
 * one every coordinator mounts) and the database (db-blob-store.ts: what
 * coordinators sharing PostgreSQL all read).
 */
export interface BlobStore {
  /** Where blobs are kept, for the start log line. */
  readonly where: string;
  /** init makes the store ready and discards uploads a crash left unfinished long ago. */
  init(): Promise<void>;
  has(hash: string): Promise<boolean>;
  /** size is the blob's length in bytes, or undefined if there is no such blob. */
  size(hash: string): Promise<number | undefined>;
  /** read streams a blob's bytes a piece at a time (never all of it in memory); MISSING_BLOB if there is none. */
  read(hash: string): AsyncIterable<Buffer>;
  /** beginUpload opens a batch: blobs are verified as they arrive and published together by commit(). */
  beginUpload(): Promise<UploadBatch>;
}

export interface UploadBatch {
  /** write takes the next piece of blob `hash`; `last` ends the blob, which is then checked against its hash. */
  write(hash: string, data: Buffer, last: boolean): Promise<void>;
  /** commit publishes every verified blob; a stream that ended mid-blob is refused whole. */
  commit(): Promise<{ blobs: number; bytes: number }>;
  /** abort discards the batch: nothing of it becomes visible. */
  abort(): Promise<void>;
}

/** How long an upload may go untouched before another coordinator (or a restart) takes it for one a crash abandoned. */
export const STALE_UPLOAD_MS = 60 * 60 * 1000;

export interface BlobStoreOptions {
  /** The most one blob may hold. @default MAX_FILE_BYTES */
  maxBlobBytes?: number;
}

export const missingBlob = (hash: string) => new FleetswapError('MISSING_BLOB', `no blob ${hash}`);

/**
 * IncomingBlobs checks an upload's stream, whatever keeps the bytes: each
 * piece names a sha256, a blob's pieces come together, none grows past the
 * file size limit, and each blob hashes to its name when it ends.
 */
export class IncomingBlobs {
  private current: { hash: string; sha: Hash; size: number } | undefined;
  /** bytes counts every byte taken, in all blobs. */
  bytes = 0;

  /** @param maxBytes the most one blob may hold. @default MAX_FILE_BYTES, a manifest's limit */
  constructor(private readonly maxBytes = MAX_FILE_BYTES) {}

  /** take checks one piece before it is kept; true if it begins a new blob. */
  take(hash: string, data: Buffer): boolean {
    if (!SHA256_RE.test(hash)) throw new FleetswapError('BAD_MANIFEST', `blob name ${JSON.stringify(hash.slice(0, 80))} is not a sha256`);
    const cur = this.current;
    if (cur && cur.hash !== hash) throw new FleetswapError('HASH_MISMATCH', `blob ${cur.hash.slice(0, 12)} was cut short before ${hash.slice(0, 12)} began`);
    const blob = cur ?? { hash, sha: createHash('sha256'), size: 0 };
    if (blob.size + data.length > this.maxBytes) throw new FleetswapError('BAD_MANIFEST', `blob ${hash.slice(0, 12)} is larger than the ${this.maxBytes}-byte limit`);
    this.current = blob;
    blob.size += data.length;
    blob.sha.update(data);
    this.bytes += data.length;
    return cur === undefined;
  }

  /** end closes the blob in progress and checks it against its name; it returns its hash and size. */
  end(): { hash: string; size: number } {
    const cur = this.current;
    if (!cur) throw new FleetswapError('INTERNAL', 'no blob in progress to end');
    this.current = undefined;
    const got = cur.sha.digest('hex');
    if (got !== cur.hash) throw new FleetswapError('HASH_MISMATCH', `blob ${cur.hash.slice(0, 12)} does not match its hash (got ${got.slice(0, 12)}): refused`);
    return { hash: cur.hash, size: cur.size };
  }

  /** whole refuses a stream that stopped in the middle of a blob. */
  whole(): void {
    if (this.current) throw new FleetswapError('HASH_MISMATCH', `upload ended in the middle of blob ${this.current.hash.slice(0, 12)}`);
  }
}
