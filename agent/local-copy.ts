import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { chmod, open, rm } from 'node:fs/promises';
import type { FileEntry } from '../shared/manifest.js';

// Verified copies of files a host already holds: staging reuses what any
// complete slot has before it fetches, and writes each further path of a
// blob from its first copy. Every copy is hashed on the way, so a
// hand-edited live file is never carried into a new slot.

const COPY_BUF = 256 * 1024;
const COPY_WORKERS = 8;

/**
 * inParallel runs fn over items with a few workers, each with its own copy
 * buffer: per-file fsyncs dominate staging, and the thread pool can overlap
 * them where one-at-a-time cannot.
 */
export async function inParallel<T>(items: T[], fn: (item: T, buf: Buffer) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    const buf = Buffer.allocUnsafe(COPY_BUF);
    try {
      while (next < items.length && !failed) await fn(items[next++] as T, buf);
    } catch (err) {
      failed = true;
      throw err;
    }
  };
  // Settle every worker before failing, so the caller's clean-up does not race a write.
  const results = await Promise.allSettled(Array.from({ length: Math.min(COPY_WORKERS, items.length) }, worker));
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}

/**
 * copyVerified copies src to dest as the manifest entry says (content and
 * mode), checking the bytes against the entry's sha256 on the way: what is
 * written is exactly what was hashed. A source that does not hash right (a
 * hand-edited live file) writes nothing and returns false.
 *
 * Small files (most of a web build) are copied with synchronous calls: each
 * async call costs a thread-pool round trip and a promise, several times the
 * system call itself, and a delta deploy is thousands of unchanged files.
 * The event loop is handed back every few milliseconds, so the agent's
 * stream and vitals do not wait behind a staging.
 */
export async function copyVerified(src: string, dest: string, entry: FileEntry, buf: Buffer): Promise<boolean> {
  if (entry.size <= buf.length) {
    await yieldNowAndThen();
    return copySmall(src, dest, entry);
  }
  const got = await copyLarge(src, dest, buf).catch(() => undefined);
  if (got === entry.sha256) {
    await chmod(dest, entry.mode);
    return true;
  }
  await rm(dest, { force: true });
  return false;
}

function copySmall(src: string, dest: string, entry: FileEntry): boolean {
  let data: Buffer;
  try {
    data = fs.readFileSync(src);
  } catch {
    return false;
  }
  if (data.length !== entry.size || createHash('sha256').update(data).digest('hex') !== entry.sha256) return false;
  const fd = fs.openSync(dest, 'wx', 0o600);
  try {
    fs.writeSync(fd, data);
    // The mode on the open file: not subject to the umask, and no second lookup of the path.
    fs.fchmodSync(fd, entry.mode);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

const YIELD_EVERY_MS = 4;
let lastYield = performance.now();

/** yieldNowAndThen gives the event loop a turn when synchronous work has held it for a few milliseconds. */
async function yieldNowAndThen(): Promise<void> {
  if (performance.now() - lastYield < YIELD_EVERY_MS) return;
  await new Promise((resolve) => setImmediate(resolve));
  lastYield = performance.now();
}

async function copyLarge(src: string, dest: string, buf: Buffer): Promise<string> {
  const input = await open(src, 'r');
  const output = await open(dest, 'w', 0o600);
  const sha = createHash('sha256');
  try {
    for (;;) {
      const { bytesRead } = await input.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      const part = buf.subarray(0, bytesRead);
      sha.update(part);
      await output.write(part);
    }
  } finally {
    await input.close();
    await output.close();
  }
  return sha.digest('hex');
}
