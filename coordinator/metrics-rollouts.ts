import { Counter, Histogram, type Registry } from 'prom-client';
import { TERMINAL_ROLLOUT_STATES } from '../shared/domain.js';
import { CANARY, cohortName, wave } from './cohorts.js';
import type { Move } from './move-watch.js';
import type { MetricsQueries } from './store/metrics-queries.js';

// What happens during rollouts, as histograms and counters: how long each
// phase took, how long each host took to stage and how many bytes it
// fetched, how long after its cohort was told to switch each host was live,
// and each verdict's tests.
//
// The approach: nothing in the engine counts. Phases are timed from the
// engine's committed moves (move-watch.ts). The hosts' figures are read from
// what the engine already stores: a host's staging figures land in
// rollout_hosts.stats with its STAGED report, and the time it went live in
// switched_at_ms; both are written once and never change. At each scrape
// the rollouts this coordinator watches are asked how many of their hosts
// have reported each (one aggregate query); only when that count grew are
// their rows read, and each host is observed once (a set per rollout, kept
// until the rollout has ended and been read a last time). So a scrape costs
// an aggregate query per rollout in progress, plus a read of its hosts'
// rows while reports arrive.
//
// These count what happened while this coordinator led: one begins from
// what is stored when its metrics are made, or at its first scrape after it
// takes the lead (a rollout in progress is watched from there on, its
// earlier reports left out), so two coordinators never count one report
// twice. Like any Prometheus counter, they start from zero with the process.

const PHASE_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 43200];
const STAGING_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const SWITCH_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];
/** 0 (everything reused from slots), then 1 KiB to 4 GiB by fours. */
const BYTES_BUCKETS = [0, ...Array.from({ length: 12 }, (_, i) => 1024 * 4 ** i)];
/** Rollouts whose cohorts' switch times are kept at most. */
const MAX_REMEMBERED = 16;
/** Verdicts read per scrape at most; the rest wait for the next one. */
const VERDICTS_PER_LOOK = 1_000;

/** A rollout being watched: which of its hosts were observed. */
interface Watched {
  staged: Set<string>;
  switched: Set<string>;
  seen: { staged: number; switched: number };
}

/** A phase as timed: its state, and when it began. */
interface Phase {
  state: string;
  atMs: number;
}

export class RolloutObservations {
  private readonly phases: Histogram<'phase'>;
  private readonly staging: Histogram;
  private readonly fetched: Histogram;
  private readonly switching: Histogram;
  private readonly tests: Counter<'metric' | 'versus' | 'outcome'>;
  /** Rollouts watched, by id; the engine moves only the newest, so this holds one or two. */
  private readonly watched = new Map<number, Watched>();
  /** The phase each rollout in progress is in, and when its cohorts were told to switch (by cohort name). */
  private readonly entered = new Map<number, Phase>();
  private readonly cohortsFrom = new Map<number, Map<string, number>>();
  /** The first rollout id not yet looked at, and the last verdict read; undefined until the first look while leading. */
  private next: { rollout: number; verdict: number } | undefined;

  constructor(
    registry: Registry,
    private readonly q: MetricsQueries,
  ) {
    const registers = [registry];
    this.phases = new Histogram({
      name: 'fleetswap_rollout_phase_duration_seconds',
      help: 'Time rollouts spent in each phase (state; each wave is one phase, its switch and its bake), observed when the phase ended; a pause ends a phase too.',
      labelNames: ['phase'],
      buckets: PHASE_BUCKETS,
      registers,
    });
    this.staging = new Histogram({ name: 'fleetswap_host_staging_duration_seconds', help: 'Time hosts took to stage a release (fetch, verify, fsync), as each reported it.', buckets: STAGING_BUCKETS, registers });
    this.fetched = new Histogram({ name: 'fleetswap_host_staging_fetched_bytes', help: 'Bytes hosts fetched to stage a release (what their slots did not hold already), as each reported it.', buckets: BYTES_BUCKETS, registers });
    this.switching = new Histogram({
      name: 'fleetswap_host_switch_duration_seconds',
      help: 'Time from a cohort being told to switch to each of its hosts reporting itself live (switch, reload and health check, and the round trip).',
      buckets: SWITCH_BUCKETS,
      registers,
    });
    this.tests = new Counter({ name: 'fleetswap_verdict_tests_total', help: 'Tests in the verdicts given while this coordinator led, by metric, what it was compared with, and outcome.', labelNames: ['metric', 'versus', 'outcome'], registers });
  }

  /** moved times phases and remembers when each cohort was told to switch. */
  moved(m: Move): void {
    const id = m.rollout.id;
    const sameWave = m.from === 'wave' && m.to === 'wave' && m.wave === m.rollout.wave;
    if (!sameWave) {
      // Where the phase began: as moved into, or, for the first phase, the rollout's creation (this coordinator may have started since).
      const first = (m.rollout.kind === 'deploy' && m.from === 'staging') || (m.rollout.kind === 'rollback' && m.from === 'switching');
      const began = this.entered.get(id) ?? (first ? { state: m.from, atMs: m.rollout.created_at_ms } : undefined);
      if (began && began.state === m.from) this.phases.observe({ phase: m.from }, Math.max(0, m.atMs - began.atMs) / 1000);
      this.entered.set(id, { state: m.to, atMs: m.atMs });
    }
    if (m.to === 'canary' || m.to === 'wave') {
      const name = cohortName(m.to === 'canary' ? CANARY : wave(m.wave));
      let cohorts = this.cohortsFrom.get(id);
      if (!cohorts) {
        this.cohortsFrom.set(id, (cohorts = new Map()));
        // Dropped once read after the rollout ends; bounded all the same for a coordinator nobody scrapes.
        if (this.cohortsFrom.size > MAX_REMEMBERED) this.cohortsFrom.delete(this.cohortsFrom.keys().next().value as number);
      }
      // A resumed phase keeps the time its cohort was first told.
      if (!cohorts.has(name)) cohorts.set(name, m.atMs);
    }
    if (TERMINAL_ROLLOUT_STATES.has(m.to)) this.entered.delete(id);
  }

  /** forget drops where watching stood: a coordinator that does not lead counts nothing, and starts again from what is stored once it does. */
  forget(): void {
    this.next = undefined;
    this.watched.clear();
  }

  /** look observes what hosts reported and the verdicts given since the last look. */
  async look(): Promise<void> {
    if (!this.next) return this.begin();
    const from = Math.min(this.next.rollout, ...this.watched.keys());
    for (const r of await this.q.rolloutsFrom(from)) {
      let w = this.watched.get(r.id);
      if (!w && r.id >= this.next.rollout) this.watched.set(r.id, (w = { staged: new Set(), switched: new Set(), seen: { staged: 0, switched: 0 } }));
      this.next.rollout = Math.max(this.next.rollout, r.id + 1);
      if (!w) continue;
      await this.readReports(r.id, r.kind === 'rollback' ? r.created_at_ms : undefined, w, true);
      if (TERMINAL_ROLLOUT_STATES.has(r.state)) {
        this.watched.delete(r.id);
        this.cohortsFrom.delete(r.id);
      }
    }
    for (const v of await this.q.verdictTests(this.next.verdict, VERDICTS_PER_LOOK)) {
      for (const t of v.tests) this.tests.inc({ metric: t.metric, versus: t.versus, outcome: t.outcome });
      this.next.verdict = v.id;
    }
  }

  /** begin starts watching from what is stored now: a rollout in progress from its hosts' next reports. */
  private async begin(): Promise<void> {
    const last = await this.q.lastIds();
    this.next = { rollout: last.rollouts + 1, verdict: last.verdicts };
    for (const r of await this.q.rolloutsFrom(last.rollouts)) {
      if (TERMINAL_ROLLOUT_STATES.has(r.state)) continue;
      const w: Watched = { staged: new Set(), switched: new Set(), seen: { staged: 0, switched: 0 } };
      await this.readReports(r.id, undefined, w, false);
      this.watched.set(r.id, w);
    }
  }

  /** readReports observes the hosts of one rollout that reported since the last look (or, with observe false, only marks them seen). */
  private async readReports(rolloutId: number, rollbackFrom: number | undefined, w: Watched, observe: boolean): Promise<void> {
    const seen = await this.q.reported(rolloutId);
    if (seen.staged === w.seen.staged && seen.switched === w.seen.switched) return;
    w.seen = seen;
    // A rollback tells every host at once, when it is made; a deploy tells each cohort as its turn comes.
    const cohorts = this.cohortsFrom.get(rolloutId);
    for (const h of await this.q.reports(rolloutId)) {
      if (h.stats && !w.staged.has(h.host_id)) {
        w.staged.add(h.host_id);
        if (observe) {
          this.staging.observe(h.stats.duration_ms / 1000);
          this.fetched.observe(h.stats.bytes_fetched);
        }
      }
      if (h.switched_at_ms > 0 && !w.switched.has(h.host_id)) {
        w.switched.add(h.host_id);
        const told = rollbackFrom ?? cohorts?.get(h.cohort);
        if (observe && told !== undefined && h.switched_at_ms >= told) this.switching.observe((h.switched_at_ms - told) / 1000);
      }
    }
  }
}
