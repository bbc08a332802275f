import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { mulberry32 } from '../../shared/prng.js';

// What the fault suites share. `npm test` runs them in a bounded form that
// fits beside every other test; `npm run test:faults` runs them full size.

export const FULL = process.env.FLEETSWAP_FAULTS === 'full';


/**
 * seeded returns a PRNG and prints its seed, so that any run can be replayed
 * with FLEETSWAP_FAULTS_SEED=<seed>.
 */
export function seeded(suite: string): { seed: number; random: () => number; int: (lo: number, hi: number) => number } {
  const fromEnv = process.env.FLEETSWAP_FAULTS_SEED;
  const seed = fromEnv ? Number(fromEnv) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
  console.log(`[${suite}] seed ${seed} (replay with FLEETSWAP_FAULTS_SEED=${seed})`);
  const random = mulberry32(seed);
  return { seed, random, int: (lo, hi) => lo + Math.floor(random() * (hi - lo + 1)) };
}

/** seededBytes gives n reproducible bytes; content that differs per label makes a release stage for real. */
export function seededBytes(seed: number, n: number): Buffer {
  const random = mulberry32(seed);
  const out = Buffer.allocUnsafe(n);
  let i = 0;
  for (; i + 4 <= n; i += 4) out.writeUInt32LE((random() * 2 ** 32) >>> 0, i);
  for (; i < n; i++) out[i] = Math.floor(random() * 256);
  return out;
}

/**
 * leftovers lists what a host keeps that it should not after recovering:
 * slot directories without their completion mark, and anything in the temp dir.
 */
export async function leftovers(root: string): Promise<{ unmarkedSlots: string[]; tmp: string[] }> {
  const slots = await readdir(join(root, 'slots')).catch(() => [] as string[]);
  const marks = new Set((await readdir(join(root, '.fleetswap', 'slot-meta'))).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)));
  return {
    unmarkedSlots: slots.filter((s) => !marks.has(s)).sort(),
    tmp: (await readdir(join(root, '.fleetswap', 'tmp'))).sort(),
  };
}

/** withTimeout fails a wait that would otherwise hang the suite, saying what it waited for. */
export async function withTimeout<T>(what: string, p: Promise<T>, ms: number, detail: () => string = () => ''): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}${detail() ? `\n${detail()}` : ''}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
