import { TERMINAL_ROLLOUT_STATES } from '../../shared/domain.js';
import type { HaltState__Output as HaltState } from '../../shared/gen/fleetswap/v1/HaltState.js';
import type { Rollout__Output as Rollout } from '../../shared/gen/fleetswap/v1/Rollout.js';
import type { Verdict__Output as Verdict } from '../../shared/gen/fleetswap/v1/Verdict.js';
import type { VerdictRow } from '../store/verdicts.js';
import type { AuditTrail } from './audit-trail.js';
import { lineHosts, RolloutSeries, stepFor, type SampleReader, type Series } from './series.js';
import type { DashboardDeps } from './server.js';
import { timeline, type TimelineItem } from './timeline.js';

/** A look is one verdict's p-values as it formed, for the chart of p over time. */
export interface Look {
  at_ms: number;
  phase: string;
  outcome: string;
  /** `metric/versus` → p (1 when the test had no data yet). */
  p: Record<string, number>;
}

/** RolloutPage is everything the rollout page shows, as one JSON document (sent again on the live feed when it changes). */
export interface RolloutPage {
  rollout: Rollout;
  /** Release id → label, for the releases a rollout names. */
  labels: Record<string, string>;
  halt: HaltState;
  now_ms: number;
  /** The one sentence at the top: what it is doing, or why it paused, failed or was rolled back. */
  headline: string;
  timeline: TimelineItem[];
  /** Verdicts stored when their outcome changed, oldest first. */
  verdicts: Pick<VerdictRow, 'at_ms' | 'phase' | 'outcome' | 'reason'>[];
  /** Each verdict's p-values as this coordinator saw them form, a second apart (since it started, if that was later). */
  looks: Look[];
  series: Series | null;
}

/** Samples younger than this are read from the leader's memory (its window holds 5 minutes); older ones from the database. */
const MEMORY_MS = 4 * 60_000;
/** How long before its start a rollout's charts begin: the canaries' own past. */
const BEFORE_MS = 60_000;
const MAX_LOOKS = 2_000;
const KEPT_ROLLOUTS = 8;

interface Kept {
  series: RolloutSeries | undefined;
  seriesAt: number;
  /** The update in progress: a page built meanwhile waits for it rather than draw half-read buckets. */
  updating: Promise<void>;
  looks: Look[];
  lastLookAt: string;
}

/**
 * RolloutPages builds rollout pages from the same calls the admin service
 * makes (the engine's view, the stored verdicts, the vitals the judge
 * reads), and keeps a few rollouts' charts and looks between requests.
 */
export class RolloutPages {
  private readonly kept = new Map<number, Kept>();
  private timer: NodeJS.Timeout | undefined;
  private watching = false;

  constructor(
    private readonly deps: DashboardDeps,
    private readonly trail: AuditTrail,
  ) {}

  /**
   * start records the active rollout's verdict once a second, whether or not
   * a page shows it, so its p-values can be drawn from the start of judging
   * (one row read: the engine keeps only the newest verdict on the rollout).
   */
  start(): void {
    this.timer = setInterval(() => void this.watch(), 1_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async watch(): Promise<void> {
    if (this.watching) return;
    this.watching = true;
    try {
      const r = await this.deps.store.rollouts.active();
      if (r?.verdict) this.look(this.keep(r.id), r.verdict);
    } catch {
      // The next second tries again; a page asked for meanwhile says what is wrong.
    } finally {
      this.watching = false;
    }
  }

  /** currentId is the active rollout, else the newest; 0 when there is none. */
  async currentId(): Promise<number> {
    const r = (await this.deps.store.rollouts.active()) ?? (await this.deps.store.rollouts.latest());
    return r?.id ?? 0;
  }

  async page(id: number): Promise<RolloutPage> {
    const { store, engine, now } = this.deps;
    const rollout = await engine.view(id);
    const kept = this.keep(id);
    const at = now();
    if (rollout.verdict) this.look(kept, rollout.verdict);
    const [labels, halt, verdicts, entries] = await Promise.all([store.releases.labels(), engine.haltState(), store.verdicts.of(id), this.trail.entriesOf(id)]);
    return {
      rollout,
      labels,
      halt,
      now_ms: at,
      headline: headline(rollout),
      timeline: timeline(rollout, entries, verdicts, labels),
      verdicts: verdicts.map(({ at_ms, phase, outcome, reason }) => ({ at_ms, phase, outcome, reason })),
      looks: kept.looks,
      series: await this.series(kept, rollout, at),
    };
  }

  private keep(id: number): Kept {
    let k = this.kept.get(id);
    if (k) this.kept.delete(id);
    else k = { series: undefined, seriesAt: 0, updating: Promise.resolve(), looks: [], lastLookAt: '' };
    // Most recently used last: the first is the one to forget.
    this.kept.set(id, k);
    while (this.kept.size > KEPT_ROLLOUTS) this.kept.delete(this.kept.keys().next().value as number);
    return k;
  }

  private look(kept: Kept, v: Verdict): void {
    if (v.at === kept.lastLookAt) return;
    kept.lastLookAt = v.at;
    kept.looks.push({ at_ms: Date.parse(v.at), phase: v.phase, outcome: v.outcome, p: Object.fromEntries(v.metrics.map((m) => [`${m.metric}/${m.versus}`, m.p])) });
    if (kept.looks.length > MAX_LOOKS) kept.looks.splice(0, kept.looks.length - MAX_LOOKS);
  }

  /** series updates the rollout's charts at most once a second (every 5 s on a follower, which reads the database). */
  private async series(kept: Kept, r: Rollout, at: number): Promise<Series | null> {
    if (!r.hosts.some((h) => h.cohort === 'canary')) return null;
    const from = Date.parse(r.created_at) - BEFORE_MS;
    const ended = TERMINAL_ROLLOUT_STATES.has(r.state);
    const to = ended ? Math.min(at, Date.parse(r.updated_at) + 5_000) : at;
    let s = kept.series;
    // A rollout that outgrows its buckets is drawn again with wider ones.
    if (!s || (to - from) / s.stepMs > 360) {
      const plan = r.plan;
      const span = Math.max(to - from, plan ? BEFORE_MS + plan.bake_ms + plan.wave_bake_ms * plan.waves.length + plan.watch_ms : 0);
      s = kept.series = new RolloutSeries(r.release_id, lineHosts(r.hosts.map((h) => ({ id: h.host_id, canary: h.cohort === 'canary' }))), from, stepFor(span * (ended ? 1 : 1.5)));
      kept.seriesAt = 0;
    }
    const every = this.deps.leading() ? 1_000 : 5_000;
    if (at - kept.seriesAt >= every && !(ended && kept.seriesAt > to + 10_000)) {
      kept.seriesAt = at;
      const series = s;
      // One that failed is not waited on again: this one reads its buckets anew.
      kept.updating = kept.updating.catch(() => undefined).then(() => series.update(to, this.reader(at)));
    }
    await kept.updating;
    return s.series();
  }

  private reader(at: number): SampleReader {
    const { vitals, store } = this.deps;
    return async (host, from, to) => (this.deps.leading() && from >= at - MEMORY_MS ? vitals.between(host, from, to) : await store.vitals.of(host, from, to));
  }
}

/** headline is the rollout's state and its message, the engine's own sentence (why it paused, failed or rolled back). */
export function headline(r: Rollout): string {
  const state = r.state.replace(/_/g, ' ');
  return r.message ? `${state[0]?.toUpperCase()}${state.slice(1)}: ${r.message}` : `${state[0]?.toUpperCase()}${state.slice(1)}`;
}
