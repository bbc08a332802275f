import { lstat, readdir, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FleetswapError } from './errors.js';
import { hashFile } from './hash.js';
import type { Entry } from './manifest.js';

export interface WalkedTree {
  entries: Entry[];
  /** sha256 -> one absolute path holding those bytes, for upload. */
  sources: Map<string, string>;
}

const decoder = new TextDecoder('utf-8', { fatal: true });
const HASH_CONCURRENCY = 8;

/**
 * walkTree reads a build directory into manifest entries: regular files
 * (permission bits, size, sha256), symlinks, and empty directories. It
 * refuses what a release cannot hold: device files, sockets, fifos, names
 * that are not UTF-8, and files it cannot read.
 */
export async function walkTree(root: string): Promise<WalkedTree> {
  const st = await stat(root).catch(() => undefined);
  if (!st?.isDirectory()) throw new FleetswapError('BAD_USAGE', `${root} is not a directory: push takes the build directory`);
  const entries: Entry[] = [];
  const files: { rel: string; abs: string; mode: number }[] = [];

  const visit = async (absDir: string, relDir: string): Promise<void> => {
    let rawNames: Buffer[];
    try {
      rawNames = await readdir(absDir, { encoding: 'buffer' });
    } catch (err) {
      throw new FleetswapError('UNREADABLE', `cannot read directory ${JSON.stringify(absDir)}: ${(err as NodeJS.ErrnoException).code ?? err}; fix its permissions`);
    }
    for (const rawName of rawNames) {
      let name: string;
      try {
        name = decoder.decode(rawName);
      } catch {
        throw new FleetswapError('BAD_PATH', `file name ${JSON.stringify(rawName.toString('latin1'))} in ${absDir} is not valid UTF-8; rename it`);
      }
      const abs = join(absDir, name);
      const rel = relDir === '' ? name : `${relDir}/${name}`;
      const ls = await lstat(abs);
      if (ls.isDirectory()) {
        await visit(abs, rel);
      } else if (ls.isFile()) {
        files.push({ rel, abs, mode: ls.mode & 0o777 });
      } else if (ls.isSymbolicLink()) {
        // Read the target as bytes: the default utf8 decoding would silently
        // turn a non-UTF-8 target into U+FFFD, a different link from the one built.
        const rawTarget = await readlink(abs, { encoding: 'buffer' });
        let target: string;
        try {
          target = decoder.decode(rawTarget);
        } catch {
          throw new FleetswapError('BAD_SYMLINK', `symlink ${JSON.stringify(rel)} has a target that is not valid UTF-8; recreate it`);
        }
        entries.push({ path: rel, type: 'symlink', target });
      } else {
        const kind = ls.isFIFO() ? 'a fifo' : ls.isSocket() ? 'a socket' : 'a device file';
        throw new FleetswapError('BAD_FILE_TYPE', `${JSON.stringify(rel)} is ${kind}; a release holds only files, symlinks and directories`);
      }
    }
    if (rawNames.length === 0 && relDir !== '') entries.push({ path: relDir, type: 'dir' });
  };
  await visit(root, '');

  const sources = new Map<string, string>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const f = files[next++] as (typeof files)[number];
      let digest;
      try {
        digest = await hashFile(f.abs);
      } catch (err) {
        throw new FleetswapError('UNREADABLE', `cannot read ${JSON.stringify(f.rel)}: ${(err as NodeJS.ErrnoException).code ?? err}; fix its permissions`);
      }
      entries.push({ path: f.rel, type: 'file', mode: f.mode, size: digest.size, sha256: digest.sha256 });
      sources.set(digest.sha256, f.abs);
    }
  };
  await Promise.all(Array.from({ length: HASH_CONCURRENCY }, worker));
  return { entries, sources };
}
