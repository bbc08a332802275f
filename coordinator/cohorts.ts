import { mulberry32 } from '../shared/prng.js';

export interface Tagged {
  id: string;
  tags: Record<string, string>;
}

/**
 * spreadOrder orders hosts so that any prefix is spread across tag values:
 * hosts are grouped by the tag with the fewest distinct values (say `dc`),
 * each group is ordered the same way by the next tag, and the groups are
 * interleaved. A 3-host canary over three data centres gets one in each.
 * The order within a group is shuffled with a seed, so that the same hosts
 * are not always the canaries, yet a rollout's cohorts can be recomputed.
 */
export function spreadOrder<T extends Tagged>(hosts: readonly T[], seed: number): { order: T[]; keys: string[] } {
  const keys = spreadKeys(hosts);
  const rand = mulberry32(seed);
  return { order: interleave(hosts, keys, rand), keys };
}

/** spreadKeys are the tags worth spreading over: more than one value, fewer values than hosts. */
function spreadKeys(hosts: readonly Tagged[]): string[] {
  const values = new Map<string, Set<string>>();
  for (const h of hosts) for (const [k, v] of Object.entries(h.tags)) (values.get(k) ?? values.set(k, new Set()).get(k)!).add(v);
  return [...values.entries()]
    .filter(([, vs]) => vs.size > 1 && vs.size < hosts.length)
    .sort((a, b) => a[1].size - b[1].size || a[0].localeCompare(b[0]))
    .map(([k]) => k);
}

function interleave<T extends Tagged>(hosts: readonly T[], keys: readonly string[], rand: () => number): T[] {
  if (keys.length === 0) return shuffle([...hosts].sort((a, b) => a.id.localeCompare(b.id)), rand);
  const [key, ...rest] = keys as [string, ...string[]];
  const groups = new Map<string, T[]>();
  for (const h of hosts) {
    const v = h.tags[key] ?? '';
    (groups.get(v) ?? groups.set(v, []).get(v)!).push(h);
  }
  const ordered = [...groups.entries()]
    .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
    .map(([, g]) => interleave(g, rest, rand));
  const out: T[] = [];
  for (let i = 0; out.length < hosts.length; i++) for (const g of ordered) if (i < g.length) out.push(g[i] as T);
  return out;
}

function shuffle<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
  }
  return xs;
}

/**
 * assignCohorts names each host's turn: the first `canary` hosts of the
 * spread order are the canaries, then each wave takes hosts until its
 * cumulative share of the fleet is live. A wave with nothing left to add is
 * dropped (a 50% canary already covers a 25% wave).
 */
export function assignCohorts(order: readonly string[], canary: number, waves: readonly number[]): Map<string, string> {
  const out = new Map<string, string>();
  order.slice(0, canary).forEach((id) => out.set(id, 'canary'));
  let taken = canary;
  let wave = 0;
  for (const share of waves) {
    // share * n first: (share / 100) * n drifts above a whole number (7% of 100 gives 7.000000000000001, ceil 8).
    const upto = Math.min(order.length, Math.ceil((share * order.length) / 100));
    if (upto <= taken) continue;
    wave++;
    for (const id of order.slice(taken, upto)) out.set(id, `wave${wave}`);
    taken = upto;
  }
  return out;
}

/**
 * Cohort is a host's turn in a deploy, typed. The database and the wire keep
 * the names assignCohorts gives ('canary', 'wave1', ...; '' for a rollback's
 * hosts, which have no turn): the store converts at its edge.
 */
export type Cohort = { kind: 'canary' } | { kind: 'wave'; n: number };

export const CANARY: Cohort = { kind: 'canary' };

export const wave = (n: number): Cohort => ({ kind: 'wave', n });

/** cohortName is how a cohort is stored and shown ('' for none). */
export function cohortName(c: Cohort | null): string {
  if (!c) return '';
  return c.kind === 'canary' ? 'canary' : `wave${c.n}`;
}

/** parseCohort reads a stored cohort name; anything else (a rollback's '') is no cohort. */
export function parseCohort(name: string): Cohort | null {
  if (name === 'canary') return CANARY;
  const m = /^wave([1-9][0-9]*)$/.exec(name);
  return m ? wave(Number(m[1])) : null;
}

export function sameCohort(a: Cohort | null, b: Cohort | null): boolean {
  return cohortName(a) === cohortName(b);
}
