import type { DesiredChange__Output as DesiredChange } from '../../shared/gen/fleetswap/v1/DesiredChange.js';
import { json, type Raw, type Sql } from './sql.js';

export type DesiredChangeRow = Omit<DesiredChange, 'at'> & { at_ms: number };

/** DesiredChanges is the `desired_changes` table: the history of desired state (who, when, why, from, to, which hosts). */
export class DesiredChanges {
  constructor(private readonly sql: Sql) {}

  record(c: Omit<DesiredChangeRow, 'id'>): number {
    const info = this.sql
      .stmt(
        `INSERT INTO desired_changes(at_ms, actor, reason, action, from_release, to_release, hosts)
         VALUES (@at_ms, @actor, @reason, @action, @from_release, @to_release, @hosts)`,
      )
      .run({ ...c, hosts: JSON.stringify(c.hosts) });
    return Number(info.lastInsertRowid);
  }

  all(): DesiredChangeRow[] {
    return (this.sql.stmt(`SELECT * FROM desired_changes ORDER BY id`).all() as Raw[]).map((r) => ({
      ...(r as unknown as DesiredChangeRow),
      hosts: json(r.hosts, []),
    }));
  }
}
