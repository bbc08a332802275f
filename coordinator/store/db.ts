import { AsyncLocalStorage } from 'node:async_hooks';
import type { Params } from './placeholders.js';

// Db is one database behind the Store: SQLite in a file (sqlite-db.ts), the
// embedded default, or PostgreSQL shared by several coordinators (pg-db.ts).
// Table modules speak to it with better-sqlite3-style SQL (`?` or `@name`),
// written in the subset both understand (ON CONFLICT, RETURNING, CAST).
// Everything is asynchronous because PostgreSQL is; on SQLite the promise
// is already settled.

export type Row = Record<string, unknown>;

export interface RunResult {
  /** Rows the statement changed. */
  changes: number;
}

export type Dialect = 'sqlite' | 'postgres';

/** Baseline is one script that creates the schema `version` migrations would have made. */
export interface Baseline {
  version: number;
  sql: string;
}

export interface Db {
  readonly dialect: Dialect;
  all<T = Row>(sql: string, params?: Params): Promise<T[]>;
  get<T = Row>(sql: string, params?: Params): Promise<T | undefined>;
  run(sql: string, params?: Params): Promise<RunResult>;
  /**
   * tx runs fn in one transaction: all of its writes land, or none. Queries
   * made inside fn (in its async context) join the transaction; nested tx
   * calls join the outermost one. What was registered with afterCommit runs
   * once it commits, and is dropped if it rolls back.
   */
  tx<T>(fn: () => Promise<T>): Promise<T>;
  /** afterCommit runs fn once the transaction in progress commits, or at once outside one. */
  afterCommit(fn: () => void): void;
  /** inTx says whether the calling async context is inside a transaction. */
  inTx(): boolean;
  /** memo is the transaction's own cache (store/memo.ts), or undefined outside a transaction. */
  memo(): Map<string, unknown> | undefined;
  /**
   * snapshot runs fn in a read-only transaction: every query in it sees the
   * database as of one moment, while other connections (a running
   * coordinator) keep writing. For exports and backups.
   */
  snapshot<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * scan yields a SELECT's rows a batch at a time, so a table of millions of
   * vitals is never held in memory whole. Run it inside snapshot (or tx):
   * the batches then come from one moment.
   */
  scan(sql: string, batch: number): AsyncIterable<Row[]>;
  /** clockMs is the database's clock (ms since the epoch): what coordinators sharing it agree on. */
  clockMs(): Promise<number>;
  /** schemaVersion is how many migrations have run. */
  schemaVersion(): Promise<number>;
  /**
   * migrate runs the migrations this database has not had, each in a
   * transaction with its version. An empty database with a baseline starts
   * from it: one script that makes the schema of migration baseline.version.
   */
  migrate(scripts: readonly string[], baseline?: Baseline): Promise<void>;
  close(): Promise<void>;
}

/** TxScope is the transaction an async context is in, shared by nested tx calls. */
export interface TxScope<C> {
  conn: C;
  committed: (() => void)[];
  memo: Map<string, unknown>;
}

/** scopeOn starts a transaction's scope on a connection. */
export function scopeOn<C>(conn: C): TxScope<C> {
  return { conn, committed: [], memo: new Map() };
}

/**
 * Scopes tracks which transaction each async context is in, so table modules
 * need not pass a handle around: a query inside tx(fn) finds fn's scope.
 */
export class Scopes<C> {
  private readonly als = new AsyncLocalStorage<TxScope<C>>();

  current(): TxScope<C> | undefined {
    return this.als.getStore();
  }

  run<T>(scope: TxScope<C>, fn: () => Promise<T>): Promise<T> {
    return this.als.run(scope, fn);
  }

  memo(): Map<string, unknown> | undefined {
    return this.current()?.memo;
  }

  afterCommit(fn: () => void): void {
    const scope = this.current();
    if (scope) scope.committed.push(fn);
    else fn();
  }
}

/** runCommitted calls what waited for a commit, in the order it was registered. */
export function runCommitted(scope: TxScope<unknown>): void {
  for (const f of scope.committed) f();
}
