import Database from 'better-sqlite3';
import type { Database as DB, Statement } from 'better-sqlite3';
import { FleetswapError } from '../shared/errors.js';
import { MIGRATIONS } from './migrations.js';
import type { Sql } from './store/sql.js';
import { AuditTable } from './store/audit.js';
import { DesiredChanges } from './store/desired.js';
import { DriftEvents } from './store/drift-events.js';
import { Hosts } from './store/hosts.js';
import { Meta } from './store/meta.js';
import { Releases } from './store/releases.js';
import { RolloutHosts } from './store/rollout-hosts.js';
import { Rollouts } from './store/rollouts.js';
import { Tokens } from './store/tokens.js';
import { Verdicts } from './store/verdicts.js';
import { Vitals } from './store/vitals.js';

// store.ts and store/ are the only modules that speak SQL. Everything durable
// (releases, hosts, desired state and its history, rollouts) goes through
// them, so a shared database could replace SQLite behind the same tables
// (docs/ARCHITECTURE.md, "Seams": the storage boundary).
// The Store is the front door: the database, transactions, the statement
// cache and migrations. Each table's queries live in store/<table>.ts and are
// reached as store.<table>.<query>(...), the way Nomad splits its state store.

export type { AuditRow } from './store/audit.js';
export type { DriftEventRow } from './store/drift-events.js';
export { storedDirective, type HostRow } from './store/hosts.js';
export type { ReleaseRow, StoredRelease } from './store/releases.js';
export type { CohortCounts, RolloutHostRow } from './store/rollout-hosts.js';
export { NO_PLAN, type RolloutChange, type RolloutRow } from './store/rollouts.js';
export type { TokenRow } from './store/tokens.js';
export type { DesiredChangeRow } from './store/desired.js';
export type { VerdictRow } from './store/verdicts.js';
export type { HaltRow } from './store/meta.js';

export class Store {
  private readonly db: DB;
  // better-sqlite3 does not cache statements; preparing once matters when
  // every host's report runs several queries. Every table module prepares
  // through here (Sql.stmt).
  private readonly statements = new Map<string, Statement>();
  private depth = 0;
  private committed: (() => void)[] = [];

  readonly releases: Releases;
  readonly hosts: Hosts;
  readonly desired: DesiredChanges;
  readonly rollouts: Rollouts;
  readonly rolloutHosts: RolloutHosts;
  readonly verdicts: Verdicts;
  readonly vitals: Vitals;
  readonly tokens: Tokens;
  readonly audit: AuditTable;
  readonly driftEvents: DriftEvents;
  readonly meta: Meta;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    const sql: Sql = { stmt: (text) => this.stmt(text), tx: (fn) => this.tx(fn) };
    this.releases = new Releases(sql);
    this.hosts = new Hosts(sql);
    this.desired = new DesiredChanges(sql);
    this.rollouts = new Rollouts(sql);
    this.rolloutHosts = new RolloutHosts(sql);
    this.verdicts = new Verdicts(sql);
    this.vitals = new Vitals(sql);
    this.tokens = new Tokens(sql);
    this.audit = new AuditTable(sql);
    this.driftEvents = new DriftEvents(sql);
    this.meta = new Meta(sql);
  }

  close(): void {
    this.db.close();
  }

  private stmt(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private migrate(): void {
    const have = this.schemaVersion();
    if (have > MIGRATIONS.length) {
      throw new FleetswapError('BAD_USAGE', `database schema ${have} is newer than this fleetswap knows (${MIGRATIONS.length}): upgrade fleetswap`);
    }
    for (let v = have; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v] as string);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  /**
   * tx runs fn in one transaction: all of its writes land, or none. Nested
   * calls join the outermost one; what was registered with afterCommit runs
   * once that commits, and is dropped if it rolls back.
   */
  tx<T>(fn: () => T): T {
    this.depth++;
    let out: T;
    try {
      out = this.db.transaction(fn)();
    } catch (err) {
      if (this.depth === 1) this.committed = [];
      throw err;
    } finally {
      this.depth--;
    }
    if (this.depth === 0) {
      const run = this.committed;
      this.committed = [];
      for (const f of run) f();
    }
    return out;
  }

  /**
   * afterCommit runs fn once the transaction in progress has committed, or at
   * once outside one. Sending a directive goes through here: nothing leaves
   * the coordinator that the database could still forget (CONTRACT invariant 7).
   */
  afterCommit(fn: () => void): void {
    if (this.depth === 0) fn();
    else this.committed.push(fn);
  }
}
