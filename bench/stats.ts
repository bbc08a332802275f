/** Summary of one set of per-host timings, in milliseconds. */
export interface Summary {
  n: number;
  min: number;
  median: number;
  p99: number;
  max: number;
  /** max - min: how far apart the first and the last host landed. */
  skew: number;
}

/**
 * summarize uses nearest-rank percentiles: every figure reported is a time
 * some host really took (with fewer than 100 hosts p99 is therefore the max),
 * rather than an interpolation between two hosts.
 */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error('summarize: no samples');
  const sorted = [...values].sort((a, b) => a - b);
  const min = sorted[0] as number;
  const max = sorted[sorted.length - 1] as number;
  return {
    n: sorted.length,
    min: round(min),
    median: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    max: round(max),
    skew: round(max - min),
  };
}

function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/** round keeps 0.1 ms: finer digits are timer noise on a shared event loop. */
export function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
