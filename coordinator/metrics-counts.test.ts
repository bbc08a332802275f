import { describe, expect, it } from 'vitest';
import { RowCounts } from './metrics-counts.js';

// RowCounts over a table held in memory, whose rows become visible out of
// id order (as two PostgreSQL transactions may commit): every row is counted
// once, however late it shows.

describe('RowCounts', () => {
  it('counts each row once, a row that becomes visible late included', async () => {
    let now = 0;
    const visible: { id: number; key: string }[] = [];
    const reads: [number, number][] = [];
    const counts = new RowCounts(async (after, upTo) => {
      reads.push([after, upTo]);
      const by = new Map<string, { n: number; last: number }>();
      for (const r of visible.filter((r) => r.id > after && r.id <= upTo)) {
        const c = by.get(r.key) ?? { n: 0, last: 0 };
        by.set(r.key, { n: c.n + 1, last: Math.max(c.last, r.id) });
      }
      return [...by].map(([key, c]) => ({ key, ...c }));
    }, () => now);

    visible.push({ id: 1, key: 'a' }, { id: 3, key: 'b' });
    expect(Object.fromEntries(await counts.totals())).toEqual({ a: 1, b: 1 });
    // Row 2 was in a transaction that commits after row 3's.
    now += 5_000;
    visible.push({ id: 2, key: 'a' });
    expect(Object.fromEntries(await counts.totals())).toEqual({ a: 2, b: 1 });
    now += 60_000;
    visible.push({ id: 4, key: 'b' });
    expect(Object.fromEntries(await counts.totals())).toEqual({ a: 2, b: 2 });
    // Rows up to 3 are counted once and for all now: later reads start past them.
    expect(reads.at(-2)).toEqual([0, 3]);
    expect(reads.at(-1)).toEqual([3, Number.MAX_SAFE_INTEGER]);
    now += 60_000;
    expect(Object.fromEntries(await counts.totals())).toEqual({ a: 2, b: 2 });
    expect(reads.at(-1)).toEqual([4, Number.MAX_SAFE_INTEGER]);
  });
});
