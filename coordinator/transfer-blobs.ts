import { createHash, type Hash } from 'node:crypto';
import { FleetswapError } from '../shared/errors.js';
import { SHA256_RE } from '../shared/hash.js';
import { MAX_FILE_BYTES, parseManifest } from '../shared/manifest.js';
import type { BlobStore } from './blobs/blob-store.js';
import type { Row } from './store/db.js';

// The blobs of an export (transfer-file.ts has the rest of the file): after
// the rows, every blob a release's manifest names, in order of hash, each as
//
//   {"blob":"<sha256>","size":N}
//   {"data":"<base64>"}          the blob's bytes, BLOB_LINE_BYTES a line (the last one shorter; none for an empty blob)
//
// Cut at fixed sizes whatever store they came from, so the same fleet
// exported from either backend gives the same lines.

/** The most bytes one data line carries: a reader holds one line, however large the blob. */
export const BLOB_LINE_BYTES = 1024 * 1024;

/** ReleaseBlobs collects, as the releases rows go by, the blobs their manifests name. */
export class ReleaseBlobs {
  /** Each blob with the first release that names it, for the refusal when the store lacks it. */
  private readonly named = new Map<string, string>();

  /** note reads a releases row's manifest (checked against its id, as a coordinator would). */
  note(row: Row): void {
    const id = String(row.id);
    const manifest = parseManifest(row.manifest as Buffer, id);
    for (const e of manifest.entries) if (e.type === 'file' && !this.named.has(e.sha256)) this.named.set(e.sha256, `release ${String(row.label)} (${id.slice(0, 12)})`);
  }

  /**
   * write sends every blob through `line`, read from `store` and checked on
   * the way: a blob the store lacks, or whose bytes do not hash to its name,
   * stops the export (a broken source must not become a file that imports
   * into a broken fleet).
   */
  async write(store: BlobStore, line: (text: string) => Promise<void>): Promise<{ blobs: number; bytes: number }> {
    let bytes = 0;
    for (const hash of [...this.named.keys()].sort()) {
      const size = await store.size(hash);
      if (size === undefined) {
        throw new FleetswapError('MISSING_BLOB', `blob ${hash} of ${this.named.get(hash)} is not in the blob store (${store.where}): give export the --blobs the coordinators use; nothing was written`);
      }
      await line(`${JSON.stringify({ blob: hash, size })}\n`);
      const sha = createHash('sha256');
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      let sent = 0;
      const send = async (data: Buffer) => {
        sha.update(data);
        sent += data.length;
        await line(`${JSON.stringify({ data: data.toString('base64') })}\n`);
      };
      for await (const piece of store.read(hash)) {
        pending.push(piece);
        pendingBytes += piece.length;
        if (pendingBytes < BLOB_LINE_BYTES) continue;
        const all = Buffer.concat(pending, pendingBytes);
        let at = 0;
        for (; all.length - at >= BLOB_LINE_BYTES; at += BLOB_LINE_BYTES) await send(all.subarray(at, at + BLOB_LINE_BYTES));
        pending = at < all.length ? [all.subarray(at)] : [];
        pendingBytes = all.length - at;
      }
      if (pendingBytes > 0) await send(Buffer.concat(pending, pendingBytes));
      if (sent !== size || sha.digest('hex') !== hash) {
        throw new FleetswapError('HASH_MISMATCH', `blob ${hash} of ${this.named.get(hash)} in the blob store (${store.where}) is damaged (${sent} bytes, its hash differs): nothing was written`);
      }
      bytes += size;
    }
    return { blobs: this.named.size, bytes };
  }
}

/** A piece of a blob read from a file, ready for UploadBatch.write. */
export interface BlobPiece {
  hash: string;
  data: Buffer;
  last: boolean;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * BlobLines checks the blob lines of a file as they come: each blob named
 * by a sha256, in ascending order (so none twice), with exactly the bytes
 * its size says, and those bytes hashing to its name. `bad` makes the
 * file's one-line refusal.
 */
export class BlobLines {
  private current: { hash: string; size: number; got: number; sha: Hash } | undefined;
  private previous = '';
  blobs = 0;
  bytes = 0;

  constructor(private readonly bad: (why: string) => FleetswapError) {}

  /** begin takes a {"blob":...} line; an empty blob is whole at once, and returned as its one piece. */
  begin(v: { blob?: unknown; size?: unknown }, n: number): BlobPiece | undefined {
    this.whole(n);
    const { blob: hash, size } = v;
    if (typeof hash !== 'string' || !SHA256_RE.test(hash) || !Number.isSafeInteger(size) || (size as number) < 0 || (size as number) > MAX_FILE_BYTES || Object.keys(v).length !== 2) {
      throw this.bad(`line ${n} is not a blob line ({"blob": a sha256, "size": bytes})`);
    }
    if (hash <= this.previous) throw this.bad(`line ${n}: blob ${hash.slice(0, 12)} is out of order (blobs come once each, by hash)`);
    this.previous = hash;
    this.blobs++;
    this.current = { hash, size: size as number, got: 0, sha: createHash('sha256') };
    return size === 0 ? this.end(Buffer.alloc(0)) : undefined;
  }

  /** data takes a {"data":...} line of the blob in progress. */
  data(v: { data?: unknown }, n: number): BlobPiece {
    const cur = this.current;
    if (!cur) throw this.bad(`line ${n} is blob data outside a blob`);
    const b = v.data;
    if (typeof b !== 'string' || b.length % 4 !== 0 || !BASE64.test(b) || Object.keys(v).length !== 1) throw this.bad(`line ${n} is not a data line ({"data": base64})`);
    const data = Buffer.from(b, 'base64');
    if (data.length === 0 || data.length > BLOB_LINE_BYTES || cur.got + data.length > cur.size) throw this.bad(`line ${n} carries more of blob ${cur.hash.slice(0, 12)} than its size (${cur.size} bytes), or an empty or oversized line`);
    cur.got += data.length;
    cur.sha.update(data);
    return cur.got === cur.size ? this.end(data) : { hash: cur.hash, data, last: false };
  }

  /** whole refuses a blob cut short: called at the next blob, at the end line, and before a row. */
  whole(n: number): void {
    const cur = this.current;
    if (cur) throw this.bad(`blob ${cur.hash.slice(0, 12)} ends at line ${n} after ${cur.got} of its ${cur.size} bytes`);
  }

  private end(data: Buffer): BlobPiece {
    const cur = this.current as NonNullable<BlobLines['current']>;
    this.current = undefined;
    this.bytes += cur.size;
    if (cur.sha.digest('hex') !== cur.hash) throw new FleetswapError('HASH_MISMATCH', `not a usable fleetswap export: blob ${cur.hash.slice(0, 12)}'s bytes do not match its sha256 (changed after export?)`);
    return { hash: cur.hash, data, last: true };
  }
}
