import { Counter, Gauge, Registry } from 'prom-client';
import { DRIFT_EVENT_KINDS, DRIFT_STATES, type DriftState } from '../shared/drift.js';
import { processMetrics } from '../shared/process-metrics.js';
import type { VitalsCounters__Output as VitalsCounters } from '../shared/gen/fleetswap/v1/VitalsCounters.js';
import { stateOf } from './drift.js';
import { RowCounts } from './metrics-counts.js';
import { RolloutObservations } from './metrics-rollouts.js';
import { moveWatch } from './move-watch.js';
import type { RolloutRow, Store } from './store.js';
import { MetricsQueries, type OpenDrift } from './store/metrics-queries.js';

// The coordinator's Prometheus metrics (README "Metrics" lists them). Its own
// registry, never prom-client's global one: two coordinators in one process
// (tests, the benchmark) each show their own. Everything is computed when
// scraped, from what the coordinator already has: the database (aggregate
// queries, store/metrics-queries.ts), its agent streams, the vitals sink's
// and the edge's counters; the rollout engine only tells of its moves
// (move-watch.ts). Labels are bounded: states, kinds and outcomes the code
// names, release labels (the most-run MAX_RELEASES, the rest as "other"), and
// the active rollout's id, never a host.

/** MetricsSource is what the metrics read from a coordinator (coordinator.ts `Coordinator` is one). */
export interface MetricsSource {
  readonly store: Store;
  readonly fleet: { isConnected(hostId: string): boolean; connectedCount(): number };
  readonly vitals: { stats(): VitalsCounters };
  readonly refusals: { snapshot(): Record<string, number> };
  /** This coordinator may act: it holds the lease, or it is the only one. */
  readonly leading: boolean;
}

/** Releases shown by name in fleetswap_hosts_by_release; hosts on any other are counted as "other". */
export const MAX_RELEASES = 20;

/**
 * CoordinatorMetrics renders a coordinator's metrics in Prometheus' text
 * format for the HTTP listener's /metrics. A follower (another coordinator
 * leads the database) shows only whether it leads, the lease's epoch, the
 * halt (the database's), its own counters and its process: the fleet's
 * figures come from the leader alone, so summing over coordinators counts
 * each host once.
 */
export class CoordinatorMetrics {
  readonly contentType: string;
  private readonly registry = new Registry();
  private readonly q: MetricsQueries;
  private readonly rollouts: RolloutObservations;
  private rendering: Promise<string> | undefined;
  /** Watching rollouts from what is stored when made (a failure is retried at the first scrape). */
  private readonly begun: Promise<void>;
  private readonly driftCounts: RowCounts;
  private readonly verdictCounts: RowCounts;

  private readonly leader: Gauge;
  private readonly epoch: Gauge;
  private readonly streams: Gauge;
  private readonly halted: Gauge;
  private readonly byState: Gauge<'state'>;
  private readonly byRelease: Gauge<'release'>;
  private readonly rolloutInfo: Gauge<'id' | 'kind' | 'release' | 'from_release' | 'state' | 'phase' | 'paused_by'>;
  private readonly deadline: Gauge<'id'>;
  private readonly rolloutStage: Gauge<'stage'>;
  private readonly rolloutSwitch: Gauge<'switch'>;
  private readonly driftOpen: Gauge<'kind'>;
  private readonly driftOldest: Gauge<'kind'>;
  private readonly rolloutsTotal: Counter<'kind' | 'outcome'>;
  private readonly verdictsTotal: Counter<'phase' | 'outcome'>;
  private readonly driftTotal: Counter<'kind'>;
  private readonly vitalsReceived: Counter;
  private readonly vitalsStored: Counter;
  private readonly vitalsRefused: Counter;
  private readonly vitalsDropped: Counter<'by'>;
  private readonly refused: Counter<'kind'>;

  constructor(private readonly source: MetricsSource) {
    this.contentType = this.registry.contentType;
    this.q = new MetricsQueries(source.store.db);
    const registers = [this.registry];
    processMetrics(this.registry);
    this.rollouts = new RolloutObservations(this.registry, this.q);
    this.driftCounts = new RowCounts(async (after, upTo) => (await this.q.driftEvents(after, upTo)).map((r) => ({ ...r, key: r.kind })));
    this.verdictCounts = new RowCounts(async (after, upTo) => (await this.q.verdicts(after, upTo)).map((r) => ({ ...r, key: verdictKey(r) })));
    moveWatch.listen(source.store, (m) => this.rollouts.moved(m));
    // From now on, not from the first scrape: a rollout between the two is counted.
    this.begun = source.leading ? this.rollouts.look().catch(() => undefined) : Promise.resolve();

    this.leader = new Gauge({ name: 'fleetswap_leader', help: '1 if this coordinator leads (acts on the fleet), 0 if it follows another sharing its database.', registers });
    this.epoch = new Gauge({ name: 'fleetswap_leader_epoch', help: "The leader's lease epoch, which grows each time the lead changes hands (0 on SQLite: one coordinator, no lease).", registers });
    this.streams = new Gauge({ name: 'fleetswap_agent_streams', help: 'Agent streams open on this coordinator (gRPC AgentService.Connect).', registers });
    this.halted = new Gauge({ name: 'fleetswap_halted', help: '1 while the fleet is halted (fleetswap halt): nothing switches until fleetswap unhalt.', registers });
    this.byState = new Gauge({ name: 'fleetswap_hosts_by_state', help: 'Hosts by state, as fleetswap hosts and drift show it.', labelNames: ['state'], registers });
    this.byRelease = new Gauge({ name: 'fleetswap_hosts_by_release', help: `Hosts by the release they serve (its label; "none": nothing live; "other": past the ${MAX_RELEASES} most served).`, labelNames: ['release'], registers });
    this.rolloutInfo = new Gauge({
      name: 'fleetswap_rollout_info',
      help: 'The active rollout (1), if any: its id, kind, release, the release it replaces, state, phase (the state it paused in, when paused) and who paused it (operator or coordinator, when paused).',
      labelNames: ['id', 'kind', 'release', 'from_release', 'state', 'phase', 'paused_by'],
      registers,
    });
    this.deadline = new Gauge({ name: 'fleetswap_rollout_deadline_timestamp_seconds', help: "When the active rollout's phase pauses if it has not moved on, by rollout id; absent when it has no deadline.", labelNames: ['id'], registers });
    this.rolloutStage = new Gauge({ name: 'fleetswap_rollout_hosts_by_stage', help: "The active rollout's hosts (those taking part) by staging state.", labelNames: ['stage'], registers });
    this.rolloutSwitch = new Gauge({ name: 'fleetswap_rollout_hosts_by_switch', help: "The active rollout's hosts (those taking part) by switch state.", labelNames: ['switch'], registers });
    this.driftOpen = new Gauge({ name: 'fleetswap_drift_unresolved', help: 'Drift events not resolved yet, by kind.', labelNames: ['kind'], registers });
    this.driftOldest = new Gauge({ name: 'fleetswap_drift_oldest_unresolved_timestamp_seconds', help: 'When the oldest unresolved drift event of each kind was detected; absent when none is open.', labelNames: ['kind'], registers });
    this.rolloutsTotal = new Counter({ name: 'fleetswap_rollouts_total', help: 'Rollouts that ended, by kind and outcome (from the database: every rollout ever).', labelNames: ['kind', 'outcome'], registers });
    this.verdictsTotal = new Counter({ name: 'fleetswap_verdicts_total', help: 'Verdicts given, by judged phase and outcome (from the database: a verdict is kept each time its outcome changes).', labelNames: ['phase', 'outcome'], registers });
    this.driftTotal = new Counter({ name: 'fleetswap_drift_events_total', help: 'Drift events detected, by kind (from the database).', labelNames: ['kind'], registers });
    this.vitalsReceived = new Counter({ name: 'fleetswap_vitals_received_total', help: 'Vitals samples received from agents (a sample sent again after a reconnect counts once).', registers });
    this.vitalsStored = new Counter({ name: 'fleetswap_vitals_stored_total', help: 'Vitals samples written to the database.', registers });
    this.vitalsRefused = new Counter({ name: 'fleetswap_vitals_refused_total', help: 'Vitals samples refused: out of time, or with counts no interval could hold.', registers });
    this.vitalsDropped = new Counter({ name: 'fleetswap_vitals_dropped_total', help: "Vitals samples dropped: by agents whose buffer overflowed while the coordinator was away, or by the coordinator over a host's rate.", labelNames: ['by'], registers });
    this.refused = new Counter({ name: 'fleetswap_refusals_total', help: 'What the coordinator refused at its edge, by kind (as fleetswap status shows).', labelNames: ['kind'], registers });
  }

  /** render is the exposition text of every metric, computed now; scrapes that arrive while one is computed share it. */
  render(): Promise<string> {
    this.rendering ??= this.collect()
      .then(() => this.registry.metrics())
      .finally(() => (this.rendering = undefined));
    return this.rendering;
  }

  private async collect(): Promise<void> {
    await this.begun;
    const { source } = this;
    const leading = source.leading;
    this.leader.set(leading ? 1 : 0);
    this.streams.set(source.fleet.connectedCount());
    const v = source.vitals.stats();
    const refusals = source.refusals.snapshot();
    setTotal(this.vitalsReceived, v.received);
    setTotal(this.vitalsStored, v.stored);
    setTotal(this.vitalsRefused, v.refused);
    setTotals(this.vitalsDropped, [
      [{ by: 'agent' }, v.dropped_by_agents],
      [{ by: 'coordinator' }, refusals['vitals-throttled'] ?? 0],
    ]);
    setTotals(
      this.refused,
      Object.entries(refusals).map(([kind, n]) => [{ kind }, n]),
    );
    const [epoch, halt] = await Promise.all([this.q.leaseEpoch(), source.store.meta.halt()]);
    this.epoch.set(epoch);
    // The database's, so the same on every coordinator sharing it.
    this.halted.set(halt.halted ? 1 : 0);
    if (!leading) {
      for (const g of [this.byState, this.byRelease, this.rolloutInfo, this.deadline, this.rolloutStage, this.rolloutSwitch, this.driftOpen, this.driftOldest, this.rolloutsTotal, this.verdictsTotal, this.driftTotal]) g.reset();
      this.rollouts.forget();
      return;
    }
    await Promise.all([this.hosts(), this.releases(), this.activeRollout(), this.tables(), this.rollouts.look()]);
  }

  private async hosts(): Promise<void> {
    const [standings, open] = await Promise.all([this.q.hostStandings(), this.q.openDrift()]);
    const byHost = new Map<string, OpenDrift[]>();
    for (const e of open) (byHost.get(e.host) ?? byHost.set(e.host, []).get(e.host)!).push(e);
    const counts = new Map<DriftState, number>(DRIFT_STATES.map((s) => [s, 0]));
    for (const h of standings) {
      const s = stateOf(h, byHost.get(h.id) ?? [], this.source.fleet.isConnected(h.id));
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    for (const [state, n] of counts) this.byState.set({ state }, n);
    const byKind = new Map<string, { n: number; oldest: number }>();
    for (const e of open) {
      const k = byKind.get(e.kind) ?? { n: 0, oldest: e.detected_at_ms };
      byKind.set(e.kind, { n: k.n + 1, oldest: Math.min(k.oldest, e.detected_at_ms) });
    }
    this.driftOpen.reset();
    this.driftOldest.reset();
    for (const kind of DRIFT_EVENT_KINDS) this.driftOpen.set({ kind }, byKind.get(kind)?.n ?? 0);
    for (const [kind, k] of byKind) this.driftOldest.set({ kind }, k.oldest / 1000);
  }

  private async releases(): Promise<void> {
    const rows = await this.q.liveReleases();
    this.byRelease.reset();
    let other = 0;
    rows.forEach((r, i) => {
      if (i < MAX_RELEASES) this.byRelease.inc({ release: r.release_id ? (r.label ?? r.release_id.slice(0, 12)) : 'none' }, r.n);
      else other += r.n;
    });
    if (other > 0) this.byRelease.set({ release: 'other' }, other);
  }

  private async activeRollout(): Promise<void> {
    const { store } = this.source;
    const r = await store.rollouts.active();
    this.rolloutInfo.reset();
    this.deadline.reset();
    this.rolloutStage.reset();
    this.rolloutSwitch.reset();
    if (!r) return;
    const [release, from, counts] = await Promise.all([this.labelOf(r.release_id), this.labelOf(r.from_release), store.rolloutHosts.counts(r.id)]);
    this.rolloutInfo.set({ id: String(r.id), kind: r.kind, release, from_release: from, state: r.state, phase: r.state === 'paused' ? r.paused_from : r.state, paused_by: pausedBy(r) }, 1);
    if (r.deadline_ms > 0) this.deadline.set({ id: String(r.id) }, r.deadline_ms / 1000);
    for (const [stage, n] of Object.entries(counts.stage)) this.rolloutStage.set({ stage }, n);
    for (const [sw, n] of Object.entries(counts.switch)) this.rolloutSwitch.set({ switch: sw }, n);
  }

  private async labelOf(id: string): Promise<string> {
    if (!id) return 'none';
    return (await this.q.label(id)) ?? id.slice(0, 12);
  }

  /** tables sets the counters kept as rows: rollouts by how they ended (a small table), drift events and verdicts (RowCounts); every usual series starts at 0, so increase() sees the first one. */
  private async tables(): Promise<void> {
    const [outcomes, drift, verdicts] = await Promise.all([this.q.rolloutOutcomes(), this.driftCounts.totals(), this.verdictCounts.totals()]);
    const ended = zeros(ENDINGS);
    for (const o of outcomes) ended.set(`${o.kind}\0${o.state}`, (ended.get(`${o.kind}\0${o.state}`) ?? 0) + o.n);
    setTotals(this.rolloutsTotal, split(ended, 'kind', 'outcome'));
    setTotals(
      this.driftTotal,
      [...new Map([...zeros(DRIFT_EVENT_KINDS), ...drift])].map(([kind, n]) => [{ kind }, n]),
    );
    setTotals(this.verdictsTotal, split(new Map([...zeros(VERDICTS), ...verdicts]), 'phase', 'outcome'));
  }




}

/** How rollouts end, by kind (rollout/moves.ts ALLOWED), as kind\0outcome. */
const ENDINGS = [
  ...['complete', 'rolled_back', 'aborted', 'failed', 'superseded'].map((o) => `deploy\0${o}`),
  ...['complete', 'failed', 'aborted', 'superseded'].map((o) => `rollback\0${o}`),
];
/** The judged phases and verdict outcomes, as phase\0outcome. */
const VERDICTS = ['judging', 'wave', 'watching'].flatMap((p) => ['pending', 'pass', 'fail', 'hold'].map((o) => `${p}\0${o}`));

const zeros = (keys: readonly string[]): Map<string, number> => new Map(keys.map((k) => [k, 0]));

/** split turns counts keyed a\0b into label sets. */
function split<A extends string, B extends string>(counts: ReadonlyMap<string, number>, a: A, b: B): [Record<A | B, string>, number][] {
  return [...counts].map(([key, n]) => {
    const [x = '', y = ''] = key.split('\0');
    return [{ [a]: x, [b]: y } as Record<A | B, string>, n];
  });
}

/** verdictKey is a verdict's phase and outcome as one key; every wave is phase "wave", so the label stays bounded. */
const verdictKey = (v: { phase: string; outcome: string }): string => `${v.phase.startsWith('wave') ? 'wave' : v.phase}\0${v.outcome}`;

/**
 * pausedBy says who paused a rollout: an operator's pause is stored as
 * "paused by NAME" (rollout/core.ts `pause`); any other pause is the
 * coordinator's own (a phase past its deadline, an irreversible release
 * that failed its verdict), which waits on a person to decide.
 */
function pausedBy(r: Pick<RolloutRow, 'state' | 'message'>): string {
  if (r.state !== 'paused') return '';
  return r.message.startsWith('paused by ') ? 'operator' : 'coordinator';
}

/** setTotal shows a total kept elsewhere (a table, a counter object) as a Prometheus counter. */
function setTotal(c: Counter, n: number): void {
  c.reset();
  c.inc(n);
}

function setTotals<L extends string>(c: Counter<L>, totals: readonly (readonly [Partial<Record<L, string>>, number])[]): void {
  c.reset();
  for (const [labels, n] of totals) c.inc(labels, n);
}
