import type { ReleaseSignature } from '../../shared/signing.js';
import { json, type Raw, type Sql } from './sql.js';

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
  constructor(private readonly sql: Sql) {}

  insert(r: StoredRelease): void {
    this.sql
      .stmt(
        `INSERT INTO releases(id, label, manifest, owner, notes, irreversible, pushed_by, pushed_at_ms, files, bytes, signatures)
         VALUES (@id, @label, @manifest, @owner, @notes, @irreversible, @pushed_by, @pushed_at_ms, @files, @bytes, @signatures)`,
      )
      .run({ ...r, signatures: JSON.stringify(r.signatures) });
  }

  /** addSignatures records more signatures of a release (pushed again, signed by another key). */
  addSignatures(id: string, signatures: ReleaseSignature[]): void {
    this.sql.stmt(`UPDATE releases SET signatures = ? WHERE id = ?`).run(JSON.stringify(signatures), id);
  }

  byId(id: string): StoredRelease | undefined {
    const r = this.sql.stmt(`SELECT * FROM releases WHERE id = ?`).get(id) as Raw | undefined;
    return r ? releaseFrom(r) : undefined;
  }

  byLabel(label: string): StoredRelease | undefined {
    const r = this.sql.stmt(`SELECT * FROM releases WHERE label = ?`).get(label) as Raw | undefined;
    return r ? releaseFrom(r) : undefined;
  }

  /** byIdPrefix returns at most two: enough to tell a unique prefix from an ambiguous one. */
  byIdPrefix(prefix: string): StoredRelease[] {
    return (this.sql.stmt(`SELECT * FROM releases WHERE id >= ? AND id < ? LIMIT 2`).all(prefix, `${prefix}g`) as Raw[]).map(releaseFrom);
  }

  /** list is every release without its manifest, oldest push first. */
  list(): ReleaseRow[] {
    return (
      this.sql.stmt(`SELECT id, label, owner, notes, irreversible, pushed_by, pushed_at_ms, files, bytes, signatures FROM releases ORDER BY pushed_at_ms, rowid`).all() as Raw[]
    ).map(releaseFrom);
  }

  /** labels maps each release id to its label. */
  labels(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const r of this.sql.stmt(`SELECT id, label FROM releases`).all() as Raw[]) out[r.id as string] = r.label as string;
    return out;
  }
}

function releaseFrom(r: Raw): StoredRelease {
  return { ...(r as unknown as StoredRelease), signatures: json(r.signatures, []) };
}
