import type { Statement } from 'better-sqlite3';

// sql.ts is what a table module is given by the Store: cached statements and
// the Store's transaction, so every query is prepared once and every write
// joins the caller's transaction (and its afterCommit queue).

export interface Sql {
  /** stmt prepares `sql` once per Store and hands back the cached statement. */
  stmt(sql: string): Statement;
  tx<T>(fn: () => T): T;
}

/** A row as better-sqlite3 returns it, before its JSON and boolean columns are decoded. */
export type Raw = Record<string, unknown>;

/** json decodes a JSON text column; NULL (or a missing column) reads as `fallback`. */
export const json = <T>(text: unknown, fallback: T): T => (typeof text === 'string' ? (JSON.parse(text) as T) : fallback);
