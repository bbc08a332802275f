import { BenchFleet, tmpfsBase } from '../fleet.js';
import { bytes, ms } from '../format.js';
import { now } from '../sim/protocol.js';
import { cpuPercent, usage } from '../sim/usage.js';
import { round } from '../stats.js';
import type { Scenario, ScenarioOptions, ScenarioResult } from './scenario.js';

const IDLE_MS = 10_000;

export const connectScenario: Scenario = {
  name: 'connect',
  description: 'N agents connect to one coordinator: time until all are registered, coordinator RSS and CPU',
  defaultAgents: 1000,
  run: runConnect,
};

async function runConnect({ agents, progress }: ScenarioOptions): Promise<ScenarioResult> {
  const base = tmpfsBase();
  progress(`starting a coordinator and ${agents} agents in worker processes`);
  const fleet = await BenchFleet.start(agents, { base });
  try {
    const connected = Math.max(...fleet.connectedAt.values()) - fleet.agentsStartedAt;
    const status = await fleet.client.call('Status', { rollout_id: 0 });
    if (status.hosts !== agents || status.connected !== agents) {
      throw new Error(`coordinator registered ${status.hosts} hosts, ${status.connected} connected; expected ${agents}`);
    }
    const pid = fleet.coordinatorPid();
    const afterConnect = usage(pid);
    progress(`all connected; watching the idle coordinator for ${IDLE_MS / 1000} s`);
    const t0 = now();
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const afterIdle = usage(pid);
    const figures = {
      agents,
      roots: base ?? 'disk',
      all_registered_ms: round(connected),
      coordinator: {
        rss_after_connect_bytes: afterConnect.rss_bytes,
        rss_per_agent_bytes: Math.round(afterConnect.rss_bytes / agents),
        cpu_ms_through_connect: round(afterConnect.cpu_ms),
        idle_cpu_percent: cpuPercent(afterConnect, afterIdle, now() - t0),
        rss_after_idle_bytes: afterIdle.rss_bytes,
      },
    };
    return {
      figures,
      targets: [],
      summary: [
        `${agents} agents (roots on ${base ?? 'disk'}) all registered ${ms(figures.all_registered_ms)} after their workers were told to start`,
        `coordinator RSS ${bytes(figures.coordinator.rss_after_connect_bytes)} (${bytes(figures.coordinator.rss_per_agent_bytes)} per agent, process included); ` +
          `CPU used from its start through the connects: ${ms(figures.coordinator.cpu_ms_through_connect)}`,
        `idle with ${agents} streams open for ${IDLE_MS / 1000} s: ${figures.coordinator.idle_cpu_percent}% of one core, RSS ${bytes(figures.coordinator.rss_after_idle_bytes)}`,
      ],
    };
  } finally {
    progress('stopping the fleet');
    await fleet.stop();
  }
}
