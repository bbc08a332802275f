import { randomUUID } from 'node:crypto';
import { FleetswapError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import type { Db } from './store/db.js';

// One leader among coordinators sharing a database: a lease row renewed every
// second, with an epoch that grows at each change of hands. Only the leader
// runs the rollout engine; every transaction the engine commits first checks
// (fence) that the lease is still its own at its epoch, so a leader that was
// paused or cut off and wakes up after another took over cannot write, and
// what it would have sent after the write is never sent. Time is the
// database's clock, which every coordinator shares; the lease is judged
// locally with a margin so a leader stops acting before another may start.

export interface LeaderInfo {
  name: string;
  address: string;
  epoch: number;
  expires_ms: number;
}

export interface Member {
  name: string;
  address: string;
  seen_ms: number;
  leader: boolean;
}

export interface LeadershipOptions {
  /** This coordinator's name (its host name by default) and where clients reach it. */
  name: string;
  address: string;
  /** How long a lease lasts without renewal. @default 5000 */
  ttlMs?: number;
  /** How often it is renewed (or, by a follower, tried). @default 1000 */
  renewMs?: number;
  log: Logger;
  /** Called when this coordinator starts or stops leading. */
  onChange?: (leading: boolean, epoch: number) => void;
}

export class Leadership {
  /** Unique to this process: a restarted coordinator is a new holder, so an old paused one cannot pass for it. */
  readonly holder: string;
  private epochHeld = 0;
  /** Renewals tried: the first may take the lease of this coordinator's previous process. */
  private tries = 0;
  /** performance.now() after which this process no longer counts itself leader unless renewed. */
  private until = 0;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private readonly ttlMs: number;
  private readonly renewMs: number;

  constructor(
    private readonly db: Db,
    private readonly opts: LeadershipOptions,
  ) {
    this.holder = `${opts.name}#${randomUUID().slice(0, 8)}`;
    this.ttlMs = opts.ttlMs ?? 5_000;
    this.renewMs = opts.renewMs ?? 1_000;
  }

  /** start tries for the lease at once, then keeps renewing (or trying) every renewMs. */
  async start(): Promise<void> {
    await this.renew();
    this.timer = setInterval(() => void this.renew(), this.renewMs);
  }

  /** stop gives the lease up, so another coordinator takes over at once rather than after the ttl. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
    const was = this.epochHeld;
    this.step(0);
    if (was) await this.db.run('UPDATE leadership SET expires_ms = 0 WHERE id = 1 AND holder = ? AND epoch = ?', [this.holder, was]).catch(() => undefined);
  }

  get name(): string {
    return this.opts.name;
  }

  /** leading: this process holds the lease, renewed recently enough that nobody else can hold it yet. */
  get leading(): boolean {
    return this.epochHeld > 0 && performance.now() < this.until;
  }

  get epoch(): number {
    return this.leading ? this.epochHeld : 0;
  }

  private renew(): Promise<void> {
    this.renewing ??= this.tryRenew().finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  /**
   * tryRenew takes or keeps the lease: its own, one that ran out, or one
   * held under this coordinator's own name and address when it starts (it
   * restarted: the process before it is gone, and its writes are fenced by
   * holder and epoch, so there is no lease to wait out). Only at start: two
   * live processes given one name and address must not take turns.
   */
  private async tryRenew(): Promise<void> {
    const started = performance.now();
    try {
      const now = await this.db.clockMs();
      const row = await this.db.get<{ epoch: number }>(
        `INSERT INTO leadership(id, holder, name, address, epoch, expires_ms) VALUES (1, @holder, @name, @address, 1, @expires)
         ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, name = excluded.name, address = excluded.address,
           epoch = CASE WHEN leadership.holder = excluded.holder THEN leadership.epoch ELSE leadership.epoch + 1 END,
           expires_ms = excluded.expires_ms
         WHERE leadership.holder = excluded.holder OR leadership.expires_ms < @now
            OR (@first = 1 AND leadership.name = excluded.name AND leadership.address = excluded.address)
         RETURNING epoch`,
        { holder: this.holder, name: this.opts.name, address: this.opts.address, expires: now + this.ttlMs, now, first: this.tries++ === 0 ? 1 : 0 },
      );
      await this.db.run(
        `INSERT INTO coordinators(name, address, seen_ms) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET address = excluded.address, seen_ms = excluded.seen_ms`,
        [this.opts.name, this.opts.address, now],
      );
      if (row) {
        // Counted from before the request left: the database's lease may have
        // started any time after that. A tenth off for clocks that run apart.
        this.until = started + this.ttlMs * 0.9;
        this.step(row.epoch);
      } else {
        this.step(0);
      }
    } catch (err) {
      // The database is unreachable: keep leading only while the lease held
      // at the last renewal lasts.
      if (this.epochHeld && performance.now() >= this.until) this.step(0);
      this.opts.log.warn({ err: (err as Error).message }, 'leadership: cannot reach the database');
    }
  }

  private step(epoch: number): void {
    if (epoch === this.epochHeld) return;
    const was = this.epochHeld;
    this.epochHeld = epoch;
    if (epoch) this.opts.log.info({ epoch, holder: this.holder }, 'leading');
    else this.opts.log.warn({ epoch: was, holder: this.holder }, 'no longer leading');
    if (was && epoch) this.opts.onChange?.(false, was);
    this.opts.onChange?.(epoch > 0, epoch || was);
  }

  /**
   * fence, called first inside a transaction, refuses it unless the lease is
   * still this process's at the epoch it holds. On PostgreSQL the row is then
   * locked for the transaction, so no takeover can commit in between.
   */
  async fence(): Promise<void> {
    const epoch = this.epochHeld;
    const lock = this.db.dialect === 'postgres' ? ' FOR SHARE' : '';
    const row = epoch ? await this.db.get(`SELECT epoch FROM leadership WHERE id = 1 AND holder = ? AND epoch = ?${lock}`, [this.holder, epoch]) : undefined;
    if (!row || !this.leading) throw await this.notLeader();
  }

  /** notLeader is the refusal a follower gives what only the leader may do, naming the leader for the client to go to. */
  async notLeader(): Promise<FleetswapError> {
    const leader = await this.leader().catch(() => undefined);
    const msg = leader ? `this coordinator is not the leader: ${leader.name} at ${leader.address} is (epoch ${leader.epoch})` : 'this coordinator is not the leader, and no coordinator leads yet: try again in a few seconds';
    return new FleetswapError('NOT_LEADER', msg, { leader: leader?.address });
  }

  /** leader is the current lease holder, if its lease has not run out. */
  async leader(): Promise<LeaderInfo | undefined> {
    const now = await this.db.clockMs();
    return this.db.get<LeaderInfo>('SELECT name, address, epoch, expires_ms FROM leadership WHERE id = 1 AND expires_ms >= ?', [now]);
  }

  /** members are the coordinators seen in the last minute, the leader marked. */
  async members(): Promise<Member[]> {
    const now = await this.db.clockMs();
    const leader = await this.leader();
    const rows = await this.db.all<{ name: string; address: string; seen_ms: number }>('SELECT name, address, seen_ms FROM coordinators WHERE seen_ms >= ? ORDER BY name', [now - 60_000]);
    return rows.map((r) => ({ ...r, leader: r.name === leader?.name }));
  }
}

/** The tables leadership needs, for both backends (a migration of the store's). */
export const LEADERSHIP_SCHEMA = `
  CREATE TABLE leadership (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    holder TEXT NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL
  );
  CREATE TABLE coordinators (
    name TEXT PRIMARY KEY,
    address TEXT NOT NULL,
    seen_ms BIGINT NOT NULL
  );
`;
