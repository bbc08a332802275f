import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../rollout.js';

/**
 * Session is one browser signed in with an API token. The browser holds only
 * the random id (in an HttpOnly cookie); the token itself is never kept, only
 * its hash, which is looked up again on every request (a revoked token ends
 * its sessions at once).
 */
export interface Session {
  readonly id: string;
  /** Sent back with every state-changing request (X-CSRF-Token), compared here. */
  readonly csrf: string;
  readonly tokenHash: string;
  readonly tokenName: string;
  readonly createdMs: number;
  lastUsedMs: number;
}

export interface SessionLimits {
  idleMs: number;
  maxMs: number;
  /** The most sessions kept at once; signing in past it ends the least recently used. */
  max: number;
}

/** newSecret is 256 random bits, URL-safe: session ids and CSRF tokens. */
const newSecret = (): string => randomBytes(32).toString('base64url');

/**
 * Sessions are kept in this coordinator's memory: a restart signs everyone
 * out, and each coordinator of several has its own (a browser signs in to
 * the one it talks to).
 */
export class Sessions {
  private readonly byId = new Map<string, Session>();

  constructor(
    private readonly limits: SessionLimits,
    private readonly now: Clock,
  ) {}

  create(tokenHash: string, tokenName: string): Session {
    this.sweep();
    while (this.byId.size >= this.limits.max) {
      const oldest = this.byId.keys().next().value;
      if (oldest === undefined) break;
      this.byId.delete(oldest);
    }
    const at = this.now();
    const s: Session = { id: newSecret(), csrf: newSecret(), tokenHash, tokenName, createdMs: at, lastUsedMs: at };
    this.byId.set(s.id, s);
    return s;
  }

  /** get is the live session with this id, marked used; an expired one is ended and not returned. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.byId.get(id);
    if (!s) return undefined;
    const at = this.now();
    if (this.expired(s, at)) {
      this.byId.delete(id);
      return undefined;
    }
    s.lastUsedMs = at;
    // Kept in order of use: the first is the one to end when there are too many.
    this.byId.delete(id);
    this.byId.set(id, s);
    return s;
  }

  end(id: string): void {
    this.byId.delete(id);
  }

  /** endAllOf ends every session signed in with this token (it was revoked). */
  endAllOf(tokenHash: string): void {
    for (const [id, s] of this.byId) if (s.tokenHash === tokenHash) this.byId.delete(id);
  }

  get size(): number {
    return this.byId.size;
  }

  private expired(s: Session, at: number): boolean {
    return at - s.lastUsedMs >= this.limits.idleMs || at - s.createdMs >= this.limits.maxMs;
  }

  private sweep(): void {
    const at = this.now();
    for (const [id, s] of this.byId) if (this.expired(s, at)) this.byId.delete(id);
  }
}

/** sameSecret compares a secret a request sent with the one kept, in constant time. */
export function sameSecret(sent: string | undefined, kept: string): boolean {
  if (typeof sent !== 'string') return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(kept);
  return a.length === b.length && timingSafeEqual(a, b);
}
