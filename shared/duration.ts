import { FleetswapError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** parseDuration turns `500ms`, `30s`, `15m`, `6h`, `2d` into milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) {
    throw new FleetswapError('BAD_USAGE', `bad duration "${text}": use a number and a unit, e.g. 500ms, 30s, 15m, 6h, 2d`);
  }
  return Math.round(Number(m[1]) * (UNITS[m[2] as string] as number));
}

// Largest first, so a default reads as it would be typed ('10m', not '600s').
const LARGEST_FIRST = Object.entries(UNITS).sort(([, a], [, b]) => b - a);

/**
 * formatDuration writes milliseconds as parseDuration reads them, in the
 * largest unit that is exact; help text shows defaults kept in milliseconds.
 */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new FleetswapError('INTERNAL', `cannot write ${ms} as a duration: it must be a whole number of milliseconds, 0 or more`);
  if (ms === 0) return '0s';
  const [unit, size] = LARGEST_FIRST.find(([, size]) => ms % size === 0) as [string, number];
  return `${ms / size}${unit}`;
}

/** isDuration tells `rollback --to 6h` from `rollback --to LABEL`. */
export function isDuration(text: string): boolean {
  return /^\d+(?:\.\d+)?(ms|s|m|h|d)$/.test(text);
}
