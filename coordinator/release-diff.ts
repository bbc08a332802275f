import { parseManifest, type Entry } from '../shared/manifest.js';
import { resolveRelease } from './releases.js';
import type { Store } from './store.js';

/** A path that differs between two releases, with what it is on each side (a file's size in bytes, a symlink's target). */
export interface PathChange {
  path: string;
  change: 'added' | 'changed' | 'removed';
  /** What it was: a file, a symlink or a directory; and for a file its size. Absent when added. */
  before?: EntrySummary;
  /** What it is now; absent when removed. */
  after?: EntrySummary;
}

export interface EntrySummary {
  type: Entry['type'];
  size?: number;
  mode?: number;
  target?: string;
}

export interface ReleaseDiff {
  from: { id: string; label: string };
  to: { id: string; label: string };
  added: number;
  changed: number;
  removed: number;
  /** Bytes of files added or changed (what a host holding `from` fetches at most), and of files removed. */
  bytes_added: number;
  bytes_removed: number;
  /** Every path that differs, in path order; at most `limit` of them (the counts cover all). */
  paths: PathChange[];
  truncated: boolean;
}

const summary = (e: Entry): EntrySummary => (e.type === 'file' ? { type: 'file', size: e.size, mode: e.mode } : e.type === 'symlink' ? { type: 'symlink', target: e.target } : { type: 'dir' });
const same = (a: Entry, b: Entry): boolean => JSON.stringify(a) === JSON.stringify(b);
const sizeOf = (e: Entry | undefined): number => (e?.type === 'file' ? e.size : 0);

/**
 * releaseDiff compares two releases' trees (by label, id or id prefix, as
 * everywhere): paths added, changed (content, mode, type or target) and
 * removed, with sizes. Metadata (label, notes) is not a path and is not
 * compared.
 */
export async function releaseDiff(store: Store, fromRef: string, toRef: string, limit = 5_000): Promise<ReleaseDiff> {
  const [a, b] = [await resolveRelease(store, fromRef), await resolveRelease(store, toRef)];
  const before = new Map(parseManifest(a.manifest, a.id).entries.map((e) => [e.path, e]));
  const after = parseManifest(b.manifest, b.id).entries;
  const all: PathChange[] = [];
  let bytesAdded = 0;
  let bytesRemoved = 0;
  for (const e of after) {
    const was = before.get(e.path);
    before.delete(e.path);
    if (was && same(was, e)) continue;
    if (!was || was.type !== 'file' || e.type !== 'file' || was.sha256 !== e.sha256) bytesAdded += sizeOf(e);
    all.push(was ? { path: e.path, change: 'changed', before: summary(was), after: summary(e) } : { path: e.path, change: 'added', after: summary(e) });
  }
  for (const was of before.values()) {
    bytesRemoved += sizeOf(was);
    all.push({ path: was.path, change: 'removed', before: summary(was) });
  }
  all.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  const count = (c: PathChange['change']) => all.filter((p) => p.change === c).length;
  return {
    from: { id: a.id, label: a.label },
    to: { id: b.id, label: b.label },
    added: count('added'),
    changed: count('changed'),
    removed: count('removed'),
    bytes_added: bytesAdded,
    bytes_removed: bytesRemoved,
    paths: all.slice(0, limit),
    truncated: all.length > limit,
  };
}
