import { json, type Sql } from './sql.js';

/** The keys kept in `meta`: one setting each, stored as JSON. */
export type MetaKey = 'halt' | 'drift_policy';

/** The kill switch as kept: in force or not, who set or lifted it, why, and when (0: never). */
export interface HaltRow {
  halted: boolean;
  reason: string;
  actor: string;
  at_ms: number;
}

/** Meta is the `meta` table: coordinator-wide settings, the kill switch and the drift policy. */
export class Meta {
  constructor(private readonly sql: Sql) {}

  get<T>(key: MetaKey, fallback: T): T {
    return json((this.sql.stmt(`SELECT value FROM meta WHERE key = ?`).get(key) as { value: string } | undefined)?.value, fallback);
  }

  set(key: MetaKey, value: unknown): void {
    this.sql.stmt(`INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(key, JSON.stringify(value));
  }

  halt(): HaltRow {
    return this.get('halt', { halted: false, reason: '', actor: '', at_ms: 0 });
  }

  setHalt(h: HaltRow): void {
    this.set('halt', h);
  }
}
