import { LEADERSHIP_SCHEMA } from '../leadership.js';
import { SQLITE_MIGRATIONS } from '../migrations.js';
import type { Baseline, Dialect } from './db.js';
import { POSTGRES_BASELINE, POSTGRES_BASELINE_SQL } from './schema-postgres.js';

// One numbered list of migrations for both backends. The first
// POSTGRES_BASELINE were written for SQLite before PostgreSQL arrived; an
// empty PostgreSQL database starts from one script with their schema
// (schema-postgres.ts). Every migration after them runs on both, so it is
// written in SQL both understand. Never edit one that has shipped: add one.

/** SHARED are the migrations after the baseline, in order. */
const SHARED: readonly string[] = [
  // 12: who leads, and who is there (leadership.ts); SQLite has one
  // coordinator and never reads them.
  LEADERSHIP_SCHEMA,
  // 13: one sample per host and time: agents send their last samples again
  // to a new leader, and those that were stored already are skipped.
  `CREATE UNIQUE INDEX vitals_host_ts ON vitals(host, ts_ms)`,
];

export const MIGRATIONS: readonly string[] = [...SQLITE_MIGRATIONS, ...SHARED];

/** migrationsFor is what Db.migrate is given on a dialect: the list, and where an empty database may start. */
export function migrationsFor(dialect: Dialect): { scripts: readonly string[]; baseline?: Baseline } {
  return dialect === 'postgres' ? { scripts: MIGRATIONS, baseline: { version: POSTGRES_BASELINE, sql: POSTGRES_BASELINE_SQL } } : { scripts: MIGRATIONS };
}
