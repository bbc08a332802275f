import { readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { DriftPath, PathChange } from '../shared/drift.js';
import { FleetswapError } from '../shared/errors.js';
import type { FileEntry, Manifest } from '../shared/manifest.js';
import { checkRelativePath, compareUtf8 } from '../shared/paths.js';
import { Reader, Throttle, absence, checkOne, compareAt, compareFile, errCode, indexManifest, kindOf, lookup, unreadable, type ManifestIndex } from './verify-path.js';

// Drift detection: is the live tree still exactly the release the agent
// staged? Someone with a shell may have edited, added, removed or chmod'ed a
// file under ROOT/current. The manifest says what must be there; this module
// says, path by path, where the disk differs. It never follows a symlink in
// the tree: a link to /etc is drift to report, not a way out of the tree.
// What one path is compared by lives in verify-path.ts; this module walks.

export { indexManifest, type ManifestIndex } from './verify-path.js';

export interface VerifyOptions {
  /** Read throttle so a full verification never starves the app of disk: bytes per second; Infinity for none. @default 32 MiB/s */
  bytesPerSecond?: number;
  signal?: AbortSignal;
  /** Stop collecting paths after this many (the result carries the count and the first ones in path order). @default 1000 */
  maxPaths?: number;
}

export interface VerifyResult {
  /** The first maxPaths drifted paths in the manifest's order (UTF-8 bytes of the path). */
  drift: DriftPath[];
  /** True when more paths drifted than drift holds. */
  truncated: boolean;
  /** How many paths drifted in all (>= drift.length). */
  count: number;
  /** Regular files opened and compared with their manifest entry. */
  files: number;
  /** Bytes read to hash them. */
  bytes: number;
  durationMs: number;
}

export const DEFAULT_BYTES_PER_SECOND = 32 * 1024 * 1024;
export const DEFAULT_MAX_PATHS = 1000;

// Small files are most of a web build and cost system calls, not bytes:
// a few reads in flight keep the thread pool busy. The throttle is shared,
// so this does not raise the byte rate.
const READ_WORKERS = 4;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const lossy = new TextDecoder('utf-8');

/**
 * checkPath compares one path of the tree on disk with the manifest: what an
 * event watcher calls for each path it sees change. It looks at that path
 * only (a directory's contents are for the calls on their own paths, or for
 * verifyTree), and gives at most one DriftPath: 'removed' when a manifest
 * path is absent (or lies under something that is no longer a real
 * directory), 'added' when a path the manifest does not have exists, 'changed'
 * for another type, another symlink target or other bytes, 'mode' when only
 * the permission bits differ. The throttle applies within this call only.
 */
export async function checkPath(
  root: string,
  rel: string,
  index: ManifestIndex,
  opts: Pick<VerifyOptions, 'bytesPerSecond' | 'signal'> = {},
): Promise<DriftPath[]> {
  checkRelativePath(rel);
  const o = compileOptions(opts);
  o.signal?.throwIfAborted();
  const io = new Reader(new Throttle(o.bytesPerSecond, o.signal));
  const change = await checkOne(root, rel, index, io);
  return change ? [{ path: rel, change }] : [];
}

/**
 * verifyTree walks the whole tree on disk and compares it with the manifest:
 * every entry present with the right type, mode, size, sha256 or symlink
 * target, every implied directory a directory, nothing extra (each extra
 * file, link and directory, and everything under an extra directory, is
 * 'added'). Its drift is exactly what checkPath says for every path of the
 * manifest and of the disk, so a watcher and a full pass never disagree.
 */
export async function verifyTree(root: string, manifest: Manifest, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const o = compileOptions(opts);
  const started = performance.now();
  const signal = o.signal;
  signal?.throwIfAborted();
  const index = indexManifest(manifest);
  // Resolve `current` once: a switch during the walk must not mix two slots.
  let base: string;
  try {
    base = await realpath(root);
  } catch (err) {
    throw new FleetswapError('UNREADABLE', `cannot verify ${root}: ${errCode(err)}; is a release live there?`, { cause: err });
  }
  const found = new Collector(o.maxPaths);
  const seen = new Set<string>();
  const files: { abs: string; rel: string; entry: FileEntry }[] = [];
  const io = new Reader(new Throttle(o.bytesPerSecond, signal));

  const visit = async (absDir: string, relDir: string): Promise<void> => {
    signal?.throwIfAborted();
    let dirents;
    try {
      dirents = await readdir(absDir, { withFileTypes: true, encoding: 'buffer' });
    } catch (err) {
      // Gone since it was listed, or unreadable: what the manifest has under
      // it is looked at path by path below, as checkPath would.
      if (absence(err) !== undefined) return;
      throw unreadable(absDir, err);
    }
    for (const d of dirents) {
      let name: string;
      try {
        name = utf8.decode(d.name);
      } catch {
        // Not a name a release can hold, so extra; reported under a lossy name
        // and not entered (no string path can reach what lies under it).
        found.add(relDir === '' ? lossy.decode(d.name) : `${relDir}/${lossy.decode(d.name)}`, 'added');
        continue;
      }
      const rel = relDir === '' ? name : `${relDir}/${name}`;
      const abs = join(absDir, name);
      seen.add(rel);
      const expected = lookup(index, rel);
      const kind = kindOf(d);
      if (kind === 'file' && expected?.type === 'file') {
        files.push({ abs, rel, entry: expected });
      } else {
        const change = await compareAt(abs, kind, expected, io);
        if (change) found.add(rel, change);
      }
      if (kind === 'dir') await visit(abs, rel);
    }
  };
  await visit(base, '');

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const f = files[next++] as (typeof files)[number];
      signal?.throwIfAborted();
      const change = await compareFile(f.abs, f.entry, io);
      if (change) found.add(f.rel, change);
    }
  };
  await settleAll(Array.from({ length: Math.min(READ_WORKERS, files.length) }, worker));

  // What the walk did not meet: usually removed, but a path under a
  // directory that cannot be listed may still be there to check.
  for (const rel of [...index.entries.keys(), ...index.impliedDirs]) {
    if (seen.has(rel)) continue;
    signal?.throwIfAborted();
    const change = await checkOne(base, rel, index, io);
    if (change) found.add(rel, change);
  }

  const drift = found.result();
  return {
    drift,
    truncated: found.count > drift.length,
    count: found.count,
    files: io.files,
    bytes: io.bytes,
    durationMs: Math.round(performance.now() - started),
  };
}

/** Collector keeps the first `max` paths in manifest order without holding every path of a badly drifted tree. */
class Collector {
  count = 0;
  private items: DriftPath[] = [];
  constructor(private readonly max: number) {}

  add(path: string, change: PathChange): void {
    this.count++;
    this.items.push({ path, change });
    if (this.items.length >= 2 * this.max + 64) this.trim();
  }

  result(): DriftPath[] {
    this.trim();
    return this.items;
  }

  private trim(): void {
    this.items.sort((a, b) => compareUtf8(a.path, b.path) || (a.change < b.change ? -1 : a.change > b.change ? 1 : 0));
    if (this.items.length > this.max) this.items.length = this.max;
  }
}

function compileOptions(opts: VerifyOptions): { bytesPerSecond: number; maxPaths: number; signal: AbortSignal | undefined } {
  const bytesPerSecond = opts.bytesPerSecond ?? DEFAULT_BYTES_PER_SECOND;
  const maxPaths = opts.maxPaths ?? DEFAULT_MAX_PATHS;
  if (!(bytesPerSecond > 0)) {
    throw new FleetswapError('BAD_USAGE', `verify read rate must be a positive number of bytes per second (or Infinity), not ${bytesPerSecond}`);
  }
  if (!Number.isInteger(maxPaths) || maxPaths < 0) {
    throw new FleetswapError('BAD_USAGE', `verify maxPaths must be a whole number >= 0, not ${maxPaths}`);
  }
  return { bytesPerSecond, maxPaths, signal: opts.signal };
}

/** settleAll waits for every worker before failing, so no read is left running against a tree the caller moves on from. */
async function settleAll(workers: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(workers);
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}
