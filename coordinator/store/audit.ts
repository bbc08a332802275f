import type { AuditEntry__Output as AuditEntryWire } from '../../shared/gen/fleetswap/v1/AuditEntry.js';
import type { Db } from './db.js';
import { memoized, remember } from './memo.js';

const LAST = 'audit:last';

/**
 * An audit entry as kept: as it goes on the wire (detail is JSON text, so its
 * hash is over exactly what is kept), but for its time, kept as ms. The hash
 * is over the ISO text of that time (coordinator/audit.ts).
 */
export type AuditRow = Omit<AuditEntryWire, 'at'> & { at_ms: number };

/** AuditTable is the `audit` table, append-only: there is no update and no delete here (coordinator/audit.ts is its only writer). */
export class AuditTable {
  constructor(private readonly db: Db) {}

  async append(e: AuditRow): Promise<void> {
    await this.db.run(`INSERT INTO audit(id, at_ms, actor, action, target, reason, detail, prev, hash) VALUES (@id, @at_ms, @actor, @action, @target, @reason, @detail, @prev, @hash)`, e);
    remember(this.db, LAST, e);
  }

  /** page is up to `limit` entries after id `after`, in order. */
  page(after: number, limit: number): Promise<AuditRow[]> {
    return this.db.all<AuditRow>(`SELECT * FROM audit WHERE id > ? ORDER BY id LIMIT ?`, [after, limit]);
  }

  /** last is the log's head, read once per transaction (store/memo.ts): each report appends an entry after it. */
  last(): Promise<AuditRow | undefined> {
    return memoized(this.db, LAST, () => this.db.get<AuditRow>(`SELECT * FROM audit ORDER BY id DESC LIMIT 1`));
  }

  /** entries reads the log in order, in pages, so a long log is never one array. */
  async *entries(pageSize = 1000): AsyncGenerator<AuditRow> {
    let after = 0;
    for (;;) {
      const page = await this.page(after, pageSize);
      yield* page;
      if (page.length < pageSize) return;
      after = (page.at(-1) as AuditRow).id;
    }
  }
}
