import { createHash } from 'node:crypto';
import pg from 'pg';
import { FleetswapError } from '../../shared/errors.js';
import { runCommitted, scopeOn, Scopes, type Baseline, type Db, type Row, type RunResult } from './db.js';
import { bind, toNumbered, type Numbered, type Params } from './placeholders.js';

// 64-bit integers (times in ms, sizes, counts) come back as numbers, as they
// do from SQLite: every value fleetswap keeps is far below 2^53. Set per
// pool, not globally, so nothing else in the process is affected.
const INT8 = 20;
const NUMERIC = 1700;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 || oid === NUMERIC) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

/** Who holds the migration lock: any constant every coordinator agrees on. */
const MIGRATION_LOCK = 0x666c7377; // "flsw"

/** How long a transaction may sit idle between statements before the server ends it. */
const IDLE_IN_TX_MS = 5_000;

type Querier = pg.Pool | pg.PoolClient;

/**
 * PgDb is PostgreSQL shared by several coordinators. Statements are
 * rewritten to numbered parameters once and prepared per connection; a
 * transaction holds one pooled connection for the async context it runs in.
 */
export class PgDb implements Db {
  readonly dialect = 'postgres';
  private readonly pool: pg.Pool;
  private readonly numbered = new Map<string, Numbered & { name: string }>();
  private readonly scopes = new Scopes<pg.PoolClient>();
  private cursors = 0;

  constructor(url: string, opts: { max?: number; onError?: (err: Error) => void } = {}) {
    // A transaction left open by a coordinator that was paused (SIGSTOP, a
    // frozen VM) would hold the leadership row's lock and keep any other
    // coordinator from taking over: the server ends such a session.
    this.pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, types, connectionTimeoutMillis: 5_000, idle_in_transaction_session_timeout: IDLE_IN_TX_MS });
    // An idle connection dropped by the server (a restart) is reported here;
    // unhandled, it would end the process. The pool replaces it on demand.
    this.pool.on('error', (err) => opts.onError?.(err));
  }

  private prepared(sql: string): Numbered & { name: string } {
    let n = this.numbered.get(sql);
    if (!n) {
      n = { ...toNumbered(sql), name: `fs_${createHash('sha1').update(sql).digest('hex').slice(0, 16)}` };
      this.numbered.set(sql, n);
    }
    return n;
  }

  private async query(sql: string, params: Params | undefined): Promise<pg.QueryResult> {
    const n = this.prepared(sql);
    const on: Querier = this.scopes.current()?.conn ?? this.pool;
    try {
      return await on.query({ name: n.name, text: n.text, values: bind(n, params) });
    } catch (err) {
      throw unavailable(err);
    }
  }

  async all<T = Row>(sql: string, params?: Params): Promise<T[]> {
    return (await this.query(sql, params)).rows as T[];
  }

  async get<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return (await this.query(sql, params)).rows[0] as T | undefined;
  }

  async run(sql: string, params?: Params): Promise<RunResult> {
    return { changes: (await this.query(sql, params)).rowCount ?? 0 };
  }

  tx<T>(fn: () => Promise<T>): Promise<T> {
    return this.transaction('BEGIN', fn);
  }

  snapshot<T>(fn: () => Promise<T>): Promise<T> {
    return this.transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', fn);
  }

  async *scan(sql: string, batch: number): AsyncIterable<Row[]> {
    const conn = this.scopes.current()?.conn;
    if (!conn) throw new FleetswapError('INTERNAL', 'scan runs inside a transaction: its cursor lives as long as the transaction');
    // A cursor over the simple protocol: the server hands rows over a batch
    // at a time instead of the whole result at once.
    const cursor = `fs_scan_${++this.cursors}`;
    try {
      await conn.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`);
      for (;;) {
        const r = await conn.query(`FETCH ${Math.max(1, Math.floor(batch))} FROM ${cursor}`);
        if (r.rows.length === 0) break;
        yield r.rows as Row[];
      }
      await conn.query(`CLOSE ${cursor}`);
    } catch (err) {
      throw unavailable(err);
    }
  }

  private async transaction<T>(begin: string, fn: () => Promise<T>): Promise<T> {
    if (this.scopes.current()) return fn();
    const conn = await this.pool.connect().catch((err: unknown) => Promise.reject(unavailable(err)));
    const scope = scopeOn(conn);
    let broken: Error | undefined;
    // A connection lost while checked out (between the transaction's queries)
    // is reported on the client; the next query fails with it anyway.
    const lost = (err: Error) => (broken = err);
    conn.on('error', lost);
    try {
      await conn.query(begin);
      const out = await this.scopes.run(scope, fn);
      await conn.query('COMMIT');
      runCommitted(scope);
      return out;
    } catch (err) {
      await conn.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw unavailable(err);
    } finally {
      // A connection that was lost or could not roll back is discarded, not reused.
      conn.off('error', lost);
      conn.release(broken);
    }
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
    const r = await this.get<{ ms: number }>('SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT) AS ms');
    return r?.ms as number;
  }

  async schemaVersion(): Promise<number> {
    await this.pool.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const r = await this.pool.query<{ version: number }>('SELECT version FROM schema_version');
    return r.rows[0]?.version ?? 0;
  }

  async migrate(scripts: readonly string[], baseline?: Baseline): Promise<void> {
    const conn = await this.pool.connect();
    try {
      // Coordinators starting together: one migrates, the others wait and
      // then find nothing left to do.
      await conn.query('BEGIN');
      await conn.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await conn.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
      let have = (await conn.query<{ version: number }>('SELECT version FROM schema_version')).rows[0]?.version ?? 0;
      if (have > scripts.length) {
        throw new FleetswapError('BAD_USAGE', `database schema ${have} is newer than this fleetswap knows (${scripts.length}): upgrade fleetswap`);
      }
      if (have === 0 && baseline) {
        await conn.query(baseline.sql);
        have = baseline.version;
      }
      for (let v = have; v < scripts.length; v++) await conn.query(scripts[v] as string);
      await conn.query('DELETE FROM schema_version');
      await conn.query('INSERT INTO schema_version(version) VALUES ($1)', [Math.max(have, scripts.length)]);
      await conn.query('COMMIT');
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      conn.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

// Errors that mean the server is gone or restarting, not that the query was
// wrong: the caller may try again once it is back.
const GONE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);

function unavailable(err: unknown): unknown {
  if (err instanceof FleetswapError) return err;
  const code = (err as { code?: unknown }).code;
  const msg = err instanceof Error ? err.message : String(err);
  if ((typeof code === 'string' && GONE.has(code)) || /Connection terminated|timeout exceeded when trying to connect/.test(msg)) {
    return new FleetswapError('UNAVAILABLE', `database unavailable: ${msg}`, { cause: err });
  }
  return err;
}
