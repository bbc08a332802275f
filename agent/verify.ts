import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, readlink, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FleetswapError } from '../shared/errors.js';
import type { Entry, FileEntry, Manifest } from '../shared/manifest.js';
import { checkRelativePath, compareUtf8, parentDirs } from '../shared/paths.js';

// Drift detection: is the live tree still exactly the release the agent
// staged? Someone with a shell may have edited, added, removed or chmod'ed a
// file under ROOT/current. The manifest says what must be there; this module
// says, path by path, where the disk differs. It never follows a symlink in
// the tree: a link to /etc is drift to report, not a way out of the tree.

import type { DriftPath, PathChange } from '../shared/drift.js';

/**
 * ManifestIndex is a release's manifest keyed for lookups by path, built
 * once per release. A manifest lists only files, symlinks and *empty*
 * directories; every other directory is implied by the paths under it.
 */
export interface ManifestIndex {
  readonly entries: ReadonlyMap<string, Entry>;
  /** Directories the tree must hold that are not entries: every parent of an entry. */
  readonly impliedDirs: ReadonlySet<string>;
}

export function indexManifest(m: Manifest): ManifestIndex {
  const entries = new Map<string, Entry>();
  const impliedDirs = new Set<string>();
  for (const e of m.entries) {
    entries.set(e.path, e);
    for (const d of parentDirs(e.path)) impliedDirs.add(d);
  }
  return { entries, impliedDirs };
}

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

const READ_CHUNK = 256 * 1024;
// Small files are most of a web build and cost system calls, not bytes:
// a few reads in flight keep the thread pool busy. The throttle is shared,
// so this does not raise the byte rate.
const READ_WORKERS = 4;
// Sleeping less than this costs more in timer overhead than it spreads the
// load; the debt is kept and paid at the next read, so the average holds.
const MIN_SLEEP_MS = 5;
const MAX_CREDIT_MS = 100;

// O_NOFOLLOW: a file swapped for a symlink between the look and the open is
// refused (ELOOP), not read through. O_NONBLOCK: a fifo put there does not
// hang the open; fstat then says it is not a file.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

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

type Kind = 'file' | 'dir' | 'symlink' | 'other';

function kindOf(s: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): Kind {
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'dir';
  if (s.isSymbolicLink()) return 'symlink';
  return 'other';
}

function lookup(index: ManifestIndex, rel: string): Entry | undefined {
  const e = index.entries.get(rel);
  if (e) return e;
  return index.impliedDirs.has(rel) ? { path: rel, type: 'dir' } : undefined;
}

/**
 * checkOne is checkPath's comparison: every parent must be a real directory
 * (lstat, so a parent swapped for a symlink to elsewhere hides what the
 * manifest put under it), then the path itself is compared.
 */
async function checkOne(root: string, rel: string, index: ManifestIndex, io: Reader): Promise<PathChange | undefined> {
  const expected = lookup(index, rel);
  for (const dir of [...parentDirs(rel), rel]) {
    const abs = join(root, dir);
    let kind: Kind;
    try {
      kind = kindOf(await lstat(abs));
    } catch (err) {
      const why = absence(err);
      if (why === undefined) throw unreadable(abs, err);
      return expected === undefined ? undefined : why;
    }
    if (dir === rel) return compareAt(abs, kind, expected, io);
    if (kind !== 'dir') return expected === undefined ? undefined : 'removed';
  }
  return undefined;
}

/** compareAt compares what is at abs (of the given kind, as lstat sees it) with the manifest's entry for it. */
async function compareAt(abs: string, kind: Kind, expected: Entry | undefined, io: Reader): Promise<PathChange | undefined> {
  if (expected === undefined) return 'added';
  switch (expected.type) {
    case 'dir':
      // The manifest records no mode for directories (the stager makes them
      // 0755), so a directory is right by being one.
      return kind === 'dir' ? undefined : 'changed';
    case 'symlink': {
      if (kind !== 'symlink') return 'changed';
      let target: Buffer;
      try {
        target = await readlink(abs, { encoding: 'buffer' });
      } catch (err) {
        // EINVAL: no longer a symlink since it was looked at.
        if (errCode(err) === 'EINVAL') return 'changed';
        const why = absence(err);
        if (why === undefined) throw unreadable(abs, err);
        return why;
      }
      return target.equals(Buffer.from(expected.target)) ? undefined : 'changed';
    }
    case 'file':
      return kind === 'file' ? compareFile(abs, expected, io) : 'changed';
  }
}

/**
 * compareFile checks size first (no read when it differs), then the sha256
 * of the content, streamed and throttled, then the permission bits. Content
 * is read from the handle whose type and size were checked, never by path.
 */
async function compareFile(abs: string, e: FileEntry, io: Reader): Promise<PathChange | undefined> {
  let fh;
  try {
    fh = await open(abs, OPEN_FLAGS);
  } catch (err) {
    if (errCode(err) === 'ELOOP') return 'changed';
    const why = absence(err);
    if (why === undefined) throw unreadable(abs, err);
    return why;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return 'changed';
    io.files++;
    if (st.size !== e.size) return 'changed';
    const hash = createHash('sha256');
    const buf = io.buffer();
    try {
      for (let left = st.size; left > 0; ) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, left), null);
        if (bytesRead === 0) return 'changed'; // cut short while we read
        hash.update(buf.subarray(0, bytesRead));
        left -= bytesRead;
        io.bytes += bytesRead;
        await io.throttle.take(bytesRead);
      }
    } finally {
      io.release(buf);
    }
    if (hash.digest('hex') !== e.sha256) return 'changed';
    return (st.mode & 0o7777) !== e.mode ? 'mode' : undefined;
  } finally {
    await fh.close();
  }
}

/**
 * absence says what an errno means for a path the manifest has: not there
 * ('removed'), or there but not readable by the agent, which cannot vouch
 * for it ('changed'). Anything else is a real failure (undefined).
 */
function absence(err: unknown): PathChange | undefined {
  switch (errCode(err)) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'removed';
    case 'EACCES':
    case 'EPERM':
      return 'changed';
    default:
      return undefined;
  }
}

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? String(err);
}

function unreadable(abs: string, err: unknown): FleetswapError {
  return new FleetswapError('UNREADABLE', `cannot verify ${JSON.stringify(abs)}: ${errCode(err)}`, { cause: err });
}

/** Reader carries what the file reads share: the throttle, the counters, and a pool of read buffers. */
class Reader {
  files = 0;
  bytes = 0;
  private readonly free: Buffer[] = [];
  constructor(readonly throttle: Throttle) {}
  buffer(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafe(READ_CHUNK);
  }
  release(buf: Buffer): void {
    this.free.push(buf);
  }
}

/**
 * Throttle keeps the read rate under bytesPerSecond: each read moves the time
 * at which the bytes read so far are due, and a reader ahead of that time
 * sleeps until it. The clock is measured, so time spent reading and hashing
 * counts and a slow disk is not slowed further; credit for time spent not
 * reading (the walk, small files) is capped, so it never buys a burst.
 */
class Throttle {
  private due = -Infinity;
  constructor(
    private readonly bytesPerSecond: number,
    private readonly signal: AbortSignal | undefined,
  ) {}

  async take(bytes: number): Promise<void> {
    this.signal?.throwIfAborted();
    if (this.bytesPerSecond === Infinity) return;
    const now = performance.now();
    this.due = Math.max(this.due, now - MAX_CREDIT_MS) + (bytes / this.bytesPerSecond) * 1000;
    const ahead = this.due - now;
    if (ahead < MIN_SLEEP_MS) return;
    try {
      await sleep(ahead, undefined, { signal: this.signal });
    } catch (err) {
      // Reject with the caller's reason, as throwIfAborted does elsewhere.
      this.signal?.throwIfAborted();
      throw err;
    }
  }
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
