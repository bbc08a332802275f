import { isFleetswapError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import type { VitalsBatch__Output } from '../shared/gen/fleetswap/v1/VitalsBatch.js';
import type { VitalsCounters__Output } from '../shared/gen/fleetswap/v1/VitalsCounters.js';
import type { VitalsSample__Output as VitalsSample } from '../shared/gen/fleetswap/v1/VitalsSample.js';
import type { Clock } from './rollout.js';
import type { SampleSource } from './rollout/progress.js';
import type { Store } from './store.js';

export interface VitalsOptions {
  /** How much of each host's recent vitals stays in memory for judging. @default 5 min */
  windowMs?: number;
  /** How often queued samples are written, in one transaction. @default 250 ms */
  flushMs?: number;
  /** How long raw samples stay in the database. @default 24 h */
  retentionMs?: number;
}

// A sample more than this far from the coordinator's clock is refused: a
// host with a broken clock must not land in another window's judgement.
// Samples come late (an agent sends its backlog after an outage) but never
// early: one from the future would stay in the window past its trimming.
const MAX_AGE_MS = 10 * 60_000;
const MAX_AHEAD_MS = 5_000;
const MAX_BATCH = 10_000;
// A sample covers at most this long: an agent that could not sample for
// longer (a suspended VM) is not describing one interval any more.
const MAX_INTERVAL_MS = 10 * 60_000;
const PRUNE_EVERY_MS = 60_000;
/** Samples kept in memory while the database is away: a minute of 10,000 hosts at 1 Hz. */
const MAX_QUEUED = 600_000;

/**
 * VitalsSink takes every host's samples: it keeps a window of each host's
 * recent samples in memory (what the canary judge reads) and writes all of
 * them to the database in batched transactions. Every sample is counted as
 * stored or refused, and samples the agents had to drop are counted too.
 */
export class VitalsSink implements SampleSource {
  private readonly windows = new Map<string, VitalsSample[]>();
  /** For each host, the time from which its window holds every sample (older ones were trimmed or never loaded). */
  private readonly reach = new Map<string, number>();
  /** Where memory starts for a host nobody has loaded back further: the window at start. */
  private loadedFrom = 0;
  /** Hosts being judged, and how far back the judge reads them: their windows are not trimmed past it. */
  private pinned = new Map<string, number>();
  private queue: { host: string; s: VitalsSample }[] = [];
  private readonly counters: VitalsCounters__Output = { received: 0, stored: 0, refused: 0, dropped_by_agents: 0 };
  private readonly windowMs: number;
  private readonly retentionMs: number;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private lastPrune = 0;

  constructor(
    private readonly store: Store,
    private readonly now: Clock,
    private readonly log: Logger,
    private readonly opts: VitalsOptions = {},
  ) {
    this.windowMs = opts.windowMs ?? 5 * 60_000;
    this.retentionMs = opts.retentionMs ?? 24 * 3_600_000;
  }

  /** start reloads the last window from the database, so a restarted coordinator judges what it judged before. */
  async start(): Promise<void> {
    await this.load();
    this.flushTimer = setInterval(() => void this.flush(), this.opts.flushMs ?? 250);
  }

  /**
   * reload forgets what memory holds and reads the last window back from the
   * database: a coordinator taking the lead heard no vitals while it
   * followed, and the leader before it stored what it heard.
   */
  async reload(): Promise<void> {
    await this.flush();
    await this.load();
  }

  private async load(): Promise<void> {
    const from = this.now() - this.windowMs;
    const rows = await this.store.vitals.since(from);
    // Samples accepted while the read was out are kept: memory and the
    // database are merged, one sample per host and time.
    const merged = new Map<string, Map<number, VitalsSample>>();
    for (const [host, window] of this.windows) merged.set(host, new Map(window.map((s) => [s.ts_ms, s])));
    for (const { host, s } of rows) {
      let byTime = merged.get(host);
      if (!byTime) merged.set(host, (byTime = new Map()));
      byTime.set(s.ts_ms, s);
    }
    this.windows.clear();
    for (const [host, byTime] of merged) this.windows.set(host, [...byTime.values()].filter((s) => s.ts_ms >= from).sort((a, b) => a.ts_ms - b.ts_ms));
    this.reach.clear();
    this.loadedFrom = from;
  }

  async stop(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.flush();
  }

  accept(host: string, batch: VitalsBatch__Output): void {
    this.counters.dropped_by_agents += batch.dropped;
    this.counters.received += batch.samples.length;
    const now = this.now();
    const samples = batch.samples.length > MAX_BATCH ? [] : batch.samples;
    this.counters.refused += batch.samples.length - samples.length;
    let window = this.windows.get(host);
    if (!window) this.windows.set(host, (window = []));
    for (const s of samples) {
      // Sent again to this coordinator (a new stream after a failover): kept once, counted once.
      if (holds(window, s.ts_ms)) {
        this.counters.received--;
        continue;
      }
      if (!valid(s, now)) {
        this.counters.refused++;
        continue;
      }
      window.push(s);
      this.queue.push({ host, s });
    }
    const oldest = Math.min(now - this.windowMs, this.pinned.get(host) ?? Infinity);
    let drop = 0;
    while (drop < window.length && (window[drop] as VitalsSample).ts_ms < oldest) drop++;
    if (drop > 0) {
      window.splice(0, drop);
      this.reach.set(host, Math.max(this.reachOf(host), oldest));
    }
  }

  /**
   * flush writes what is queued; a failed write is logged and counted, never
   * retried forever. Flushes run one at a time, so a caller that awaits one
   * knows every sample accepted before it is stored.
   */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.queue.length > 0) {
      const rows = this.queue;
      this.queue = [];
      try {
        await this.store.vitals.insert(rows);
        this.counters.stored += rows.length;
      } catch (err) {
        if (isFleetswapError(err) && err.code === 'UNAVAILABLE') {
          // The database is away (restarting): keep them for the next flush, up to a bound.
          this.queue = [...rows, ...this.queue];
          const over = this.queue.length - MAX_QUEUED;
          if (over > 0) {
            this.queue.splice(0, over);
            this.counters.refused += over;
          }
          this.log.warn({ err: err.message, samples: this.queue.length }, 'vitals wait for the database');
        } else {
          this.counters.refused += rows.length;
          this.log.error({ err: (err as Error).message, samples: rows.length }, 'could not store vitals');
        }
      }
    }
    const now = this.now();
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      try {
        await this.store.vitals.deleteBefore(now - this.retentionMs);
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'could not prune old vitals');
      }
    }
  }

  /** window is the host's samples of the last windowMs, oldest first. */
  window(host: string): readonly VitalsSample[] {
    return this.windows.get(host) ?? [];
  }

  /**
   * prepare makes every sample of `hosts` from `from` on readable by
   * between(): what memory no longer holds is read back from the database
   * once, and kept (not trimmed) while these hosts are judged.
   */
  async prepare(hosts: readonly string[], from: number): Promise<void> {
    this.pinned = new Map(hosts.map((h) => [h, from]));
    const missing = hosts.filter((h) => this.reachOf(h) > from);
    if (missing.length === 0) return;
    await this.flush();
    for (const host of missing) {
      const until = this.reachOf(host);
      const window = this.windows.get(host) ?? [];
      // A late sample older than the reach is in memory already.
      const have = new Set(window.filter((s) => s.ts_ms < until).map((s) => s.ts_ms));
      const older = (await this.store.vitals.of(host, from, until)).filter((s) => !have.has(s.ts_ms));
      this.windows.set(host, [...older, ...window].sort((a, b) => a.ts_ms - b.ts_ms));
      this.reach.set(host, Math.min(this.reachOf(host), from));
    }
  }

  /** between is a host's samples with from <= ts < to, as far back as memory (and prepare) reach. */
  between(host: string, from: number, to: number): VitalsSample[] {
    return (this.windows.get(host) ?? []).filter((s) => s.ts_ms >= from && s.ts_ms < to);
  }

  private reachOf(host: string): number {
    return this.reach.get(host) ?? this.loadedFrom;
  }

  last(host: string): VitalsSample | undefined {
    return this.windows.get(host)?.at(-1);
  }

  stats(): VitalsCounters__Output {
    return { ...this.counters };
  }
}

/** holds: the window (in time order, but for late samples) has a sample taken at ts. */
function holds(window: readonly VitalsSample[], ts: number): boolean {
  for (let i = window.length - 1; i >= 0; i--) {
    const t = (window[i] as VitalsSample).ts_ms;
    if (t === ts) return true;
    if (t < ts - MAX_AHEAD_MS) return false;
  }
  return false;
}

function valid(s: VitalsSample, now: number): boolean {
  const finite = [s.load1, s.cpu_pct, s.mem_pct, s.probe_latency_ms].every((x) => Number.isFinite(x) && x >= 0);
  return (
    finite &&
    s.cpu_pct <= 100.5 &&
    s.mem_pct <= 100.5 &&
    Number.isInteger(s.error_lines) &&
    s.ts_ms >= now - MAX_AGE_MS &&
    s.ts_ms <= now + MAX_AHEAD_MS &&
    s.release_id.length <= 64 &&
    validErrors(s)
  );
}

/**
 * validErrors: the error counts must be possible over the interval the sample
 * covers, or a host could claim any exposure. A sample from an agent older
 * than these fields has all three at 0, which passes.
 */
function validErrors(s: VitalsSample): boolean {
  const { interval_ms: interval, error_incidents: incidents, error_seconds: seconds } = s;
  if (![interval, incidents, seconds].every((x) => Number.isInteger(x) && x >= 0)) return false;
  // An interval that straddles whole seconds touches one more than it lasts.
  return interval <= MAX_INTERVAL_MS && seconds <= Math.ceil(interval / 1000) + 1 && incidents >= seconds;
}
