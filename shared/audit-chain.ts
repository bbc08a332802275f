import { createHash } from 'node:crypto';
import type { AuditEntry__Output } from './gen/fleetswap/v1/AuditEntry.js';

// The audit log's hash chain, shared by the coordinator (which appends and
// verifies) and the CLI (which verifies what it reads without trusting the
// coordinator's own verdict).

export const GENESIS = '0'.repeat(64);

/** entryHash is an entry's hash over its fields and the hash of the entry before. */
export function entryHash(e: Omit<AuditEntry__Output, 'hash'>): string {
  // A fixed field order, each field length-prefixed by JSON: no two entries hash alike by shifting text between fields.
  return createHash('sha256').update(JSON.stringify([e.id, e.at, e.actor, e.action, e.target, e.reason, e.detail, e.prev])).digest('hex');
}

/** ChainBreak names the first entry changed or removed. */
export interface ChainBreak {
  id: number;
  what: 'changed' | 'removed';
  message: string;
}

/**
 * ChainChecker follows the chain one entry at a time, so a log of any size
 * is checked in constant memory as its pages arrive.
 */
export class ChainChecker {
  private prev = { id: 0, hash: GENESIS };
  private broken: ChainBreak | undefined;

  /** next checks one entry; after the first break it keeps that break. */
  next(e: AuditEntry__Output): ChainBreak | undefined {
    if (this.broken) return this.broken;
    const prev = this.prev;
    if (e.id !== prev.id + 1) this.broken = { id: prev.id + 1, what: 'removed', message: `entry #${prev.id + 1} was removed (the log goes from #${prev.id} to #${e.id})` };
    else if (e.prev !== prev.hash) this.broken = { id: e.id, what: 'changed', message: `entry #${e.id} does not follow #${prev.id}: it or the one before was changed` };
    else if (entryHash(e) !== e.hash) this.broken = { id: e.id, what: 'changed', message: `entry #${e.id} was changed (${e.at} ${e.actor} ${e.action} ${e.target})` };
    this.prev = { id: e.id, hash: e.hash };
    return this.broken;
  }

  /** end checks the log reaches the head the writer remembers: a shorter one lost its tail. */
  end(headId: number): ChainBreak | undefined {
    if (this.broken) return this.broken;
    if (this.prev.id < headId) this.broken = { id: this.prev.id + 1, what: 'removed', message: `entries from #${this.prev.id + 1} to #${headId} were removed` };
    return this.broken;
  }

  last(): { id: number; hash: string } {
    return { ...this.prev };
  }
}
