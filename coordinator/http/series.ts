import type { VitalsSample__Output as VitalsSample } from '../../shared/gen/fleetswap/v1/VitalsSample.js';

// The rollout page's charts: each judged metric over time for three sets of
// samples, so canary against baseline and against its own past can be seen
// (the judge's own figures are shown beside them, as it gives them):
// - canary: canary hosts on the new release;
// - before: canary hosts before they switched (their own past);
// - baseline: the rollout's other hosts while still on the release they ran.

export const SERIES_METRICS = ['errors', 'load1', 'cpu_pct', 'probe_ms'] as const;
export type SeriesMetric = (typeof SERIES_METRICS)[number];
export const SERIES_LINES = ['canary', 'before', 'baseline'] as const;
export type SeriesLine = (typeof SERIES_LINES)[number];

/** Series are the charts' data: bucket start times (ms) and, per metric and line, one value per bucket (null: no sample). */
export interface Series {
  step_ms: number;
  t: number[];
  metrics: Record<SeriesMetric, Record<SeriesLine, (number | null)[]>>;
  /** How many hosts each line is drawn from (the baseline is a sample of at most MAX_LINE_HOSTS). */
  hosts: { canary: number; baseline: number };
}

/** The most hosts a line is drawn from: the mean of a hundred is already steady, and reading more costs the coordinator. */
export const MAX_LINE_HOSTS = 100;
/** Buckets in a chart at most: wider buckets for longer rollouts. */
const MAX_BUCKETS = 240;
/** Samples arrive late by up to this much; buckets older are not read again. */
const SETTLE_MS = 10_000;
/** A bucket is drawn once it ended this long ago: before, most hosts' samples for it are still on their way, and its mean is of a few. */
const SHOW_AFTER_MS = 2_000;

/** One bucket's sums for one metric and line. */
class Sum {
  total = 0;
  n = 0;
  errorSeconds = 0;
  intervalMs = 0;
}

export type SampleReader = (host: string, fromMs: number, toMs: number) => Promise<readonly VitalsSample[]>;

export interface SeriesHost {
  id: string;
  canary: boolean;
}

/** stepFor is the bucket width for a rollout spanning `spanMs`: whole seconds, at most MAX_BUCKETS buckets. */
export function stepFor(spanMs: number): number {
  return Math.max(1_000, Math.ceil(spanMs / MAX_BUCKETS / 1_000) * 1_000);
}

/** lineHosts picks who is drawn: every canary (up to the cap), and an even sample of the others. */
export function lineHosts(hosts: readonly SeriesHost[]): SeriesHost[] {
  const canaries = hosts.filter((h) => h.canary).slice(0, MAX_LINE_HOSTS);
  const others = hosts.filter((h) => !h.canary);
  const every = Math.max(1, others.length / MAX_LINE_HOSTS);
  const sampled: SeriesHost[] = [];
  for (let i = 0; i < others.length && sampled.length < MAX_LINE_HOSTS; i += every) sampled.push(others[Math.floor(i)] as SeriesHost);
  return [...canaries, ...sampled];
}

/**
 * RolloutSeries keeps one rollout's charts: settled buckets are read once,
 * and each update reads only the last few seconds again, so a rollout page
 * open for an hour costs the coordinator no more per second than one just
 * opened.
 */
export class RolloutSeries {
  private readonly sums = new Map<number, Map<string, Sum>>();
  private settledTo: number;
  private readTo: number;

  constructor(
    private readonly releaseId: string,
    private readonly hosts: readonly SeriesHost[],
    private readonly fromMs: number,
    readonly stepMs: number,
  ) {
    this.settledTo = this.bucketOf(fromMs);
    this.readTo = this.settledTo;
  }

  private bucketOf(ms: number): number {
    return Math.floor(ms / this.stepMs) * this.stepMs;
  }

  /** update reads every line host's samples from the last settled bucket up to `toMs`. */
  async update(toMs: number, read: SampleReader): Promise<void> {
    const from = this.settledTo;
    for (const [t] of this.sums) if (t >= from) this.sums.delete(t);
    for (const h of this.hosts) {
      for (const s of await read(h.id, from, toMs)) this.add(h, s);
    }
    this.readTo = Math.max(this.readTo, toMs);
    this.settledTo = Math.max(this.settledTo, this.bucketOf(toMs - SETTLE_MS));
  }

  private add(h: SeriesHost, s: VitalsSample): void {
    const onNew = s.release_id === this.releaseId;
    const line: SeriesLine | undefined = h.canary ? (onNew ? 'canary' : 'before') : onNew ? undefined : 'baseline';
    if (!line) return;
    const t = this.bucketOf(s.ts_ms);
    let bucket = this.sums.get(t);
    if (!bucket) this.sums.set(t, (bucket = new Map()));
    const put = (metric: SeriesMetric, value: number) => {
      const key = `${metric}/${line}`;
      let sum = bucket.get(key);
      if (!sum) bucket.set(key, (sum = new Sum()));
      sum.total += value;
      sum.n++;
      return sum;
    };
    put('load1', s.load1);
    put('cpu_pct', s.cpu_pct);
    if (s.probed) put('probe_ms', s.probe_latency_ms);
    // Errors as the judge counts them: seconds with an error per host-minute (an older agent's samples say no interval).
    if (s.interval_ms > 0) {
      const sum = put('errors', 0);
      sum.errorSeconds += s.error_seconds;
      sum.intervalMs += s.interval_ms;
    }
  }

  /** series is the charts as last updated: every bucket from the rollout's start to the last update. */
  series(): Series {
    const t: number[] = [];
    for (let at = this.bucketOf(this.fromMs); at + this.stepMs <= this.readTo - SHOW_AFTER_MS; at += this.stepMs) t.push(at);
    const metrics = Object.fromEntries(
      SERIES_METRICS.map((m) => [
        m,
        Object.fromEntries(
          SERIES_LINES.map((line) => [
            line,
            t.map((at) => {
              const sum = this.sums.get(at)?.get(`${m}/${line}`);
              if (!sum || sum.n === 0) return null;
              if (m === 'errors') return sum.intervalMs > 0 ? round((sum.errorSeconds / sum.intervalMs) * 60_000) : null;
              return round(sum.total / sum.n);
            }),
          ]),
        ),
      ]),
    ) as Series['metrics'];
    return { step_ms: this.stepMs, t, metrics, hosts: { canary: this.hosts.filter((h) => h.canary).length, baseline: this.hosts.filter((h) => !h.canary).length } };
  }
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
