import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { onPostgres, openDatabase } from './database.js';

// What a test coordinator's blob store holds, read beside the coordinator
// rather than through it: the files under DATA/blobs on SQLite, the rows of
// its database on PostgreSQL (where its blobs are kept by default).

/** storedBlobs lists the hashes of the published blobs, sorted. */
export async function storedBlobs(dataDir: string): Promise<string[]> {
  if (onPostgres()) return (await query<{ hash: string }>(dataDir, `SELECT hash FROM blobs ORDER BY hash`)).map((r) => r.hash);
  const dir = join(dataDir, 'blobs');
  const out: string[] = [];
  for (const fan of await readdir(dir).catch(() => [])) if (fan !== '.tmp') out.push(...(await readdir(join(dir, fan))));
  return out.sort();
}

/** unfinishedUploads lists what uploads in progress (or refused and not cleaned up) hold: temp directories, or upload rows and staged chunks. */
export async function unfinishedUploads(dataDir: string): Promise<string[]> {
  if (onPostgres()) {
    const uploads = await query<{ id: string }>(dataDir, `SELECT id FROM blob_uploads`);
    const chunks = await query<{ hash: string; seq: number }>(dataDir, `SELECT hash, seq FROM blob_chunks WHERE hash LIKE 'upload:%'`);
    return [...uploads.map((u) => `upload ${u.id}`), ...chunks.map((c) => `chunk ${c.hash}/${c.seq}`)].sort();
  }
  return (await readdir(join(dataDir, 'blobs', '.tmp')).catch(() => [])).sort();
}

async function query<T>(dataDir: string, sql: string): Promise<T[]> {
  const db = await openDatabase(dataDir);
  try {
    return await db.all<T>(sql);
  } finally {
    await db.close();
  }
}
