import type { CountedTo } from './store/metrics-queries.js';

/** Rows that were visible this long ago are all there is below their ids: no transaction stays open longer (pg-db.ts ends one idle for 5 s). */
const SETTLE_MS = 60_000;

/** CountRows counts an append-only table's rows in an id range, by key. */
export type CountRows = (after: number, upTo: number) => Promise<(CountedTo & { key: string })[]>;

/**
 * RowCounts keeps an append-only table's row counts by key (drift events by
 * kind, verdicts by phase and outcome) for counters that survive restarts,
 * reading only the newest rows at each scrape. Ids are not always visible in
 * order (two PostgreSQL transactions commit in either order), so the counts
 * of rows up to an id are fixed only once that id was seen SETTLE_MS ago;
 * the rows after it are counted afresh at every scrape.
 */
export class RowCounts {
  private fixed = new Map<string, number>();
  private fixedTo = 0;
  /** The largest id each scrape saw, and when. */
  private marks: { atMs: number; id: number }[] = [];

  constructor(
    private readonly count: CountRows,
    private readonly now: () => number = Date.now,
  ) {}

  async totals(): Promise<Map<string, number>> {
    const at = this.now();
    const settled = this.marks.filter((m) => at - m.atMs >= SETTLE_MS).at(-1);
    if (settled && settled.id > this.fixedTo) {
      for (const r of await this.count(this.fixedTo, settled.id)) this.fixed.set(r.key, (this.fixed.get(r.key) ?? 0) + r.n);
      this.fixedTo = settled.id;
      this.marks = this.marks.filter((m) => m.id > settled.id);
    }
    const fresh = await this.count(this.fixedTo, Number.MAX_SAFE_INTEGER);
    const out = new Map(this.fixed);
    let last = this.fixedTo;
    for (const r of fresh) {
      out.set(r.key, (out.get(r.key) ?? 0) + r.n);
      last = Math.max(last, r.last);
    }
    if (last > (this.marks.at(-1)?.id ?? this.fixedTo)) this.marks.push({ atMs: at, id: last });
    return out;
  }
}
