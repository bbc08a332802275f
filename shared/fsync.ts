import { execFile } from 'node:child_process';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** fsyncPath makes a file's or directory's own entry durable. */
export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** renameDurably renames and then fsyncs the destination's directory, so the rename survives a power cut. */
export async function renameDurably(from: string, to: string): Promise<void> {
  await rename(from, to);
  await fsyncPath(dirname(to));
}

/** writeTemp writes and fsyncs data beside `path` under a temp name, and returns that name. */
async function writeTemp(path: string, data: string | Uint8Array, mode = 0o644): Promise<string> {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    // A full disk fails the write after the open: leave no empty temp file behind.
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  return tmp;
}

/** writeFileDurably writes to a temp name, fsyncs, and renames over `path`: readers see the old or the new file, never a part. */
export async function writeFileDurably(path: string, data: string | Uint8Array, mode?: number): Promise<void> {
  await writeFilesDurably(dirname(path), [{ name: basename(path), data, mode }]);
}

/**
 * writeFilesDurably replaces several files in one directory the same way,
 * with one fsync of the directory for all of them instead of one each.
 */
export async function writeFilesDurably(dir: string, files: { name: string; data: string | Uint8Array; mode?: number }[]): Promise<void> {
  const renames: [string, string][] = [];
  for (const f of files) {
    const path = join(dir, f.name);
    renames.push([await writeTemp(path, f.data, f.mode), path]);
  }
  for (const [tmp, path] of renames) await rename(tmp, path);
  await fsyncPath(dir);
}

/**
 * syncTree makes a freshly written tree durable. One syncfs(2) of the file
 * system holding it (coreutils `sync -f`) replaces an fsync per file and per
 * directory: on a 5,000-file release that was most of the staging time.
 * Where `sync -f` cannot run, every path is fsynced, deepest first.
 */
export async function syncTree(root: string, paths: string[]): Promise<void> {
  const viaSyncfs = await new Promise<boolean>((resolve) => execFile('sync', ['-f', root], (err) => resolve(!err)));
  if (viaSyncfs) return;
  for (const p of [...paths].sort((a, b) => b.length - a.length)) await fsyncPath(p);
  await fsyncPath(root);
}
