import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

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

/** writeFileDurably writes to a temp name, fsyncs, and renames over `path`: readers see the old or the new file, never a part. */
export async function writeFileDurably(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await renameDurably(tmp, path);
}
