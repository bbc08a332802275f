import { ChainChecker, type ChainBreak } from '../../shared/audit-chain.js';
import type { AuditEntry__Output as AuditEntry } from '../../shared/gen/fleetswap/v1/AuditEntry.js';
import type { AuditLog } from '../audit.js';

const PAGE = 1_000;
const ROLLOUT_TARGET = /^rollout #(\d+)$/;

/** ChainState is what the dashboard says of the audit chain. */
export interface ChainState {
  /** whole: every entry up to checked_to follows its predecessor and hashes right, and the log reaches the head this coordinator knows. */
  whole: boolean;
  checked_to: number;
  head: number;
  /** The first entry changed or removed, when not whole. */
  broken?: ChainBreak;
}

/**
 * AuditTrail follows the audit log as it grows, for the dashboard: each new
 * entry is checked against the chain once (shared/audit-chain.ts, as the
 * CLI's `audit --verify` does), and entries about rollouts (operator actions,
 * automatic pauses and rollbacks) are kept by rollout for the timelines. An
 * entry changed after it was checked is found by a full verification
 * (`verifyAll`), which the audit page offers.
 */
export class AuditTrail {
  private chain = new ChainChecker();
  private checkedTo = 0;
  private readonly byRollout = new Map<number, AuditEntry[]>();
  private catching: Promise<void> | undefined;

  constructor(private readonly audit: AuditLog) {}

  /** catchUp reads what was appended since; concurrent callers share one read. */
  catchUp(): Promise<void> {
    this.catching ??= this.read().finally(() => (this.catching = undefined));
    return this.catching;
  }

  private async read(): Promise<void> {
    for (;;) {
      const page = await this.audit.page(this.checkedTo, PAGE);
      for (const e of page) {
        this.chain.next(e);
        this.checkedTo = e.id;
        const m = ROLLOUT_TARGET.exec(e.target);
        if (m) {
          const id = Number(m[1]);
          const list = this.byRollout.get(id) ?? [];
          list.push(e);
          this.byRollout.set(id, list);
        }
      }
      if (page.length < PAGE) return;
    }
  }

  /** state is the chain as checked so far, after catching up. */
  async state(): Promise<ChainState> {
    // The head is read first: what is appended while catching up is past it.
    const head = this.audit.headOf().id;
    await this.catchUp();
    // end(0) only gives back a break already found; a log shorter than the head lost its tail.
    const broken = this.chain.end(0) ?? (this.checkedTo < head ? { id: this.checkedTo + 1, what: 'removed' as const, message: `entries from #${this.checkedTo + 1} to #${head} were removed` } : undefined);
    // Entries committed while catching up were checked too: the head shown is the newest known.
    return { whole: broken === undefined, checked_to: this.checkedTo, head: Math.max(head, this.checkedTo), ...(broken ? { broken } : {}) };
  }

  /** verifyAll checks the whole log again from its first entry, and follows it afresh from there. */
  async verifyAll(): Promise<ChainState> {
    await this.catching;
    this.chain = new ChainChecker();
    this.checkedTo = 0;
    this.byRollout.clear();
    return this.state();
  }

  /** entriesOf is what the log says about one rollout, oldest first. */
  async entriesOf(rolloutId: number): Promise<AuditEntry[]> {
    await this.catchUp();
    return this.byRollout.get(rolloutId) ?? [];
  }
}
