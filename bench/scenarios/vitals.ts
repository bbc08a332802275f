import { BenchFleet, tmpfsBase } from '../fleet.js';
import { bytes } from '../format.js';
import { now } from '../sim/protocol.js';
import { cpuPercent, usage } from '../sim/usage.js';
import { target, type Scenario, type ScenarioOptions, type ScenarioResult } from './scenario.js';

const WARMUP_MS = 5_000;
const WINDOW_MS = 60_000;
const SETTLE_MS = 2_000;
const CPU_TARGET_PERCENT = 100;
const RSS_TARGET_MIB = 1024;

export const vitalsScenario: Scenario = {
  name: 'vitals',
  description: 'N agents send vitals at 1 sample/s for 60 s: coordinator CPU and RSS, samples sent versus stored, database write rate',
  defaultAgents: 2000,
  run: runVitals,
};

async function runVitals({ agents, progress }: ScenarioOptions): Promise<ScenarioResult> {
  const base = tmpfsBase();
  progress(`starting a coordinator and ${agents} agents, vitals at 1 Hz (synthetic metrics)`);
  const fleet = await BenchFleet.start(agents, { base, vitalsIntervalMs: 1000 });
  try {
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const pid = fleet.coordinatorPid();
    const before = usage(pid);
    const storedBefore = (await fleet.client.call('Status', { rollout_id: 0 })).vitals?.stored ?? 0;
    const t0 = now();
    progress(`measuring for ${WINDOW_MS / 1000} s`);
    let peakRss = before.rss_bytes;
    while (now() - t0 < WINDOW_MS) {
      await new Promise((r) => setTimeout(r, 1000));
      peakRss = Math.max(peakRss, usage(pid).rss_bytes);
    }
    const after = usage(pid);
    const wall = now() - t0;
    const storedAfter = (await fleet.client.call('Status', { rollout_id: 0 })).vitals?.stored ?? 0;
    const sent = await fleet.quietVitals();
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const counters = (await fleet.client.call('Status', { rollout_id: 0 })).vitals;
    if (!counters) throw new Error('coordinator reported no vitals counters');
    const lost = sent.sent - counters.received;
    const figures = {
      agents,
      window_ms: Math.round(wall),
      coordinator: { cpu_percent: cpuPercent(before, after, wall), rss_bytes: after.rss_bytes, peak_rss_bytes: peakRss },
      samples: { taken: sent.taken, sent: sent.sent, ...counters, lost_in_transit: lost },
      sqlite_rows_per_s: Math.round(((storedAfter - storedBefore) / wall) * 1000),
    };
    return {
      figures,
      targets: [
        target('coordinator CPU, % of one core', figures.coordinator.cpu_percent, '<', CPU_TARGET_PERCENT, 'percent'),
        target('coordinator peak RSS', Math.round(peakRss / 1024 ** 2), '<', RSS_TARGET_MIB, 'MiB'),
        target('samples lost (sent - received) + refused + dropped', lost + counters.refused + sent.dropped, '<=', 0, 'count'),
      ],
      summary: [
        `${agents} agents at 1 sample/s, measured over ${(wall / 1000).toFixed(1)} s (after ${WARMUP_MS / 1000} s warm-up)`,
        `coordinator: ${figures.coordinator.cpu_percent}% of one core, RSS ${bytes(after.rss_bytes)} (peak ${bytes(peakRss)})`,
        `samples: ${sent.taken} taken, ${sent.sent} sent, ${counters.received} received, ${counters.stored} stored, ${counters.refused} refused, ` +
          `${sent.dropped} dropped by agents, ${lost} lost in transit`,
        `database: ${figures.sqlite_rows_per_s} rows/s written during the window`,
      ],
    };
  } finally {
    progress('stopping the fleet');
    await fleet.stop();
  }
}
