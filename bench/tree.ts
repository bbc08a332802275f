import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** One file of a generated build: its content is a pure function of size and seed. */
export interface TreeFile {
  path: string;
  size: number;
  seed: number;
}

const KiB = 1024;

/**
 * buildFiles describes a web build like the ones fleetswap ships: a few
 * hundred small assets, templates and config files, and a few large media
 * files. The same seed always gives the same tree, so runs compare.
 */
export function buildFiles(seed = 1): TreeFile[] {
  const rand = mulberry32(seed);
  const files: TreeFile[] = [];
  const small = (path: string) => files.push({ path, size: 512 + Math.floor(rand() * 11.5 * KiB), seed: next(rand) });
  for (let i = 0; i < 200; i++) small(`assets/js/chunk-${pad(i)}.js`);
  for (let i = 0; i < 60; i++) small(`assets/css/style-${pad(i)}.css`);
  for (let i = 0; i < 50; i++) small(`templates/page-${pad(i)}.html`);
  for (let i = 0; i < 10; i++) small(`config/service-${pad(i)}.json`);
  for (const [i, size] of [1024 * KiB, 768 * KiB, 512 * KiB, 256 * KiB].entries()) {
    files.push({ path: `media/large-${i}.bin`, size, seed: next(rand) });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * changeFraction gives the next release: `fraction` of the files, evenly
 * spaced through the sorted paths (so which ones is fixed, not random),
 * get new content of the same size.
 */
export function changeFraction(files: readonly TreeFile[], fraction: number): { files: TreeFile[]; changed: TreeFile[] } {
  const count = Math.max(1, Math.round(files.length * fraction));
  const picked = new Set(Array.from({ length: count }, (_, k) => Math.floor(((k + 0.5) * files.length) / count)));
  const next = files.map((f, i) => (picked.has(i) ? { ...f, seed: (f.seed ^ 0x9e3779b9) >>> 0 } : f));
  return { files: next, changed: next.filter((_, i) => picked.has(i)) };
}

export async function writeTree(dir: string, files: readonly TreeFile[]): Promise<void> {
  for (const f of files) {
    const abs = join(dir, f.path);
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, content(f));
  }
}

/** content is pseudo-random, so no two files share a blob and nothing compresses away. */
function content(f: TreeFile): Buffer {
  const rand = mulberry32(f.seed);
  const buf = Buffer.allocUnsafe(f.size);
  let i = 0;
  for (; i + 4 <= f.size; i += 4) buf.writeUInt32LE(next(rand), i);
  for (; i < f.size; i++) buf[i] = next(rand) & 0xff;
  return buf;
}

function pad(i: number): string {
  return String(i).padStart(3, '0');
}

function next(rand: () => number): number {
  return Math.floor(rand() * 0x1_0000_0000) >>> 0;
}

/** mulberry32 is a tiny seeded PRNG: Math.random cannot be seeded. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}
