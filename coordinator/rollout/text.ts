import type { RolloutHostRow } from '../store.js';

// text.ts holds the small helpers the engine's messages are written with.

export function mostCommon(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = '';
  let n = 0;
  for (const [v, c] of counts) if (c > n) [best, n] = [v, c];
  return best;
}

export function listIds(hosts: { id: string }[], max = 10): string {
  const ids = hosts.slice(0, max).map((h) => h.id);
  return hosts.length > max ? `${ids.join(', ')} and ${hosts.length - max} more` : ids.join(', ');
}

export function hostIds(rows: RolloutHostRow[]): string {
  return listIds(rows.map((h) => ({ id: h.host_id })));
}

export function describe(rows: RolloutHostRow[], max = 5): string {
  const parts = rows.slice(0, max).map((h) => `${h.host_id} (${h.error || 'failed'})`);
  return rows.length > max ? `${parts.join('; ')}; and ${rows.length - max} more` : parts.join('; ');
}

export function seconds(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000}m` : `${Math.round(ms / 100) / 10}s`;
}

/** byWhom ends an operator's message: "by alice: reason". */
export function byWhom(a: { actor: string; reason: string }): string {
  return `by ${a.actor || 'an operator'}${a.reason ? `: ${a.reason}` : ''}`;
}
