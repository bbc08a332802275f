import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignCohorts, spreadOrder, type Tagged } from './cohorts.js';

/** fleet builds hosts named `${dc}-${i}` with a dc tag, `counts[dc]` of each, plus a tag every host shares and one no two share. */
function fleet(counts: Record<string, number>): Tagged[] {
  const out: Tagged[] = [];
  for (const [dc, n] of Object.entries(counts)) {
    for (let i = 0; i < n; i++) out.push({ id: `${dc}-${i}`, tags: { dc, env: 'prod', serial: `${dc}${i}` } });
  }
  return out;
}

const dcOf = (h: Tagged): string => h.tags.dc ?? '';
const ids = (hs: readonly Tagged[]): string[] => hs.map((h) => h.id);

/** cohortSizes counts the hosts in each cohort name. */
function cohortSizes(cohorts: Map<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of cohorts.values()) out[c] = (out[c] ?? 0) + 1;
  return out;
}

describe('spreadOrder', () => {
  it('puts a 3-host canary over 3 data centres of unequal size in one of each', () => {
    const hosts = fleet({ ams: 2, fra: 11, lon: 5 });
    for (let seed = 1; seed <= 50; seed++) {
      const { order, keys } = spreadOrder(hosts, seed);
      expect(keys).toEqual(['dc']);
      expect(new Set(order.slice(0, 3).map(dcOf))).toEqual(new Set(['ams', 'fra', 'lon']));
    }
  });

  it('ignores a tag with one value and a tag unique per host', () => {
    expect(spreadOrder(fleet({ a: 3, b: 3 }), 1).keys).toEqual(['dc']);
    // Only a shared and a unique tag: nothing to spread over, the order is a seeded shuffle.
    const flat = fleet({ a: 6 });
    const { order, keys } = spreadOrder(flat, 1);
    expect(keys).toEqual([]);
    expect([...ids(order)].sort()).toEqual([...ids(flat)].sort());
  });

  it('groups by the tag with the fewest values first, then by the next', () => {
    const hosts: Tagged[] = [];
    for (const dc of ['d1', 'd2']) for (const rack of ['r1', 'r2', 'r3']) for (let i = 0; i < 2; i++) hosts.push({ id: `${dc}-${rack}-${i}`, tags: { rack: `${dc}${rack}`, dc } });
    const { order, keys } = spreadOrder(hosts, 7);
    expect(keys).toEqual(['dc', 'rack']);
    // Any 2 hosts in a row alternate data centres; the first 6 cover every rack.
    for (let i = 0; i + 1 < order.length; i++) expect(dcOf(order[i]!)).not.toBe(dcOf(order[i + 1]!));
    expect(new Set(order.slice(0, 6).map((h) => h.tags.rack)).size).toBe(6);
  });

  it('is the same for the same seed, whatever order the hosts come in, so cohorts can be recomputed', () => {
    const hosts = fleet({ ams: 4, fra: 9, lon: 6 });
    const reversed = [...hosts].reverse();
    for (const seed of [0, 1, 42, 2 ** 31]) {
      expect(ids(spreadOrder(hosts, seed).order)).toEqual(ids(spreadOrder(hosts, seed).order));
      expect(ids(spreadOrder(reversed, seed).order)).toEqual(ids(spreadOrder(hosts, seed).order));
    }
  });

  it('gives different orders, and different canaries, for different seeds', () => {
    const hosts = fleet({ ams: 4, fra: 9, lon: 6 });
    const orders = new Set<string>();
    const canaries = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      const order = ids(spreadOrder(hosts, seed).order);
      orders.add(order.join(','));
      canaries.add(order.slice(0, 3).sort().join(','));
    }
    expect(orders.size).toBe(20);
    expect(canaries.size).toBeGreaterThan(10);
  });

  it('orders every host exactly once, even with no hosts or hosts missing the tag', () => {
    expect(spreadOrder([], 1).order).toEqual([]);
    const hosts: Tagged[] = [...fleet({ a: 2, b: 3 }), { id: 'untagged', tags: {} }];
    expect([...ids(spreadOrder(hosts, 3).order)].sort()).toEqual([...ids(hosts)].sort());
  });
});

describe('assignCohorts', () => {
  const order = Array.from({ length: 20 }, (_, i) => `h${String(i).padStart(2, '0')}`);

  it('gives the canaries the head of the order and each wave the next slice up to its cumulative share', () => {
    const cohorts = assignCohorts(order, 2, [25, 50, 100]);
    expect(order.map((id) => cohorts.get(id))).toEqual([
      ...Array(2).fill('canary'),
      ...Array(3).fill('wave1'), // up to 25% of 20 = 5
      ...Array(5).fill('wave2'), // up to 10
      ...Array(10).fill('wave3'),
    ]);
  });

  it('a cumulative share that is not a whole number of hosts rounds up', () => {
    // 10 hosts: 25% -> 3, 50% -> 5, 100% -> 10.
    expect(cohortSizes(assignCohorts(order.slice(0, 10), 1, [25, 50, 100]))).toEqual({ canary: 1, wave1: 2, wave2: 2, wave3: 5 });
  });

  it('no canary: the first wave starts at the head of the order', () => {
    const cohorts = assignCohorts(order, 0, [10, 100]);
    expect(cohortSizes(cohorts)).toEqual({ wave1: 2, wave2: 18 });
    expect(cohorts.get('h00')).toBe('wave1');
  });

  it('drops a wave the canary already covers and keeps the numbering contiguous', () => {
    // A 50% canary (10 hosts) covers the 25% wave and the 50% wave.
    expect(cohortSizes(assignCohorts(order, 10, [25, 50, 75, 100]))).toEqual({ canary: 10, wave1: 5, wave2: 5 });
    // Exactly covering a wave drops it too.
    expect(cohortSizes(assignCohorts(order, 5, [25, 100]))).toEqual({ canary: 5, wave1: 15 });
  });

  it('drops a wave with nothing left to add on a small fleet', () => {
    // 3 hosts: 10% -> 1, 20% -> 1 (nothing new), 50% -> 2, 100% -> 3.
    expect(cohortSizes(assignCohorts(['a', 'b', 'c'], 0, [10, 20, 50, 100]))).toEqual({ wave1: 1, wave2: 1, wave3: 1 });
  });

  it('a canary of the whole fleet leaves no wave', () => {
    expect(cohortSizes(assignCohorts(order, 20, [25, 50, 100]))).toEqual({ canary: 20 });
  });

  it('takes exactly ceil(share x hosts) hosts by each wave, for every whole share and fleet size', () => {
    // (7 / 100) * 100 is 7.000000000000001 in floating point: a 7% wave of 100 hosts must be 7 hosts, not 8.
    expect(cohortSizes(assignCohorts(Array.from({ length: 100 }, (_, i) => `x${i}`), 0, [7, 100]))).toEqual({ wave1: 7, wave2: 93 });
    for (let n = 1; n <= 200; n++) {
      const hosts = Array.from({ length: n }, (_, i) => `x${i}`);
      for (let share = 1; share < 100; share++) {
        const got = cohortSizes(assignCohorts(hosts, 0, [share, 100])).wave1;
        if (got !== Math.ceil((share * n) / 100)) expect.fail(`a ${share}% wave of ${n} hosts took ${got}`);
      }
    }
  });

  it('property: every host gets exactly one cohort, cumulative sizes are ceil(share x n), and any prefix up to the number of dcs is spread', () => {
    const arbFleet = fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 6 }).map((sizes) => fleet(Object.fromEntries(sizes.map((n, i) => [`dc${i}`, n]))));
    const arbWaves = fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 4 }).map((ws) => [...ws.sort((a, b) => a - b), 100]);
    fc.assert(
      fc.property(arbFleet, arbWaves, fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.nat(), (hosts, waves, seed, canarySeed) => {
        const { order } = spreadOrder(hosts, seed);
        expect([...ids(order)].sort()).toEqual([...ids(hosts)].sort());

        const dcs = new Set(hosts.map(dcOf)).size;
        for (let k = 1; k <= dcs; k++) expect(new Set(order.slice(0, k).map(dcOf)).size).toBe(k);

        const n = hosts.length;
        const canary = canarySeed % (n + 1);
        const cohorts = assignCohorts(ids(order), canary, waves);
        expect(cohorts.size).toBe(n);
        for (const h of hosts) expect(cohorts.has(h.id)).toBe(true);

        // Walking the order, cohorts appear as contiguous runs: canary, wave1, wave2, ... with no gap in the numbering.
        const runs = ids(order).map((id) => cohorts.get(id)).filter((c, i, all) => i === 0 || c !== all[i - 1]);
        const expectedRuns = [...(canary > 0 ? ['canary'] : []), ...Array.from({ length: runs.length - (canary > 0 ? 1 : 0) }, (_, i) => `wave${i + 1}`)];
        expect(runs).toEqual(expectedRuns);

        // After each wave, max(canary, ceil(share x n)) hosts are live.
        const live = (cohort: string): number => ids(order).findLastIndex((id) => cohorts.get(id) === cohort) + 1;
        const expectedLive = [...new Set(waves.map((s) => Math.max(canary, Math.ceil((s * n) / 100))))].filter((x) => x > canary);
        expect(expectedLive.map((_, i) => live(`wave${i + 1}`))).toEqual(expectedLive);
      }),
      { numRuns: 300 },
    );
  });
});
