import type { CountedTo } from './store/metrics-queries.js';

/** Rows that were visible this long ago are all there is below their ids: no transaction stays open longer (pg-db.ts ends one idle for 5 s). */
const SETTLE_MS = 60_000;

/** CountRows counts an append-only table's rows in an id range, by key. */
export type CountRows = (after: number, upTo: number) => Promise<(CountedTo & { key: string })[]>;

/** A count of the rows in (from, upTo], as read at atMs. */
interface Reading {
  atMs: number;
  upTo: number;
  counts: Map<string, number>;
}

/**
 * RowCounts keeps an append-only table's row counts by key (drift events by
 * kind, verdicts by phase and outcome) for counters that survive restarts,
 * reading only the newest rows at each scrape: the table is read whole once,
 * then only past what was read before. Ids are not always visible in order
 * (two PostgreSQL transactions commit in either order), so a reading is
 * provisional until SETTLE_MS later, when its range is counted again (rows
 * that showed late included) and fixed. A total never goes down.
 */
export class RowCounts {
  private readonly fixed = new Map<string, number>();
  private fixedTo = 0;
  private pending: Reading | undefined;

  constructor(
    private readonly count: CountRows,
    private readonly now: () => number = Date.now,
  ) {}

  async totals(): Promise<Map<string, number>> {
    const at = this.now();
    if (this.pending && at - this.pending.atMs >= SETTLE_MS) {
      add(this.fixed, await this.count(this.fixedTo, this.pending.upTo));
      this.fixedTo = this.pending.upTo;
      this.pending = undefined;
    }
    const fresh = await this.count(this.pending?.upTo ?? this.fixedTo, Number.MAX_SAFE_INTEGER);
    const out = new Map(this.fixed);
    if (this.pending) add(out, this.pending.counts);
    add(out, fresh);
    if (!this.pending && fresh.length > 0) this.pending = { atMs: at, upTo: Math.max(...fresh.map((r) => r.last)), counts: add(new Map(), fresh) };
    return out;
  }
}

function add(to: Map<string, number>, rows: Iterable<{ key: string; n: number }> | Map<string, number>): Map<string, number> {
  const entries = rows instanceof Map ? [...rows].map(([key, n]) => ({ key, n })) : rows;
  for (const r of entries) to.set(r.key, (to.get(r.key) ?? 0) + r.n);
  return to;
}
