import type { DriftPath } from '../../shared/drift.js';
import type { Db } from './db.js';
import { forget, memoized } from './memo.js';
import { json, type Raw } from './sql.js';

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

const OPEN_HOSTS = 'drift:open-hosts';

/** DriftEvents is the `drift_events` table: each drift finding, what was done about it, and when it was resolved. */
export class DriftEvents {
  constructor(private readonly db: Db) {}

  async insert(e: Omit<DriftEventRow, 'id'>): Promise<number> {
    forget(this.db, OPEN_HOSTS);
    const row = await this.db.get<{ id: number }>(
      `INSERT INTO drift_events(host, kind, release_id, paths, path_count, detail, detected_at_ms, action, resolved_at_ms)
       VALUES (@host, @kind, @release_id, @paths, @path_count, @detail, @detected_at_ms, @action, @resolved_at_ms)
       RETURNING id`,
      { ...e, paths: JSON.stringify(e.paths) },
    );
    return (row as { id: number }).id;
  }

  /** update sets the given columns; the statement is cached per set of columns (a handful of shapes). */
  async update(id: number, change: Partial<Pick<DriftEventRow, 'paths' | 'path_count' | 'action' | 'resolved_at_ms' | 'detail'>>): Promise<void> {
    const cols = Object.keys(change);
    if (cols.length === 0) return;
    const values: Raw = { ...change, id };
    if (change.paths) values.paths = JSON.stringify(change.paths);
    forget(this.db, OPEN_HOSTS);
    await this.db.run(`UPDATE drift_events SET ${cols.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id`, values);
  }

  async open(host?: string): Promise<DriftEventRow[]> {
    if (host !== undefined && !(await this.mayBeOpen(host))) return [];
    const rows =
      host === undefined
        ? await this.db.all(`SELECT * FROM drift_events WHERE resolved_at_ms IS NULL ORDER BY id`)
        : await this.db.all(`SELECT * FROM drift_events WHERE resolved_at_ms IS NULL AND host = ? ORDER BY id`, [host]);
    return rows.map(driftFrom);
  }

  /**
   * mayBeOpen: within a transaction, the hosts with an open event are read
   * once (store/memo.ts). A batch of reports comes mostly from hosts with none.
   */
  private async mayBeOpen(host: string): Promise<boolean> {
    if (!this.db.inTx()) return true;
    const load = async () => new Set((await this.db.all<{ host: string }>(`SELECT DISTINCT host FROM drift_events WHERE resolved_at_ms IS NULL`)).map((r) => r.host));
    return (await memoized(this.db, OPEN_HOSTS, load)).has(host);
  }

  /** recent is each host's newest events (open or resolved), newest first. */
  async recent(perHost: number): Promise<DriftEventRow[]> {
    return (
      await this.db.all(
        `SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY host ORDER BY id DESC) AS n FROM drift_events) AS numbered WHERE n <= ? ORDER BY host, id DESC`,
        [perHost],
      )
    ).map(driftFrom);
  }
}

function driftFrom(r: Raw): DriftEventRow {
  return { ...(r as unknown as DriftEventRow), paths: json(r.paths, []) };
}
