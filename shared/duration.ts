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

/** isDuration tells `rollback --to 6h` from `rollback --to LABEL`. */
export function isDuration(text: string): boolean {
  return /^\d+(?:\.\d+)?(ms|s|m|h|d)$/.test(text);
}
