import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { mulberry32 } from '../shared/prng.js';

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
  return files.sort(byPath);
}

/** FileGroup is one kind of file in a generated build: `count` of them, sizes uniform in [min, max). */
interface FileGroup {
  path: (i: number) => string;
  count: number;
  min: number;
  max: number;
}

/** bucket spreads a group over directories of 100 files, as bundlers split output by route or hash prefix. */
const bucket = (i: number) => `d${String(Math.floor(i / 100)).padStart(2, '0')}`;

/**
 * WEB_BUILD is a large web build: 5,000 files, about 50 MB. Most are
 * small (code-split chunks, pages, styles, locale strings); a few vendor
 * bundles, fonts and hero images hold much of the bytes.
 */
const WEB_BUILD: readonly FileGroup[] = [
  { path: (i) => `static/chunks/${bucket(i)}/chunk-${pad4(i)}.js`, count: 2500, min: 512, max: 12 * KiB },
  { path: (i) => `pages/${bucket(i)}/page-${pad4(i)}.html`, count: 1000, min: 1 * KiB, max: 8 * KiB },
  { path: (i) => `static/css/${bucket(i)}/style-${pad4(i)}.css`, count: 600, min: 512, max: 8 * KiB },
  { path: (i) => `static/img/${bucket(i)}/img-${pad4(i)}.png`, count: 600, min: 2 * KiB, max: 24 * KiB },
  { path: (i) => `locales/${bucket(i)}/messages-${pad4(i)}.json`, count: 200, min: 512, max: 4 * KiB },
  { path: (i) => `static/chunks/vendor/vendor-${pad(i)}.js`, count: 60, min: 64 * KiB, max: 288 * KiB },
  { path: (i) => `static/fonts/font-${pad(i)}.woff2`, count: 30, min: 16 * KiB, max: 96 * KiB },
  { path: (i) => `static/media/hero-${pad(i)}.jpg`, count: 10, min: 256 * KiB, max: 1024 * KiB },
];

/** webBuildFiles describes WEB_BUILD; the same seed always gives the same tree. */
export function webBuildFiles(seed = 1): TreeFile[] {
  const rand = mulberry32(seed);
  const files = WEB_BUILD.flatMap((g) =>
    Array.from({ length: g.count }, (_, i) => ({ path: g.path(i), size: g.min + Math.floor(rand() * (g.max - g.min)), seed: next(rand) })),
  );
  return files.sort(byPath);
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

/**
 * writeTree writes the files under dir. `mtime`, when given, sets each
 * file's modification time: tools that compare size and mtime (rsync's quick
 * check) then see exactly the files whose content changed.
 */
export async function writeTree(dir: string, files: readonly TreeFile[], mtime?: (f: TreeFile) => Date): Promise<void> {
  for (const f of files) {
    const abs = join(dir, f.path);
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, content(f));
    if (mtime) await utimes(abs, mtime(f), mtime(f));
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

function byPath(a: TreeFile, b: TreeFile): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

function pad(i: number): string {
  return String(i).padStart(3, '0');
}

function pad4(i: number): string {
  return String(i).padStart(4, '0');
}

function next(rand: () => number): number {
  return Math.floor(rand() * 0x1_0000_0000) >>> 0;
}

