import type { AuditEntryWire } from '../../shared/wire.js';
import type { Sql } from './sql.js';

/** An audit entry is stored as it goes on the wire: detail is JSON text, so its hash is over exactly what is kept. */
export type AuditEntry = AuditEntryWire;

/** AuditTable is the `audit` table, append-only: there is no update and no delete here (coordinator/audit.ts is its only writer). */
export class AuditTable {
  constructor(private readonly sql: Sql) {}

  append(e: AuditEntry): void {
    this.sql.stmt(`INSERT INTO audit(id, at, actor, action, target, reason, detail, prev, hash) VALUES (@id, @at, @actor, @action, @target, @reason, @detail, @prev, @hash)`).run(e);
  }

  /** page is up to `limit` entries after id `after`, in order. */
  page(after: number, limit: number): AuditEntry[] {
    return this.sql.stmt(`SELECT * FROM audit WHERE id > ? ORDER BY id LIMIT ?`).all(after, limit) as AuditEntry[];
  }

  last(): AuditEntry | undefined {
    return this.sql.stmt(`SELECT * FROM audit ORDER BY id DESC LIMIT 1`).get() as AuditEntry | undefined;
  }

  /** entries reads the log in order, in pages, so a long log is never one array. */
  *entries(pageSize = 1000): Generator<AuditEntry> {
    let after = 0;
    for (;;) {
      const page = this.page(after, pageSize);
      yield* page;
      if (page.length < pageSize) return;
      after = (page.at(-1) as AuditEntry).id;
    }
  }
}
