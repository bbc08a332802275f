import { describe, expect, it } from 'vitest';
import { aStore } from '../test/database.js';
import { Metrics, promtoolCheckMetrics } from '../test/prometheus.js';
import { CoordinatorMetrics, MAX_RELEASES, type MetricsSource } from './metrics.js';
import { anEngine as engineOn, releaseId, type EngineSetup, type TestRollout } from './rollout/testing.js';

// The coordinator's metrics over the rollout engine in-process (a real
// store on the suite's backend, a fake fleet, a clock moved by hand): what
// each figure says after the moves that make it. test/metrics.test.ts
// scrapes a real coordinator and agents with a real Prometheus.

const SEC = 1_000;
const anEngine = async (setup: EngineSetup = {}): Promise<TestRollout> => engineOn({ ...setup, store: await aStore() });

const NO_VITALS = { received: 0, stored: 0, refused: 0, dropped_by_agents: 0 };

function metricsOf(t: TestRollout, over: Partial<MetricsSource> = {}): { metrics: CoordinatorMetrics; scrape: () => Promise<Metrics> } {
  const metrics = new CoordinatorMetrics({
    store: t.store,
    fleet: { isConnected: (id) => t.fleet.connected.has(id), connectedCount: () => t.fleet.connected.size },
    vitals: { stats: () => NO_VITALS },
    refusals: { snapshot: () => ({}) },
    leading: true,
    ...over,
  });
  return { metrics, scrape: async () => new Metrics(await metrics.render()) };
}

/** histogram is a histogram's count and sum, and its cumulative count at each bound. */
function histogram(m: Metrics, name: string, labels: Record<string, string> = {}): { count: number; sum: number; le: (bound: string) => number | undefined } {
  return { count: m.value(`${name}_count`, labels) ?? 0, sum: m.value(`${name}_sum`, labels) ?? 0, le: (bound) => m.value(`${name}_bucket`, { ...labels, le: bound }) };
}

describe('coordinator metrics', () => {
  it('counts a two-phase deploy: phases timed, switches timed from the cohort being told, the outcome, hosts by state and release', async () => {
    const t = await anEngine({ hosts: 3 });
    const { scrape } = metricsOf(t);
    await scrape();
    await t.deploy({ canary: '0', waves: '100%', watch_for: '0s' });
    let m = await scrape();
    expect(m.value('fleetswap_rollout_info', { state: 'staging' })).toBe(1);
    expect(m.all('fleetswap_rollout_info')[0]?.labels).toMatchObject({ id: '1', kind: 'deploy', release: 'v2', from_release: 'v1', phase: 'staging', paused_by: '' });
    expect(m.value('fleetswap_rollout_hosts_by_stage', { stage: 'pending' })).toBe(3);
    expect(m.value('fleetswap_rollout_deadline_timestamp_seconds')).toBeGreaterThan(t.clock.now() / 1000);

    await t.advance(7 * SEC);
    await t.stageAll(); // staging took 7 s; wave 1 is told to switch now
    await t.advance(2 * SEC);
    const [h1, h2, h3] = await t.hosts();
    await t.report(h1!.host_id, 'ACTIVATED');
    await t.report(h2!.host_id, 'ACTIVATED');
    m = await scrape();
    expect(m.value('fleetswap_rollout_hosts_by_switch', { switch: 'done' })).toBe(2);
    expect(m.value('fleetswap_hosts_by_state', { state: 'converging' })).toBe(1);
    await t.advance(3 * SEC);
    await t.report(h3!.host_id, 'ACTIVATED');
    expect(await t.state()).toBe('complete');

    m = await scrape();
    expect(m.all('fleetswap_rollout_info')).toEqual([]);
    expect(m.value('fleetswap_rollouts_total', { kind: 'deploy', outcome: 'complete' })).toBe(1);
    expect(m.value('fleetswap_rollouts_total', { kind: 'deploy', outcome: 'rolled_back' })).toBe(0);
    const staging = histogram(m, 'fleetswap_rollout_phase_duration_seconds', { phase: 'staging' });
    expect(staging).toMatchObject({ count: 1, sum: 7 });
    expect(histogram(m, 'fleetswap_rollout_phase_duration_seconds', { phase: 'wave' })).toMatchObject({ count: 1, sum: 5 });
    const switches = histogram(m, 'fleetswap_host_switch_duration_seconds');
    expect(switches).toMatchObject({ count: 3, sum: 2 + 2 + 5 });
    expect(switches.le('2')).toBe(2);
    expect(switches.le('5')).toBe(3);
    expect(m.value('fleetswap_hosts_by_state', { state: 'in-sync' })).toBe(3);
    expect(m.sum('fleetswap_hosts_by_state')).toBe(3);
    expect(m.value('fleetswap_hosts_by_release', { release: 'v2' })).toBe(3);
    expect(m.value('fleetswap_halted')).toBe(0);
    expect(m.value('fleetswap_leader')).toBe(1);
    expect(m.value('fleetswap_leader_epoch')).toBe(0);
    expect(await promtoolCheckMetrics(m.text)).toEqual({ code: 0, out: '' });

    // A second look counts nothing twice.
    m = await scrape();
    expect(histogram(m, 'fleetswap_host_switch_duration_seconds').count).toBe(3);
    expect(histogram(m, 'fleetswap_rollout_phase_duration_seconds', { phase: 'staging' }).count).toBe(1);
  });

  it('says who paused: the coordinator at a deadline, an operator by hand; and the halt', async () => {
    const t = await anEngine({ hosts: 2 });
    const { scrape } = metricsOf(t);
    await t.deploy({ canary: '0', waves: '100%', stage_timeout_ms: 30 * SEC });
    await t.advance(31 * SEC);
    expect(await t.state()).toBe('paused');
    let m = await scrape();
    expect(m.all('fleetswap_rollout_info')[0]?.labels).toMatchObject({ state: 'paused', phase: 'staging', paused_by: 'coordinator' });
    expect(m.all('fleetswap_rollout_deadline_timestamp_seconds')).toEqual([]);

    await t.resume();
    await t.pause({ reason: 'lunch' });
    m = await scrape();
    expect(m.all('fleetswap_rollout_info')[0]?.labels).toMatchObject({ state: 'paused', paused_by: 'operator' });
    expect(histogram(m, 'fleetswap_rollout_phase_duration_seconds', { phase: 'paused' }).count).toBe(1);

    await t.halt();
    m = await scrape();
    expect(m.value('fleetswap_halted')).toBe(1);
  });

  it('counts hosts offline, drift open and detected, and releases past the most served as "other"', async () => {
    const releases = Object.fromEntries(Array.from({ length: MAX_RELEASES + 2 }, (_, i) => [`r${i}`, '']));
    const hosts = Object.keys(releases).map((label, i) => ({ id: `h${i}`, live: label, online: i !== 0 }));
    const t = await anEngine({ hosts, releases });
    const { scrape } = metricsOf(t);
    const at = t.clock.now();
    await t.store.driftEvents.insert({ host: 'h1', kind: 'content-drift', release_id: releaseId('r1'), paths: [], path_count: 1, detail: '', detected_at_ms: at - 60 * SEC, action: 'reported', resolved_at_ms: null });
    await t.store.driftEvents.insert({ host: 'h2', kind: 'symlink-moved', release_id: releaseId('r2'), paths: [], path_count: 0, detail: '', detected_at_ms: at, action: 'reported', resolved_at_ms: at });
    const m = await scrape();
    expect(m.value('fleetswap_hosts_by_state', { state: 'offline' })).toBe(1);
    expect(m.value('fleetswap_hosts_by_state', { state: 'content-drift' })).toBe(1);
    expect(m.value('fleetswap_agent_streams')).toBe(hosts.length - 1);
    expect(m.value('fleetswap_drift_events_total', { kind: 'content-drift' })).toBe(1);
    expect(m.value('fleetswap_drift_events_total', { kind: 'symlink-moved' })).toBe(1);
    expect(m.value('fleetswap_drift_events_total', { kind: 'version-drift' })).toBe(0);
    expect(m.value('fleetswap_drift_unresolved', { kind: 'content-drift' })).toBe(1);
    expect(m.value('fleetswap_drift_unresolved', { kind: 'symlink-moved' })).toBe(0);
    expect(m.value('fleetswap_drift_oldest_unresolved_timestamp_seconds', { kind: 'content-drift' })).toBe((at - 60 * SEC) / 1000);
    expect(m.all('fleetswap_hosts_by_release')).toHaveLength(MAX_RELEASES + 1);
    expect(m.value('fleetswap_hosts_by_release', { release: 'other' })).toBe(2);
    expect(m.sum('fleetswap_hosts_by_release')).toBe(hosts.length);
  });

  it('shows a follower nothing of the fleet: only that it follows, its own counters and its process', async () => {
    const t = await anEngine({ hosts: 2 });
    await t.deploy();
    const { scrape } = metricsOf(t, { leading: false, vitals: { stats: () => ({ ...NO_VITALS, received: 5, stored: 4, refused: 1 }) }, refusals: { snapshot: () => ({ 'vitals-throttled': 2, unauthenticated: 3 }) } });
    const m = await scrape();
    expect(m.value('fleetswap_leader')).toBe(0);
    for (const name of ['fleetswap_hosts_by_state', 'fleetswap_rollout_info', 'fleetswap_rollout_deadline_timestamp_seconds', 'fleetswap_rollouts_total', 'fleetswap_drift_unresolved']) expect(m.all(name)).toEqual([]);
    expect(m.value('fleetswap_vitals_received_total')).toBe(5);
    expect(m.value('fleetswap_vitals_stored_total')).toBe(4);
    expect(m.value('fleetswap_vitals_refused_total')).toBe(1);
    expect(m.value('fleetswap_vitals_dropped_total', { by: 'coordinator' })).toBe(2);
    expect(m.value('fleetswap_refusals_total', { kind: 'unauthenticated' })).toBe(3);
    expect(m.value('process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(await promtoolCheckMetrics(m.text)).toEqual({ code: 0, out: '' });
  });
});
