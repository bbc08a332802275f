// sql.ts holds what every table module shares: how a raw row looks before
// its JSON and boolean columns are decoded. Table modules are given the
// Store's Db (db.ts): every query joins the caller's transaction (and its
// afterCommit queue), and each backend prepares a statement once.

/** A row as the database returns it, before its JSON and boolean columns are decoded. */
export type Raw = Record<string, unknown>;

/** json decodes a JSON text column; NULL (or a missing column) reads as `fallback`. */
export const json = <T>(text: unknown, fallback: T): T => (typeof text === 'string' ? (JSON.parse(text) as T) : fallback);

/**
 * greater is SQL for the larger of two integer expressions. SQLite's max(a, b)
 * and PostgreSQL's GREATEST(a, b) are each the other's error; CASE is both.
 */
export const greater = (a: string, b: string): string => `CASE WHEN ${a} > ${b} THEN ${a} ELSE ${b} END`;

/**
 * IN_LIST is how many hosts one statement names at most: one statement for a
 * cohort instead of one per host, while SQLite's and PostgreSQL's limits on
 * parameters (32,766 and 65,535) stay far away.
 */
const IN_LIST = 500;

/** inChunks splits `xs` into lists one statement can name. */
export function inChunks<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += IN_LIST) out.push(xs.slice(i, i + IN_LIST));
  return out;
}

/** marks is `n` positional parameters: `?, ?, ?`. */
export const marks = (n: number, each = '?'): string => Array.from({ length: n }, () => each).join(', ');
