import { createHash } from 'node:crypto';
import type { Clock } from './rollout.js';
import type { AuditEntry, Store } from './store.js';

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

export interface AuditBreak {
  id: number;
  what: 'changed' | 'removed';
  message: string;
}

const GENESIS = '0'.repeat(64);

/**
 * AuditLog is the append-only, hash-chained log of every authorised action
 * and every host state change (DESIGN invariant 8). Each entry's hash covers
 * its own fields and the hash of the entry before, so changing an entry
 * breaks its hash, and removing one breaks the next entry's link (or the
 * count, at the end: the log's head is remembered with every append).
 */
export class AuditLog {
  private last: { id: number; hash: string };

  constructor(
    private readonly store: Store,
    private readonly now: Clock,
  ) {
    const last = store.lastAudit();
    this.last = last ? { id: last.id, hash: last.hash } : { id: 0, hash: GENESIS };
  }

  append(r: AuditRecord): AuditEntry {
    const e: Omit<AuditEntry, 'hash'> = {
      id: this.last.id + 1,
      at: new Date(this.now()).toISOString(),
      actor: r.actor || 'unknown',
      action: r.action,
      target: r.target,
      reason: r.reason ?? '',
      detail: JSON.stringify(r.detail ?? {}),
      prev: this.last.hash,
    };
    const entry = { ...e, hash: entryHash(e) };
    this.store.appendAudit(entry);
    this.last = { id: entry.id, hash: entry.hash };
    return entry;
  }

  entries(): Iterable<AuditEntry> {
    return this.store.auditEntries();
  }

  /** verify walks the chain and names the first entry changed or removed; undefined if the log is whole. */
  verify(): AuditBreak | undefined {
    let prev = { id: 0, hash: GENESIS };
    for (const e of this.store.auditEntries()) {
      if (e.id !== prev.id + 1) return { id: prev.id + 1, what: 'removed', message: `entry #${prev.id + 1} was removed (the log goes from #${prev.id} to #${e.id})` };
      if (e.prev !== prev.hash) return { id: e.id, what: 'changed', message: `entry #${e.id} does not follow #${prev.id}: it or the one before was changed` };
      if (entryHash(e) !== e.hash) return { id: e.id, what: 'changed', message: `entry #${e.id} was changed (${e.at} ${e.actor} ${e.action} ${e.target})` };
      prev = { id: e.id, hash: e.hash };
    }
    if (prev.id < this.last.id) return { id: prev.id + 1, what: 'removed', message: `entries from #${prev.id + 1} to #${this.last.id} were removed` };
    return undefined;
  }
}

function entryHash(e: Omit<AuditEntry, 'hash'>): string {
  // A fixed field order, each field length-prefixed by JSON: no two entries hash alike by shifting text between fields.
  return createHash('sha256').update(JSON.stringify([e.id, e.at, e.actor, e.action, e.target, e.reason, e.detail, e.prev])).digest('hex');
}
