import type { Db } from './db.js';

// A transaction's memo: what many steps of one transaction read and few of
// them write. Group commit (coordinator/group-commit.ts) runs hundreds of
// hosts' reports in one transaction, and each would read the active rollout,
// the halt and the audit log's head again: a round trip each on PostgreSQL.
// Within a transaction nothing else writes these tables (the Store's lane
// runs one transaction at a time, and another coordinator is fenced out), so
// a value read once stays true until this transaction writes it, and the
// table module that writes it updates or drops the memo in the same call.
// Values kept are rows as read, never handed out to be changed: callers
// convert them afresh.

/** memoized reads `key` once per transaction; outside one, every time. */
export async function memoized<T>(db: Db, key: string, load: () => Promise<T>): Promise<T> {
  const memo = db.memo();
  if (!memo) return load();
  if (memo.has(key)) return memo.get(key) as T;
  const value = await load();
  memo.set(key, value);
  return value;
}

/** remember keeps what a write just made true. */
export function remember(db: Db, key: string, value: unknown): void {
  db.memo()?.set(key, value);
}

/** forget drops every memo whose key starts with `prefix`: after a write the memo cannot follow. */
export function forget(db: Db, prefix: string): void {
  const memo = db.memo();
  if (!memo) return;
  for (const k of memo.keys()) if (k.startsWith(prefix)) memo.delete(k);
}
