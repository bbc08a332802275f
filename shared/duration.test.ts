import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('formatDuration', () => {
  it('writes a default the way an operator types it, in the largest unit that is exact', () => {
    expect([500, 1_000, 10_000, 90_000, 10 * 60_000, 3_600_000, 2 * 86_400_000, 0].map(formatDuration)).toEqual(['500ms', '1s', '10s', '90s', '10m', '1h', '2d', '0s']);
  });

  it('is read back by parseDuration as the same number of milliseconds', () => {
    for (const ms of [0, 1, 250, 1_000, 1_500, 45_000, 600_000, 5_400_000, 86_400_000]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });

  it('refuses what no duration flag can hold: a negative, fractional or endless number of milliseconds', () => {
    for (const ms of [-1, 0.5, Number.NaN, Infinity]) expect(() => formatDuration(ms), String(ms)).toThrow(/whole number of milliseconds/);
  });
});
