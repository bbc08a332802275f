import { LEADERSHIP_SCHEMA } from '../leadership.js';
import { SQLITE_MIGRATIONS } from '../migrations.js';
import { blobsSchema } from './blobs.js';
import { eventsSchema } from './events.js';
import { FleetswapError } from '../../shared/errors.js';
import type { Baseline, Db, Dialect } from './db.js';
import { POSTGRES_BASELINE, POSTGRES_BASELINE_SQL } from './schema-postgres.js';

// One numbered list of migrations for both backends. The first
// POSTGRES_BASELINE were written for SQLite before PostgreSQL arrived; an
// empty PostgreSQL database starts from one script with their schema
// (schema-postgres.ts). Every migration after them runs on both, so it is
// written in SQL both understand; where a type has no name both accept
// (bytes: BLOB, BYTEA), the migration is a function of the dialect. Never
// edit one that has shipped: add one.

/** SHARED are the migrations after the baseline, in order. */
const SHARED: readonly (string | ((dialect: Dialect) => string))[] = [
  // 12: who leads, and who is there (leadership.ts); SQLite has one
  // coordinator and never reads them.
  LEADERSHIP_SCHEMA,
  // 13: blobs in the database (store/blobs.ts), for coordinators sharing
  // PostgreSQL; a coordinator on SQLite keeps them in a directory.
  blobsSchema,
  // 14: one sample per host and time: agents send their last samples again
  // to a new leader, and those that were stored already are skipped.
  `CREATE UNIQUE INDEX vitals_host_ts ON vitals(host, ts_ms)`,
  // 15: the event stream, notification receivers and their outbox (store/events.ts).
  eventsSchema,
];

/** scriptsFor is the whole list as a dialect runs it. */
function scriptsFor(dialect: Dialect): readonly string[] {
  return [...SQLITE_MIGRATIONS, ...SHARED.map((m) => (typeof m === 'string' ? m : m(dialect)))];
}

/** MIGRATIONS is the list as SQLite runs it (PostgreSQL's has the same length and differs only in types). */
export const MIGRATIONS: readonly string[] = scriptsFor('sqlite');

/** migrationsFor is what Db.migrate is given on a dialect: the list, and where an empty database may start. */
export function migrationsFor(dialect: Dialect): { scripts: readonly string[]; baseline?: Baseline } {
  return dialect === 'postgres' ? { scripts: scriptsFor('postgres'), baseline: { version: POSTGRES_BASELINE, sql: POSTGRES_BASELINE_SQL } } : { scripts: MIGRATIONS };
}

/** SchemaState is where a database's schema is (have) and where this fleetswap's is (want). */
export interface SchemaState {
  have: number;
  want: number;
}

/** schemaState reads a database's schema version without changing anything; a schema newer than this fleetswap knows is refused. */
export async function schemaState(db: Db): Promise<SchemaState> {
  const state = { have: await db.schemaVersion(), want: MIGRATIONS.length };
  if (state.have > state.want) throw newerSchema(state);
  return state;
}

export const newerSchema = (s: SchemaState) => new FleetswapError('BAD_USAGE', `database schema ${s.have} is newer than this fleetswap knows (${s.want}): upgrade fleetswap`);

/** behindSchema is the refusal of a coordinator told not to migrate (--no-migrate), and of `coordinator migrate --check`. */
export function behindSchema(s: SchemaState): FleetswapError {
  const n = s.want - s.have;
  return new FleetswapError('SCHEMA_BEHIND', `database schema ${s.have} is behind this fleetswap's ${s.want} (${n} migration${n === 1 ? '' : 's'} to run): run fleetswap coordinator migrate`);
}
