import type { Db, Dialect } from './db.js';

/**
 * blobsSchema is migration 13: blobs kept in the database, so that every
 * coordinator sharing it reads them. A blob is a `blobs` row (its size) and
 * its chunks in order; an upload in progress writes its chunks under its own
 * key ("upload:ID", never a sha256) and `blob_uploads` says when it last
 * wrote, so an upload a crash abandoned can be told from one in progress.
 * The bytes column is BYTEA on PostgreSQL, BLOB on SQLite.
 */
export function blobsSchema(dialect: Dialect): string {
  return `
  CREATE TABLE blobs (
    hash TEXT PRIMARY KEY,
    size BIGINT NOT NULL
  );
  CREATE TABLE blob_chunks (
    hash TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data ${dialect === 'postgres' ? 'BYTEA' : 'BLOB'} NOT NULL,
    PRIMARY KEY (hash, seq)
  );
  CREATE TABLE blob_uploads (
    id TEXT PRIMARY KEY,
    touched_ms BIGINT NOT NULL
  );
`;
}

/** A verified blob of an upload: its chunks are the upload's [first, end). */
export interface StagedBlob {
  hash: string;
  size: number;
  first: number;
  end: number;
}

const uploadKey = (id: string) => `upload:${id}`;

/** Blobs is the `blobs`, `blob_chunks` and `blob_uploads` tables (coordinator/blobs/db-blob-store.ts uses them). */
export class Blobs {
  constructor(private readonly db: Db) {}

  clockMs(): Promise<number> {
    return this.db.clockMs();
  }

  async size(hash: string): Promise<number | undefined> {
    return (await this.db.get<{ size: number }>(`SELECT size FROM blobs WHERE hash = ?`, [hash]))?.size;
  }

  async chunk(hash: string, seq: number): Promise<Buffer | undefined> {
    return (await this.db.get<{ data: Buffer }>(`SELECT data FROM blob_chunks WHERE hash = ? AND seq = ?`, [hash, seq]))?.data;
  }

  async beginUpload(id: string, atMs: number): Promise<void> {
    await this.db.run(`INSERT INTO blob_uploads(id, touched_ms) VALUES (?, ?)`, [id, atMs]);
  }

  /** touch says the upload is still going; false if it was taken for abandoned and discarded meanwhile. */
  async touch(id: string, atMs: number): Promise<boolean> {
    return (await this.db.run(`UPDATE blob_uploads SET touched_ms = ? WHERE id = ?`, [atMs, id])).changes === 1;
  }

  async stageChunk(id: string, seq: number, data: Buffer): Promise<void> {
    await this.db.run(`INSERT INTO blob_chunks(hash, seq, data) VALUES (?, ?, ?)`, [uploadKey(id), seq, data]);
  }

  /**
   * publish makes an upload's blobs visible in one transaction, and ends the
   * upload; a blob already there (pushed meanwhile, through any coordinator)
   * is kept as it is. False, with nothing published, if the upload was
   * discarded as abandoned: some of its chunks may be gone.
   */
  publish(id: string, blobs: readonly StagedBlob[]): Promise<boolean> {
    return this.db.tx(async () => {
      // Whoever deletes the upload's row owns its chunks: this, or discardStale.
      if ((await this.db.run(`DELETE FROM blob_uploads WHERE id = ?`, [id])).changes !== 1) return false;
      for (const b of blobs) {
        const added = await this.db.run(`INSERT INTO blobs(hash, size) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING`, [b.hash, b.size]);
        if (added.changes === 0) continue;
        await this.db.run(`UPDATE blob_chunks SET hash = @hash, seq = seq - @first WHERE hash = @key AND seq >= @first AND seq < @end`, {
          hash: b.hash,
          first: b.first,
          end: b.end,
          key: uploadKey(id),
        });
      }
      await this.db.run(`DELETE FROM blob_chunks WHERE hash = ?`, [uploadKey(id)]);
      return true;
    });
  }

  /** discard drops an upload and its chunks. */
  async discard(id: string): Promise<void> {
    await this.db.tx(async () => {
      await this.db.run(`DELETE FROM blob_uploads WHERE id = ?`, [id]);
      await this.db.run(`DELETE FROM blob_chunks WHERE hash = ?`, [uploadKey(id)]);
    });
  }

  /** discardStale drops the uploads that have not written since `beforeMs`: a crash abandoned them. */
  async discardStale(beforeMs: number): Promise<number> {
    let n = 0;
    for (const { id } of await this.db.all<{ id: string }>(`SELECT id FROM blob_uploads WHERE touched_ms < ?`, [beforeMs])) {
      n += await this.db.tx(async () => {
        // Checked again in the transaction: the upload may have written, or published, since.
        if ((await this.db.run(`DELETE FROM blob_uploads WHERE id = ? AND touched_ms < ?`, [id, beforeMs])).changes !== 1) return 0;
        await this.db.run(`DELETE FROM blob_chunks WHERE hash = ?`, [uploadKey(id)]);
        return 1;
      });
    }
    return n;
  }
}
