import { BenchFleet, tmpfsBase, until } from '../fleet.js';
import { ms } from '../format.js';
import { round, summarize } from '../stats.js';
import type { Scenario, ScenarioOptions, ScenarioResult } from './scenario.js';

const BACK_TIMEOUT_MS = 120_000;
const WINDOW_MS = 100;
const BUCKET_MS = 1000;

export const reconnectStormScenario: Scenario = {
  name: 'reconnect-storm',
  description: 'the coordinator SIGKILLed and restarted under N agents: time until all are back, and how reconnects spread',
  defaultAgents: 1000,
  run: runStorm,
};

async function runStorm({ agents, progress }: ScenarioOptions): Promise<ScenarioResult> {
  const base = tmpfsBase();
  progress(`starting a coordinator and ${agents} agents`);
  const fleet = await BenchFleet.start(agents, { base });
  try {
    progress('SIGKILL the coordinator and start it again on the same address');
    const seen = fleet.connections.length;
    const { killedAt, listeningAt } = await fleet.restartCoordinator();
    await until(
      `${agents} agents back`,
      () => new Set(fleet.connections.slice(seen).map((c) => c.host)).size >= agents,
      BACK_TIMEOUT_MS,
    );
    const first = new Map<string, number>();
    for (const c of fleet.connections.slice(seen)) if (!first.has(c.host)) first.set(c.host, c.at);
    const back = [...first.values()].map((at) => at - listeningAt).sort((a, b) => a - b);
    const busiest = busiestWindow(back, WINDOW_MS);
    const histogram = buckets(back, BUCKET_MS);
    const figures = {
      agents,
      restart_ms: round(listeningAt - killedAt),
      back_after_listening_ms: summarize(back),
      all_back_ms: round(back.at(-1) ?? 0),
      busiest_100ms_window: busiest,
      per_second: histogram,
    };
    return {
      figures,
      targets: [],
      summary: [
        `coordinator down for ${ms(figures.restart_ms)} (SIGKILL to listening again)`,
        `all ${agents} agents back ${ms(figures.all_back_ms)} after it listened; per agent: median ${ms(figures.back_after_listening_ms.median)}, ` +
          `p99 ${ms(figures.back_after_listening_ms.p99)}`,
        `spread: at most ${busiest} reconnects (${((busiest / agents) * 100).toFixed(1)}%) in any ${WINDOW_MS} ms; per second after listening: ${histogram.join(' ')}`,
      ],
    };
  } finally {
    progress('stopping the fleet');
    await fleet.stop();
  }
}

/** busiestWindow is the most reconnects that fall in any window of `width` ms (sorted input). */
function busiestWindow(sorted: number[], width: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while ((sorted[i] as number) - (sorted[j] as number) > width) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

function buckets(values: number[], width: number): number[] {
  const out: number[] = [];
  for (const v of values) {
    const b = Math.max(0, Math.floor(v / width));
    while (out.length <= b) out.push(0);
    out[b] = (out[b] as number) + 1;
  }
  return out;
}
