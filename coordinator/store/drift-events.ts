import type { DriftPath } from '../../shared/drift.js';
import { json, type Raw, type Sql } from './sql.js';

export interface DriftEventRow {
  id: number;
  host: string;
  kind: 'content-drift' | 'version-drift' | 'symlink-moved';
  release_id: string;
  paths: DriftPath[];
  path_count: number;
  detail: string;
  detected_at_ms: number;
  action: string;
  /** null while the drift is open. */
  resolved_at_ms: number | null;
}

/** DriftEvents is the `drift_events` table: each drift finding, what was done about it, and when it was resolved. */
export class DriftEvents {
  constructor(private readonly sql: Sql) {}

  insert(e: Omit<DriftEventRow, 'id'>): number {
    const info = this.sql
      .stmt(
        `INSERT INTO drift_events(host, kind, release_id, paths, path_count, detail, detected_at_ms, action, resolved_at_ms)
       VALUES (@host, @kind, @release_id, @paths, @path_count, @detail, @detected_at_ms, @action, @resolved_at_ms)`,
      )
      .run({ ...e, paths: JSON.stringify(e.paths) });
    return Number(info.lastInsertRowid);
  }

  /** update sets the given columns; the statement is cached per set of columns (a handful of shapes). */
  update(id: number, change: Partial<Pick<DriftEventRow, 'paths' | 'path_count' | 'action' | 'resolved_at_ms' | 'detail'>>): void {
    const cols = Object.keys(change);
    if (cols.length === 0) return;
    const values: Raw = { ...change, id };
    if (change.paths) values.paths = JSON.stringify(change.paths);
    this.sql.stmt(`UPDATE drift_events SET ${cols.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id`).run(values);
  }

  open(host?: string): DriftEventRow[] {
    const rows = (host === undefined
      ? this.sql.stmt(`SELECT * FROM drift_events WHERE resolved_at_ms IS NULL ORDER BY id`).all()
      : this.sql.stmt(`SELECT * FROM drift_events WHERE resolved_at_ms IS NULL AND host = ? ORDER BY id`).all(host)) as Raw[];
    return rows.map(driftFrom);
  }

  /** recent is each host's newest events (open or resolved), newest first. */
  recent(perHost: number): DriftEventRow[] {
    return (
      this.sql
        .stmt(`SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY host ORDER BY id DESC) AS n FROM drift_events) WHERE n <= ? ORDER BY host, id DESC`)
        .all(perHost) as Raw[]
    ).map(driftFrom);
  }
}

function driftFrom(r: Raw): DriftEventRow {
  return { ...(r as unknown as DriftEventRow), paths: json(r.paths, []) };
}
