import type { Db } from './db.js';
import { memoized, remember } from './memo.js';
import { json } from './sql.js';

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
  constructor(private readonly db: Db) {}

  /** get reads a setting once per transaction (store/memo.ts): every report asks whether the fleet is halted. */
  async get<T>(key: MetaKey, fallback: T): Promise<T> {
    const row = await memoized(this.db, `meta:${key}`, () => this.db.get<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, [key]));
    return json(row?.value, fallback);
  }

  async set(key: MetaKey, value: unknown): Promise<void> {
    remember(this.db, `meta:${key}`, { value: JSON.stringify(value) });
    await this.db.run(`INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, [key, JSON.stringify(value)]);
  }

  halt(): Promise<HaltRow> {
    return this.get('halt', { halted: false, reason: '', actor: '', at_ms: 0 });
  }

  setHalt(h: HaltRow): Promise<void> {
    return this.set('halt', h);
  }
}
