import { ChainChecker, GENESIS, entryHash, type ChainBreak } from '../shared/audit-chain.js';
import type { AuditEntry__Output } from '../shared/gen/fleetswap/v1/AuditEntry.js';
import type { Clock } from './rollout.js';
import type { AuditRow, Store } from './store.js';
import { isoFromMs } from './times.js';

// Who did something, namespaced so that no name can pass for another kind
// of actor: a token named "web-1" acts as token:web-1, never as the host
// host:web-1, and no token or host can be "coordinator".
export const COORDINATOR_ACTOR = 'coordinator';
export const tokenActor = (name: string): string => `token:${name}`;
export const hostActor = (hostId: string): string => `host:${hostId}`;

export interface AuditRecord {
  /** Who: token:NAME for an operator's token, host:ID for what a host reports, "coordinator" for the coordinator itself. */
  actor: string;
  /** What: push, deploy, promote, pause, resume, abort, rollback, halt, unhalt, drift-policy, drift-clean, staged, switched, reverted, drift, ... */
  action: string;
  /** On what: a release, a rollout, a host. */
  target: string;
  /** Why, as given. */
  reason?: string;
  detail?: Record<string, unknown>;
}


/**
 * AuditLog is the append-only, hash-chained log of every authorised action
 * and every host state change (CONTRACT invariant 8). Each entry's hash covers
 * its own fields and the hash of the entry before, so changing an entry
 * breaks its hash, and removing one breaks the next entry's link (or the
 * count, at the end: the log's head is remembered with every append).
 */
export class AuditLog {
  /** The highest entry this process saw committed: a log that ends before it lost its tail. */
  private head: { id: number; hash: string };

  private constructor(
    private readonly store: Store,
    private readonly now: Clock,
    head: { id: number; hash: string },
  ) {
    this.head = head;
  }

  /** open starts from the newest entry stored. */
  static async open(store: Store, now: Clock): Promise<AuditLog> {
    const last = await store.audit.last();
    return new AuditLog(store, now, last ? { id: last.id, hash: last.hash } : { id: 0, hash: GENESIS });
  }

  /**
   * append adds an entry in the caller's transaction, when there is one, so
   * an action and its entry land together or not at all. The entry before is
   * read from the database, not from memory: a rolled-back append leaves no
   * gap behind.
   */
  async append(r: AuditRecord): Promise<AuditEntry__Output> {
    const entry = await this.store.tx(async () => {
      const last = await this.store.audit.last();
      const row: Omit<AuditRow, 'hash'> = {
        id: (last?.id ?? 0) + 1,
        at_ms: this.now(),
        actor: r.actor || 'unknown',
        action: r.action,
        target: r.target,
        reason: r.reason ?? '',
        detail: JSON.stringify(r.detail ?? {}),
        prev: last?.hash ?? GENESIS,
      };
      const hashed = entryOf(row);
      const full = { ...hashed, hash: entryHash(hashed) };
      await this.store.audit.append({ ...row, hash: full.hash });
      return full;
    });
    this.store.afterCommit(() => {
      if (entry.id > this.head.id) this.head = { id: entry.id, hash: entry.hash };
    });
    return entry;
  }

  /** page is up to `limit` entries after entry `after`, in order, as they go on the wire. */
  async page(after: number, limit: number): Promise<AuditEntry__Output[]> {
    return (await this.store.audit.page(after, limit)).map(entryOf);
  }

  /** headOf is the newest entry committed, as this process knows it. */
  headOf(): { id: number; hash: string } {
    return { ...this.head };
  }

  async *entries(): AsyncGenerator<AuditEntry__Output> {
    for await (const row of this.store.audit.entries()) yield entryOf(row);
  }

  /** verify walks the chain and names the first entry changed or removed; undefined if the log is whole. */
  async verify(): Promise<ChainBreak | undefined> {
    const chain = new ChainChecker();
    for await (const e of this.entries()) if (chain.next(e)) break;
    return chain.end(this.head.id);
  }
}

/**
 * entryOf is a kept entry as it is hashed and sent: its time as ISO text.
 * Entries from before times were kept as ms were hashed over the text they
 * held then, which isoFromMs gives back exactly, so their chain still holds.
 */
function entryOf<R extends Omit<AuditRow, 'hash'>>(row: R): Omit<R, 'at_ms'> & { at: string } {
  const { at_ms, ...rest } = row;
  return { ...rest, at: isoFromMs(at_ms) };
}
