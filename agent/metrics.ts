import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DriftKind } from '../shared/domain.js';
import type { StagingStats__Output as StagingStats } from '../shared/gen/fleetswap/v1/StagingStats.js';
import { processMetrics } from '../shared/process-metrics.js';
import type { AgentEvents, Switched } from './events.js';

// One agent's Prometheus metrics, served by --metrics-listen
// (metrics-server.ts). Its own registry, never prom-client's global one.
// What happens (stagings, switches, drift findings) is counted as the agent
// does it (AgentEvents); what the agent holds (the live slot, the vitals
// buffer) is read from it at each scrape. Nothing here is secret: release
// ids and labels, slot numbers, counts and durations; no paths, no tokens,
// no keys.

/** AgentView is what a scrape reads from the agent (agent.ts `Agent` is one). */
export interface AgentView {
  liveRelease(): string;
  readonly slots: { liveIndex(): number | undefined };
  connected(): boolean;
  lastGeneration(): number;
  vitalsFigures(): { taken: number; sent: number; dropped: number; buffered: number };
}

const STAGING_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/** A switch is a rename and an fsync: well under a millisecond to a few on a busy disk. */
const SWITCH_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1];
const CHECK_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const DRIFT_KINDS: readonly DriftKind[] = ['content', 'symlink', 'clean'];
/** Labels remembered for releases this agent switched to; a host holds a handful of slots. */
const MAX_LABELS = 64;

export class AgentMetrics implements AgentEvents {
  readonly contentType: string;
  private readonly registry = new Registry();
  private view: AgentView | undefined;
  private readonly labels = new Map<string, string>();
  private rendering: Promise<string> | undefined;
  private readonly stagingSeconds: Histogram;
  private readonly fetchedBytes: Counter;
  private readonly stagedBytes: Counter;
  private readonly blobs: Counter<'from'>;
  private readonly switchSeconds: Histogram;
  private readonly checkSeconds: Histogram;
  private readonly switches: Counter<'outcome'>;
  private readonly driftFindings: Counter<'kind'>;

  constructor() {
    this.contentType = this.registry.contentType;
    const registers = [this.registry];
    processMetrics(this.registry);
    // Read at each scrape, from the agent.
    const live: Gauge<'release' | 'label' | 'slot'> = new Gauge({
      name: 'fleetswap_agent_live_info',
      help: 'The release live on this host (1): its id (first 12 hex digits), label (once this agent has switched to it; empty before) and slot; absent while nothing is live.',
      labelNames: ['release', 'label', 'slot'],
      registers,
      collect: () => {
        live.reset();
        const release = this.view?.liveRelease() ?? '';
        const slot = this.view?.slots.liveIndex();
        if (release && slot !== undefined) live.set({ release: release.slice(0, 12), label: this.labels.get(release) ?? '', slot: String(slot) }, 1);
      },
    });
    const gauge = (name: string, help: string, read: (v: AgentView) => number) => {
      const g: Gauge = new Gauge({ name, help, registers, collect: () => g.set(this.view ? read(this.view) : 0) });
    };
    gauge('fleetswap_agent_connected', '1 while the coordinator has accepted this agent on an open stream.', (v) => (v.connected() ? 1 : 0));
    gauge('fleetswap_agent_directive_generation', 'The newest directive generation this agent has applied.', (v) => v.lastGeneration());
    gauge('fleetswap_agent_vitals_buffered', 'Vitals samples waiting to be sent (the coordinator is away); past 600 the oldest are dropped.', (v) => v.vitalsFigures().buffered);
    const total = (name: string, help: string, read: (v: ReturnType<AgentView['vitalsFigures']>) => number) => {
      const c: Counter = new Counter({
        name,
        help,
        registers,
        collect: () => {
          c.reset();
          c.inc(this.view ? read(this.view.vitalsFigures()) : 0);
        },
      });
    };
    total('fleetswap_agent_vitals_taken_total', 'Vitals samples taken.', (v) => v.taken);
    total('fleetswap_agent_vitals_sent_total', 'Vitals samples sent to the coordinator.', (v) => v.sent);
    total('fleetswap_agent_vitals_dropped_total', 'Vitals samples dropped because the buffer overflowed while the coordinator was away.', (v) => v.dropped);

    // Counted as the agent acts.
    this.stagingSeconds = new Histogram({ name: 'fleetswap_agent_staging_duration_seconds', help: 'Time to stage a release: fetch what the slots lack, verify, fsync, commit into a slot.', buckets: STAGING_BUCKETS, registers });
    this.fetchedBytes = new Counter({ name: 'fleetswap_agent_staging_fetched_bytes_total', help: 'Bytes fetched from the coordinator to stage releases.', registers });
    this.stagedBytes = new Counter({ name: 'fleetswap_agent_staging_release_bytes_total', help: "Bytes of the releases staged (their files' sizes), fetched or copied from slots.", registers });
    this.blobs = new Counter({ name: 'fleetswap_agent_staging_blobs_total', help: 'Blobs staged, by where they came from: fetched, or reused from a slot.', labelNames: ['from'], registers });
    this.switchSeconds = new Histogram({ name: 'fleetswap_agent_switch_duration_seconds', help: 'Time of a switch proper: current renamed to the new slot, ROOT fsynced, the slot marked live.', buckets: SWITCH_BUCKETS, registers });
    this.checkSeconds = new Histogram({ name: 'fleetswap_agent_switch_check_duration_seconds', help: 'Time of the reload command and health probe after a switch.', buckets: CHECK_BUCKETS, registers });
    this.switches = new Counter({ name: 'fleetswap_agent_switches_total', help: 'Switches of current, by outcome: live, or check_failed: the reload or health check after it failed (the agent then switches back, when there is a slot to go back to).', labelNames: ['outcome'], registers });
    this.driftFindings = new Counter({ name: 'fleetswap_agent_drift_findings_total', help: 'Drift findings about the live tree, by kind: content (files differ), symlink (current moved by hand), clean (whole again).', labelNames: ['kind'], registers });
    for (const from of ['fetched', 'reused']) this.blobs.inc({ from }, 0);
    for (const outcome of ['live', 'check_failed']) this.switches.inc({ outcome }, 0);
    for (const kind of DRIFT_KINDS) this.driftFindings.inc({ kind }, 0);
  }

  /** watch gives the metrics the agent to read at each scrape (the agent is made with these metrics as its events, so after it). */
  watch(view: AgentView): void {
    this.view = view;
  }

  render(): Promise<string> {
    this.rendering ??= this.registry.metrics().finally(() => (this.rendering = undefined));
    return this.rendering;
  }

  staged(stats: StagingStats): void {
    this.stagingSeconds.observe(stats.duration_ms / 1000);
    this.fetchedBytes.inc(stats.bytes_fetched);
    this.stagedBytes.inc(stats.bytes_total);
    this.blobs.inc({ from: 'fetched' }, stats.blobs_fetched);
    this.blobs.inc({ from: 'reused' }, stats.blobs_reused);
  }

  switched(s: Switched): void {
    if (!this.labels.has(s.release_id) && this.labels.size >= MAX_LABELS) this.labels.delete(this.labels.keys().next().value as string);
    this.labels.set(s.release_id, s.label);
    this.switchSeconds.observe(s.switchMs / 1000);
    this.checkSeconds.observe(s.checkMs / 1000);
    this.switches.inc({ outcome: s.ok ? 'live' : 'check_failed' });
  }

  drift(kind: DriftKind): void {
    this.driftFindings.inc({ kind });
  }
}
