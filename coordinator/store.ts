import { join } from 'node:path';
import type { Db } from './store/db.js';
import { Lane } from './store/lane.js';
import { AuditTable } from './store/audit.js';
import { Blobs } from './store/blobs.js';
import { DesiredChanges } from './store/desired.js';
import { DriftEvents } from './store/drift-events.js';
import { Events, Receivers } from './store/events.js';
import { Hosts } from './store/hosts.js';
import { Meta } from './store/meta.js';
import { PgDb } from './store/pg-db.js';
import { Releases } from './store/releases.js';
import { RolloutHosts } from './store/rollout-hosts.js';
import { Rollouts } from './store/rollouts.js';
import { behindSchema, migrationsFor, schemaState } from './store/schema.js';
import { SqliteDb } from './store/sqlite-db.js';
import { Tokens } from './store/tokens.js';
import { Verdicts } from './store/verdicts.js';
import { Vitals } from './store/vitals.js';

// store.ts and store/ are the only modules that speak SQL. Everything durable
// (releases, hosts, desired state and its history, rollouts) goes through
// them, on either backend (store/db.ts): a SQLite file, the embedded default,
// or PostgreSQL shared by several coordinators.
// The Store is the front door: the database, transactions and migrations.
// Each table's queries live in store/<table>.ts and are reached as
// store.<table>.<query>(...), the way Nomad splits its state store.

export type { AuditRow } from './store/audit.js';
export type { DriftEventRow } from './store/drift-events.js';
export type { EventRow, OutboxRow, ReceiverRow, Severity } from './store/events.js';
export { storedDirective, type HostRow } from './store/hosts.js';
export type { ReleaseRow, StoredRelease } from './store/releases.js';
export type { CohortCounts, RolloutHostRow } from './store/rollout-hosts.js';
export { NO_PLAN, type RolloutChange, type RolloutRow } from './store/rollouts.js';
export type { TokenRow } from './store/tokens.js';
export type { DesiredChangeRow } from './store/desired.js';
export type { VerdictRow } from './store/verdicts.js';
export type { HaltRow } from './store/meta.js';

/** Where a coordinator keeps its state: a PostgreSQL URL, or else a SQLite file in its data directory. */
export interface StoreLocation {
  database?: string;
  dataDir: string;
}

/** SQLITE_FILE is the coordinator's SQLite database, in its data directory. */
export const SQLITE_FILE = 'state.db';

export interface OpenOptions {
  /**
   * Run the migrations the database has not had. False is for a DBA who
   * runs them by hand (`coordinator migrate`): a schema behind this
   * fleetswap's is then refused instead. @default true
   */
  migrate?: boolean;
}

export class Store {
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
  readonly blobs: Blobs;
  readonly events: Events;
  readonly receivers: Receivers;
  private readonly lane = new Lane();
  private fence: (() => Promise<void>) | undefined;

  private constructor(readonly db: Db) {
    this.releases = new Releases(db);
    this.hosts = new Hosts(db);
    this.desired = new DesiredChanges(db);
    this.rollouts = new Rollouts(db);
    this.rolloutHosts = new RolloutHosts(db);
    this.verdicts = new Verdicts(db);
    this.vitals = new Vitals(db);
    this.tokens = new Tokens(db);
    this.audit = new AuditTable(db);
    this.driftEvents = new DriftEvents(db);
    this.meta = new Meta(db);
    this.blobs = new Blobs(db);
    this.events = new Events(db);
    this.receivers = new Receivers(db);
  }

  /** open brings a database's schema up to date and hands back its Store; the database is closed if that fails. */
  static async open(db: Db, opts: OpenOptions = {}): Promise<Store> {
    const { scripts, baseline } = migrationsFor(db.dialect);
    try {
      if (opts.migrate === false) {
        const state = await schemaState(db);
        if (state.have < state.want) throw behindSchema(state);
      } else {
        await db.migrate(scripts, baseline);
      }
    } catch (err) {
      await db.close();
      throw err;
    }
    return new Store(db);
  }

  /** at opens the Store a coordinator was configured with. */
  static at(loc: StoreLocation, onError?: (err: Error) => void, opts: OpenOptions = {}): Promise<Store> {
    return Store.open(Store.dbAt(loc, onError), opts);
  }

  /** dbAt is the database at a location, as it is: nothing is migrated (see open). */
  static dbAt(loc: StoreLocation, onError?: (err: Error) => void): Db {
    return loc.database ? new PgDb(loc.database, { onError }) : new SqliteDb(join(loc.dataDir, SQLITE_FILE));
  }

  /** sqlite opens a SQLite file (or ':memory:'). */
  static sqlite(path: string): Promise<Store> {
    return Store.open(new SqliteDb(path));
  }

  close(): Promise<void> {
    return this.db.close();
  }

  schemaVersion(): Promise<number> {
    return this.db.schemaVersion();
  }

  /**
   * tx runs fn in one transaction: all of its writes land, or none. Nested
   * calls join the outermost one; what was registered with afterCommit runs
   * once that commits, and is dropped if it rolls back. Transactions run one
   * at a time, in order (lane.ts): the engine's steps never interleave.
   */
  tx<T>(fn: () => Promise<T>): Promise<T> {
    return this.lane.run(() => {
      const fence = this.db.inTx() ? undefined : this.fence;
      if (!fence) return this.db.tx(fn);
      return this.db.tx(async () => {
        await fence();
        return fn();
      });
    });
  }

  /**
   * fenceWith makes every transaction check first that this coordinator
   * still leads (coordinator/leadership.ts): with several coordinators on one
   * database, a deposed leader's writes are refused, and what it would have
   * sent after them is never sent.
   */
  fenceWith(fence: () => Promise<void>): void {
    this.fence = fence;
  }

  /**
   * afterCommit runs fn once the transaction in progress has committed, or at
   * once outside one. Sending a directive goes through here: nothing leaves
   * the coordinator that the database could still forget (CONTRACT invariant 7).
   */
  afterCommit(fn: () => void): void {
    this.db.afterCommit(fn);
  }
}
