import { join, resolve } from 'node:path';
import type { Blobs } from '../store/blobs.js';
import type { BlobStore } from './blob-store.js';
import { DbBlobStore } from './db-blob-store.js';
import { DirBlobStore } from './dir-blob-store.js';

/** Where a coordinator keeps its state; the same flags (--data, --database, --blobs) name it for a coordinator and for export / import. */
export interface BlobsLocation {
  dataDir: string;
  database?: string;
  blobsDir?: string;
}

/**
 * blobStoreFor picks where blobs live: the directory the operator named
 * (--blobs), else the database when it is PostgreSQL (every coordinator
 * sharing it reads them), else DATA/blobs beside the SQLite file. One
 * function, so that export reads and import writes where a coordinator on
 * the same flags looks.
 */
export function blobStoreFor(loc: BlobsLocation, table: Blobs): BlobStore {
  if (loc.blobsDir) return new DirBlobStore(resolve(loc.blobsDir));
  return loc.database ? new DbBlobStore(table) : new DirBlobStore(join(loc.dataDir, 'blobs'));
}
