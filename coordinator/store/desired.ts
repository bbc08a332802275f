import type { DesiredChange__Output as DesiredChange } from '../../shared/gen/fleetswap/v1/DesiredChange.js';
import type { Db } from './db.js';
import { json, type Raw } from './sql.js';

export type DesiredChangeRow = Omit<DesiredChange, 'at'> & { at_ms: number };

/** DesiredChanges is the `desired_changes` table: the history of desired state (who, when, why, from, to, which hosts). */
export class DesiredChanges {
  constructor(private readonly db: Db) {}

  async record(c: Omit<DesiredChangeRow, 'id'>): Promise<number> {
    const row = await this.db.get<{ id: number }>(
      `INSERT INTO desired_changes(at_ms, actor, reason, action, from_release, to_release, hosts)
       VALUES (@at_ms, @actor, @reason, @action, @from_release, @to_release, @hosts)
       RETURNING id`,
      { ...c, hosts: JSON.stringify(c.hosts) },
    );
    return (row as { id: number }).id;
  }

  async all(): Promise<DesiredChangeRow[]> {
    return (await this.db.all(`SELECT * FROM desired_changes ORDER BY id`)).map((r: Raw) => ({
      ...(r as unknown as DesiredChangeRow),
      hosts: json(r.hosts, []),
    }));
  }
}
