import Database from 'better-sqlite3';
import type { Database as Conn, Statement } from 'better-sqlite3';
import { FleetswapError } from '../../shared/errors.js';
import { runCommitted, scopeOn, Scopes, type Baseline, type Db, type Row, type RunResult } from './db.js';
import type { Params } from './placeholders.js';

/**
 * SqliteDb is the embedded database: one file, one connection. SQLite runs
 * a statement to the end before returning, so the only thing to guard is a
 * transaction spanning awaits: while one is open, queries from other async
 * contexts wait for it rather than land inside it.
 */
export class SqliteDb implements Db {
  readonly dialect = 'sqlite';
  private readonly conn: Conn;
  // better-sqlite3 does not cache statements; preparing once matters when
  // every host's report runs several queries.
  private readonly statements = new Map<string, Statement>();
  private readonly scopes = new Scopes<null>();
  /** Settles when the open transaction ends; undefined when none is open. */
  private open: Promise<void> | undefined;

  constructor(path: string) {
    this.conn = new Database(path);
    this.conn.pragma('journal_mode = WAL');
    this.conn.pragma('synchronous = NORMAL');
    this.conn.pragma('foreign_keys = ON');
    this.conn.pragma('busy_timeout = 5000');
  }

  private stmt(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.conn.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  /** outside waits for another context's transaction to end before a query of its own. */
  private async outside(): Promise<void> {
    while (this.open && !this.scopes.current()) await this.open;
  }

  async all<T = Row>(sql: string, params?: Params): Promise<T[]> {
    await this.outside();
    const st = this.stmt(sql);
    return (params === undefined ? st.all() : Array.isArray(params) ? st.all(...params) : st.all(params)) as T[];
  }

  async get<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
    await this.outside();
    const st = this.stmt(sql);
    return (params === undefined ? st.get() : Array.isArray(params) ? st.get(...params) : st.get(params)) as T | undefined;
  }

  async run(sql: string, params?: Params): Promise<RunResult> {
    await this.outside();
    const st = this.stmt(sql);
    const info = params === undefined ? st.run() : Array.isArray(params) ? st.run(...params) : st.run(params);
    return { changes: info.changes };
  }

  tx<T>(fn: () => Promise<T>): Promise<T> {
    return this.transaction('BEGIN IMMEDIATE', fn);
  }

  // WAL: a deferred transaction's first read fixes what it sees, and holds no
  // lock that would stop another connection from writing meanwhile.
  snapshot<T>(fn: () => Promise<T>): Promise<T> {
    return this.transaction('BEGIN DEFERRED', async () => {
      this.stmt('SELECT count(*) FROM sqlite_master').get();
      return fn();
    });
  }

  async *scan(sql: string, batch: number): AsyncIterable<Row[]> {
    await this.outside();
    // Not a cached statement: an iterating statement keeps the connection
    // busy, and must not be one another query is waiting to reuse.
    let rows: Row[] = [];
    for (const row of this.conn.prepare(sql).iterate() as IterableIterator<Row>) {
      rows.push(row);
      if (rows.length >= batch) {
        yield rows;
        rows = [];
      }
    }
    if (rows.length) yield rows;
  }

  private async transaction<T>(begin: string, fn: () => Promise<T>): Promise<T> {
    if (this.scopes.current()) return fn();
    await this.outside();
    let end!: () => void;
    this.open = new Promise((res) => (end = res));
    const scope = scopeOn(null);
    let out: T;
    try {
      this.stmt(begin).run();
      try {
        out = await this.scopes.run(scope, fn);
      } catch (err) {
        // Some errors (a full disk) end the transaction by themselves.
        if (this.conn.inTransaction) this.stmt('ROLLBACK').run();
        throw err;
      }
      this.stmt('COMMIT').run();
    } finally {
      this.open = undefined;
      end();
    }
    runCommitted(scope);
    return out;
  }

  afterCommit(fn: () => void): void {
    this.scopes.afterCommit(fn);
  }

  inTx(): boolean {
    return this.scopes.current() !== undefined;
  }

  memo(): Map<string, unknown> | undefined {
    return this.scopes.memo();
  }

  async clockMs(): Promise<number> {
    // One file, one machine: the machine's clock is the database's.
    return Date.now();
  }

  async schemaVersion(): Promise<number> {
    return this.conn.pragma('user_version', { simple: true }) as number;
  }

  async migrate(scripts: readonly string[], baseline?: Baseline): Promise<void> {
    let have = await this.schemaVersion();
    if (have > scripts.length) {
      throw new FleetswapError('BAD_USAGE', `database schema ${have} is newer than this fleetswap knows (${scripts.length}): upgrade fleetswap`);
    }
    if (have === 0 && baseline) {
      this.conn.transaction(() => {
        this.conn.exec(baseline.sql);
        this.conn.pragma(`user_version = ${baseline.version}`);
      })();
      have = baseline.version;
    }
    for (let v = have; v < scripts.length; v++) {
      this.conn.transaction(() => {
        this.conn.exec(scripts[v] as string);
        this.conn.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  /**
   * backup writes a consistent copy of the database to path while other
   * connections keep writing (SQLite's online backup). After the first step
   * the rest is copied in one: copied a few pages at a time, a backup of a
   * busy database restarts at every write from another connection and may
   * never end.
   */
  async backup(path: string): Promise<void> {
    await this.outside();
    await this.conn.backup(path, { progress: () => 2 ** 31 - 1 });
  }

  async close(): Promise<void> {
    await this.outside();
    this.conn.close();
  }
}
