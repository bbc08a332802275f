import { describe, expect, it } from 'vitest';
import { RowCounts } from './metrics-counts.js';

// RowCounts over a table held in memory, whose rows become visible out of
// id order (as two PostgreSQL transactions may commit): every row is counted
// once, however late it shows, and the table is read whole only once.

describe('RowCounts', () => {
  it('counts each row once, a row that becomes visible late included, reading only past what it read', async () => {
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
    const totals = async () => Object.fromEntries(await counts.totals());
    const MAX = Number.MAX_SAFE_INTEGER;

    expect(await totals()).toEqual({});
    visible.push({ id: 1, key: 'a' }, { id: 3, key: 'b' });
    expect(await totals()).toEqual({ a: 1, b: 1 });
    expect(reads.at(-1)).toEqual([0, MAX]);
    // Row 2 was in a transaction that commits after row 3's: not counted yet, but it will be.
    now += 5_000;
    visible.push({ id: 2, key: 'a' }, { id: 4, key: 'b' });
    expect(await totals()).toEqual({ a: 1, b: 2 });
    expect(reads.at(-1)).toEqual([3, MAX]);
    // A minute after rows up to 3 were read, their range is counted again and fixed.
    now += 60_000;
    expect(await totals()).toEqual({ a: 2, b: 2 });
    expect(reads.slice(-2)).toEqual([
      [0, 3],
      [3, MAX],
    ]);
    now += 61_000;
    visible.push({ id: 5, key: 'a' });
    expect(await totals()).toEqual({ a: 3, b: 2 });
    expect(reads.slice(-2)).toEqual([
      [3, 4],
      [4, MAX],
    ]);
  });
});
