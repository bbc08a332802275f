import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PathChange } from '../shared/drift.js';
import { FleetswapError } from '../shared/errors.js';
import type { Entry, FileEntry, Manifest } from '../shared/manifest.js';
import { parentDirs } from '../shared/paths.js';

// One path of a live tree against its manifest entry, and the paced reads
// that hash file content. verify.ts calls these for a single path
// (checkPath) and for each path its walk meets (verifyTree): the rules for
// one path live here once, so a watcher and a full pass never disagree.

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

const READ_CHUNK = 256 * 1024;
// Sleeping less than this costs more in timer overhead than it spreads the
// load; the debt is kept and paid at the next read, so the average holds.
const MIN_SLEEP_MS = 5;
const MAX_CREDIT_MS = 100;

// O_NOFOLLOW: a file swapped for a symlink between the look and the open is
// refused (ELOOP), not read through. O_NONBLOCK: a fifo put there does not
// hang the open; fstat then says it is not a file.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export type Kind = 'file' | 'dir' | 'symlink' | 'other';

export function kindOf(s: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): Kind {
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'dir';
  if (s.isSymbolicLink()) return 'symlink';
  return 'other';
}

export function lookup(index: ManifestIndex, rel: string): Entry | undefined {
  const e = index.entries.get(rel);
  if (e) return e;
  return index.impliedDirs.has(rel) ? { path: rel, type: 'dir' } : undefined;
}

/**
 * checkOne is checkPath's comparison: every parent must be a real directory
 * (lstat, so a parent swapped for a symlink to elsewhere hides what the
 * manifest put under it), then the path itself is compared.
 */
export async function checkOne(root: string, rel: string, index: ManifestIndex, io: Reader): Promise<PathChange | undefined> {
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
export async function compareAt(abs: string, kind: Kind, expected: Entry | undefined, io: Reader): Promise<PathChange | undefined> {
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
export async function compareFile(abs: string, e: FileEntry, io: Reader): Promise<PathChange | undefined> {
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
export function absence(err: unknown): PathChange | undefined {
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

export function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? String(err);
}

export function unreadable(abs: string, err: unknown): FleetswapError {
  return new FleetswapError('UNREADABLE', `cannot verify ${JSON.stringify(abs)}: ${errCode(err)}`, { cause: err });
}

/** Reader carries what the file reads share: the throttle, the counters, and a pool of read buffers. */
export class Reader {
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
export class Throttle {
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
