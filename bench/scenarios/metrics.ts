import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoordinatorMetrics } from '../../coordinator/metrics.js';
import { anEngine, releaseId, type TestRollout } from '../../coordinator/rollout/testing.js';
import { Store } from '../../coordinator/store.js';
import { PgDb } from '../../coordinator/store/pg-db.js';
import { databaseKind } from '../fleet.js';
import { ms } from '../format.js';
import { startPostgres, type PgCluster } from '../pg-cluster.js';
import { now } from '../sim/protocol.js';
import { summarize } from '../stats.js';
import { target, type Scenario, type ScenarioOptions, type ScenarioResult } from './scenario.js';

/*
 * A /metrics scrape of the coordinator at N hosts: CoordinatorMetrics.render()
 * as the coordinator's HTTP listener calls it, timed in this process (the
 * listener's own HTTP cost is not in it). The state is what a coordinator
 * holds mid-rollout, built with the rollout engine in-process
 * (coordinator/rollout/testing.ts) on a real store (a SQLite file, or
 * PostgreSQL with --database postgres): N hosts, one in twenty offline, a
 * deploy whose canaries are live and being judged, and a history of past
 * rollouts, verdicts and drift events, so that what grows with time is there.
 */

const PAST_ROLLOUTS = 500;
const PAST_VERDICTS = 5_000;
const PAST_DRIFT = 2_000;
const WARMUP = 5;
const SCRAPES = 200;
const SCRAPE_TARGET_MS = 50;

export const metricsScenario: Scenario = {
  name: 'metrics',
  description: 'a /metrics scrape of the coordinator (CoordinatorMetrics.render) at N hosts with a rollout in progress',
  defaultAgents: 1000,
  run: runMetrics,
};

async function runMetrics({ agents, progress }: ScenarioOptions): Promise<ScenarioResult> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetswap-bench-metrics-'));
  let cluster: PgCluster | undefined;
  try {
    let store: Store;
    if (databaseKind() === 'postgres') {
      cluster = await startPostgres();
      store = await Store.open(new PgDb(await cluster.aDatabase('bench')));
    } else {
      store = await Store.sqlite(join(dir, 'state.db'));
    }
    progress(`building the state: ${agents} hosts, ${PAST_ROLLOUTS} past rollouts, ${PAST_VERDICTS} verdicts, ${PAST_DRIFT} drift events, a canary being judged`);
    const hosts = Array.from({ length: agents }, (_, i) => ({ id: `web-${String(i + 1).padStart(4, '0')}`, tags: { dc: i % 2 ? 'east' : 'west' }, online: i % 20 !== 0 }));
    const t = await anEngine({ hosts, store });
    await history(t);
    await t.deploy({ canary: '2%', waves: '25%,100%', bake: '10m', skip_offline: true });
    await t.stageAll();
    await t.switchAll();
    const metrics = new CoordinatorMetrics({
      store,
      fleet: { isConnected: (id) => t.fleet.connected.has(id), connectedCount: () => t.fleet.connected.size },
      vitals: { stats: () => ({ received: 0, stored: 0, refused: 0, dropped_by_agents: 0 }) },
      refusals: { snapshot: () => ({}) },
      leading: true,
    });
    progress(`scraping ${SCRAPES} times (after ${WARMUP} to warm up), state ${(await t.rollout()).state}`);
    let bytes = 0;
    for (let i = 0; i < WARMUP; i++) bytes = (await metrics.render()).length;
    const times: number[] = [];
    for (let i = 0; i < SCRAPES; i++) {
      const started = now();
      await metrics.render();
      times.push(now() - started);
    }
    await store.close();
    const s = summarize(times);
    return {
      figures: { hosts: agents, past_rollouts: PAST_ROLLOUTS, past_verdicts: PAST_VERDICTS, past_drift_events: PAST_DRIFT, scrapes: SCRAPES, render_ms: s, exposition_bytes: bytes },
      targets: [target(`median scrape at ${agents} hosts`, s.median, '<', SCRAPE_TARGET_MS, 'ms')],
      summary: [`render(): median ${ms(s.median)}, p99 ${ms(s.p99)}, max ${ms(s.max)} over ${SCRAPES} scrapes; ${bytes} bytes of exposition text`],
    };
  } finally {
    await cluster?.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

/** history adds what a coordinator that has run for months holds: ended rollouts, their verdicts, drift found and resolved. */
async function history(t: TestRollout): Promise<void> {
  const { store } = t;
  const at = t.clock.now();
  const evidence = ['errors', 'load1', 'cpu_pct', 'probe_ms'].flatMap((metric) =>
    ['baseline', 'before'].map((versus) => ({ metric, versus, canary: 1, base: 1, effect: 0, statistic: 0, p: 1, threshold: 0.001, outcome: 'ok', detail: '', alpha_share: 0.001, tolerance: 0.1, unit: '' })),
  );
  await store.tx(async () => {
    for (let i = 0; i < PAST_ROLLOUTS; i++) {
      const id = await store.rollouts.insert({ kind: 'deploy', state: 'staging', release_id: releaseId('v2'), from_release: releaseId('v1'), actor: 'bench', reason: '', selector: {}, message: '', created_at_ms: at, updated_at_ms: at, deadline_ms: 0, switch_timeout_ms: 0, plan: { canary_hosts: 1, waves: [100], bake_ms: 0, wave_bake_ms: 0, watch_ms: 0, manual_promote: false, spread: '' } });
      await store.rollouts.update(id, { state: i % 10 === 0 ? 'rolled_back' : 'complete', updated_at_ms: at });
      for (let v = 0; v < PAST_VERDICTS / PAST_ROLLOUTS; v++) await store.verdicts.insert(id, { phase: v % 2 ? 'judging' : 'wave 1', outcome: v % 3 ? 'pass' : 'pending', reason: '', metrics: evidence, cohorts: [], at_ms: at });
    }
    for (let i = 0; i < PAST_DRIFT; i++) {
      await store.driftEvents.insert({ host: `web-${String((i % 50) + 1).padStart(4, '0')}`, kind: 'content-drift', release_id: releaseId('v1'), paths: [], path_count: 1, detail: '', detected_at_ms: at, action: 'reverted', resolved_at_ms: i < PAST_DRIFT - 3 ? at : null });
    }
  });
}
