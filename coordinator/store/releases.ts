import type { ReleaseSignature } from '../../shared/signing.js';
import type { Db } from './db.js';
import { json, type Raw } from './sql.js';

/** A release as listed: everything but its manifest. */
export interface ReleaseRow {
  id: string;
  label: string;
  owner: string;
  notes: string;
  /** Why it cannot be rolled back; '' if it can. */
  irreversible: string;
  pushed_by: string;
  pushed_at_ms: number;
  files: number;
  bytes: number;
  signatures: ReleaseSignature[];
}

export interface StoredRelease extends ReleaseRow {
  manifest: Buffer;
}

/** Releases is the `releases` table: pushed releases, their manifests and signatures. */
export class Releases {
  constructor(private readonly db: Db) {}

  async insert(r: StoredRelease): Promise<void> {
    await this.db.run(
      `INSERT INTO releases(id, label, manifest, owner, notes, irreversible, pushed_by, pushed_at_ms, files, bytes, signatures)
       VALUES (@id, @label, @manifest, @owner, @notes, @irreversible, @pushed_by, @pushed_at_ms, @files, @bytes, @signatures)`,
      { ...r, signatures: JSON.stringify(r.signatures) },
    );
  }

  /** addSignatures records more signatures of a release (pushed again, signed by another key). */
  async addSignatures(id: string, signatures: ReleaseSignature[]): Promise<void> {
    await this.db.run(`UPDATE releases SET signatures = ? WHERE id = ?`, [JSON.stringify(signatures), id]);
  }

  async byId(id: string): Promise<StoredRelease | undefined> {
    const r = await this.db.get(`SELECT * FROM releases WHERE id = ?`, [id]);
    return r ? releaseFrom(r) : undefined;
  }

  async byLabel(label: string): Promise<StoredRelease | undefined> {
    const r = await this.db.get(`SELECT * FROM releases WHERE label = ?`, [label]);
    return r ? releaseFrom(r) : undefined;
  }

  /** byIdPrefix returns at most two: enough to tell a unique prefix from an ambiguous one. */
  async byIdPrefix(prefix: string): Promise<StoredRelease[]> {
    return (await this.db.all(`SELECT * FROM releases WHERE id >= ? AND id < ? ORDER BY id LIMIT 2`, [prefix, `${prefix}g`])).map(releaseFrom);
  }

  /** list is every release without its manifest, oldest push first (by label within one ms: both backends agree). */
  async list(): Promise<ReleaseRow[]> {
    return (
      await this.db.all(`SELECT id, label, owner, notes, irreversible, pushed_by, pushed_at_ms, files, bytes, signatures FROM releases ORDER BY pushed_at_ms, label`)
    ).map(releaseFrom);
  }

  /** labels maps each release id to its label. */
  async labels(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const r of await this.db.all<Raw>(`SELECT id, label FROM releases`)) out[r.id as string] = r.label as string;
    return out;
  }
}

function releaseFrom(r: Raw): StoredRelease {
  return { ...(r as unknown as StoredRelease), signatures: json(r.signatures, []) };
}
