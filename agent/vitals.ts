import { loadavg } from 'node:os';
import si from 'systeminformation';
import type { VitalsBatch__Output as VitalsBatch } from '../shared/gen/fleetswap/v1/VitalsBatch.js';
import type { VitalsSample__Output as VitalsSample } from '../shared/gen/fleetswap/v1/VitalsSample.js';
import type { ErrorCounts, ErrorLogCounter } from './error-log.js';
import { probeOnce } from './health.js';

/** HostMetrics is what the operating system says about the host. */
export interface HostMetrics {
  load1: number;
  cpu_pct: number;
  mem_pct: number;
}

/** MetricsSource is a seam: the simulator gives thousands of agents synthetic metrics. */
export interface MetricsSource {
  read(): Promise<HostMetrics>;
}

/** systemMetrics reads the real host through systeminformation (CPU busy since the previous read). */
export const systemMetrics: MetricsSource = {
  async read() {
    const [load, mem] = await Promise.all([si.currentLoad(), si.mem()]);
    return { load1: loadavg()[0] ?? 0, cpu_pct: load.currentLoad, mem_pct: mem.total ? (mem.active / mem.total) * 100 : 0 };
  },
};

const NO_ERRORS: ErrorCounts = { lines: 0, incidents: 0, seconds: 0 };

/** How far back samples are sent again on a new stream: longer than a coordinator holds samples before storing them, and than a failover takes. */
export const REPLAY_MS = 30_000;

/** While the coordinator is away, the agent keeps this many samples; older ones are dropped and counted. */
export const MAX_BUFFERED_SAMPLES = 600;

export interface VitalsOptions {
  intervalMs: number;
  metrics: MetricsSource;
  errorLog?: ErrorLogCounter;
  healthUrl?: string;
  healthTimeoutMs: number;
  now: () => number;
  liveRelease: () => string;
  /** Called after every sample with the batch to send; returns whether it was sent. */
  send: (batch: VitalsBatch) => boolean;
}

/**
 * VitalsSampler takes one sample per interval and hands the samples not yet
 * sent to `send`. Samples wait in a bounded buffer while the coordinator is
 * unreachable; what overflows is counted and reported, never lost silently.
 */
export class VitalsSampler {
  private buffer: VitalsSample[] = [];
  /** Samples sent lately, kept to send again to the next coordinator (resend). */
  private recent: VitalsSample[] = [];
  private dropped = 0;
  private readonly totals = { taken: 0, sent: 0, dropped: 0 };
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  /** When the previous sample took its error counts: the next sample covers from there. */
  private lastTakenAt = 0;

  constructor(private readonly o: VitalsOptions) {}

  start(): void {
    this.lastTakenAt = this.o.now();
    this.timer = setInterval(() => void this.tick(), this.o.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** buffered is how many samples wait to be sent (the coordinator is away, or slow to accept them). */
  buffered(): number {
    return this.buffer.length;
  }

  /** stats counts every sample taken, sent, and dropped for overflow, since start. */
  stats(): { taken: number; sent: number; dropped: number } {
    return { ...this.totals };
  }

  /**
   * resend sends again what was sent in the last REPLAY_MS, on a stream just
   * accepted: samples written to a coordinator that died (or lost the lead)
   * before storing them reach the one now leading. The coordinator keeps one
   * sample per host and time, so a sample that did arrive is not counted twice.
   */
  resend(): void {
    const from = this.o.now() - REPLAY_MS;
    this.recent = this.recent.filter((s) => s.ts_ms >= from);
    if (this.recent.length > 0) this.o.send({ samples: this.recent, dropped: 0 });
  }

  private remember(sent: VitalsSample[]): void {
    // Timed by the newest sample rather than the clock: sending takes no reading of it.
    const from = (sent.at(-1)?.ts_ms ?? 0) - REPLAY_MS;
    this.recent = [...this.recent.filter((s) => s.ts_ms >= from), ...sent].slice(-MAX_BUFFERED_SAMPLES);
  }

  /** tick is skipped while the previous one runs: a slow probe must not pile samples up. */
  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      this.buffer.push(await this.sample());
      this.totals.taken++;
      if (this.buffer.length > MAX_BUFFERED_SAMPLES) {
        const over = this.buffer.length - MAX_BUFFERED_SAMPLES;
        this.dropped += over;
        this.totals.dropped += over;
        this.buffer = this.buffer.slice(-MAX_BUFFERED_SAMPLES);
      }
      if (this.o.send({ samples: this.buffer, dropped: this.dropped })) {
        this.totals.sent += this.buffer.length;
        this.remember(this.buffer);
        this.buffer = [];
        this.dropped = 0;
      }
    } finally {
      this.busy = false;
    }
  }

  /**
   * sample covers the time since the previous one took its counts, which is
   * more than the interval when a tick was skipped (a slow probe): the judge
   * reads rates per interval_ms, so a skipped tick changes no rate. Its time
   * is when the counts were taken, the end of what it covers; the probe and
   * metrics are read from then on.
   */
  private async sample(): Promise<VitalsSample> {
    const release = this.o.liveRelease();
    const takenAt = this.o.now();
    const [metrics, errors, probe] = await Promise.all([
      this.o.metrics.read(),
      this.o.errorLog?.take() ?? Promise.resolve(NO_ERRORS),
      this.o.healthUrl ? probeOnce(this.o.healthUrl, Math.min(this.o.healthTimeoutMs, this.o.intervalMs)) : Promise.resolve(undefined),
    ]);
    // A host clock stepped back gives no negative interval.
    const interval = Math.max(0, takenAt - this.lastTakenAt);
    this.lastTakenAt = takenAt;
    return {
      ts_ms: takenAt,
      release_id: release,
      ...metrics,
      error_lines: errors.lines,
      probed: probe !== undefined,
      probe_ok: probe?.ok ?? false,
      probe_latency_ms: probe?.latencyMs ?? 0,
      interval_ms: Math.round(interval),
      error_incidents: errors.incidents,
      error_seconds: errors.seconds,
    };
  }
}
