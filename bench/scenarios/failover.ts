import { join } from 'node:path';
import { push } from '../../cli/push.js';
import { BenchFleet, tmpfsBase, until } from '../fleet.js';
import { now } from '../sim/protocol.js';
import { ms } from '../format.js';
import { round } from '../stats.js';
import { buildFiles, changeFraction, writeTree } from '../tree.js';
import { target, type Scenario, type ScenarioOptions, type ScenarioResult } from './scenario.js';

const STAGE_TIMEOUT_MS = 10 * 60_000;
const SWITCH_TIMEOUT_MS = 60_000;
const FIRST_DIRECTIVE_TARGET_MS = 10_000;
const RECONNECTED_TARGET_MS = 30_000;
const TREE_FILES = 100;

export const failoverScenario: Scenario = {
  name: 'failover',
  description:
    'two coordinators on one PostgreSQL database; the leader SIGKILLed while half the hosts have staged a deploy: time to a new leader, to its first directive received by an agent, to every agent back, and to the deploy complete',
  defaultAgents: 1000,
  run: runFailover,
};

async function runFailover({ agents, progress }: ScenarioOptions): Promise<ScenarioResult> {
  const base = tmpfsBase();
  progress(`starting two coordinators and ${agents} agents (roots on ${base})`);
  const fleet = await BenchFleet.start(agents, { base, standbys: 1, backoff: { baseMs: 500, maxMs: 5_000 } });
  try {
    const v1 = buildFiles().filter((f) => f.size < 16 * 1024).slice(0, TREE_FILES);
    const v2 = changeFraction(v1, 0.05);
    await writeTree(join(fleet.dir, 'builds', 'v1'), v1);
    await writeTree(join(fleet.dir, 'builds', 'v2'), v2.files);
    const pushed = async (build: string, label: string) => (await push(fleet.client, join(fleet.dir, 'builds', build), { label, owner: 'bench', notes: '', irreversible: '' }, false)).release.id;

    progress('deploying release 1 everywhere');
    const r1 = await pushed('v1', 'bench-1');
    const firstDone = fleet.expect('ACTIVATED', r1, STAGE_TIMEOUT_MS + SWITCH_TIMEOUT_MS);
    await fleet.waitRollout(await fleet.startDeploy(r1, STAGE_TIMEOUT_MS, SWITCH_TIMEOUT_MS), STAGE_TIMEOUT_MS + SWITCH_TIMEOUT_MS);
    await firstDone;

    progress('deploying release 2; the leader is killed once half the hosts have staged it');
    const r2 = await pushed('v2', 'bench-2');
    const reports: number[] = [];
    const half = Math.ceil(agents / 2);
    let killing: Promise<number> | undefined;
    const staged = fleet.expect('STAGED', r2, STAGE_TIMEOUT_MS, (at) => {
      reports.push(at);
      if (reports.length === half) killing = fleet.killFirst();
    });
    const activated = fleet.expect('ACTIVATED', r2, STAGE_TIMEOUT_MS + SWITCH_TIMEOUT_MS, (at) => reports.push(at));
    const id = await fleet.startDeploy(r2, STAGE_TIMEOUT_MS, SWITCH_TIMEOUT_MS);
    await until('the leader to be killed', () => killing !== undefined, STAGE_TIMEOUT_MS);
    const killedAt = await (killing as Promise<number>);

    let ledAt = 0;
    await until('another coordinator to lead', async () => {
      const s = await fleet.client.call('Status', {}, 2_000).catch(() => undefined);
      if (s?.coordinators.some((c) => c.leader && c.name !== 'c0')) ledAt = now();
      return ledAt !== 0;
    }, 60_000);
    await until('every agent back', () => hostsBackSince(fleet, killedAt) === agents, 120_000);
    const backAt = Math.max(...firstConnectsSince(fleet, killedAt));
    const rollout = await fleet.waitRollout(id, STAGE_TIMEOUT_MS + SWITCH_TIMEOUT_MS);
    await Promise.all([staged, activated]);
    // Any directive an agent received after the kill was sent by the new leader: the old one is dead.
    const firstDirective = Math.min(...fleet.directives.filter((d) => d.at > killedAt).map((d) => d.at));
    // A report after the kill that came from a directive the new leader sent: the first one at or after it led.
    const firstAfter = reports.filter((at) => at >= ledAt).sort((a, b) => a - b)[0] ?? Infinity;
    const figures = {
      agents,
      new_leader_ms: round(ledAt - killedAt),
      first_directive_received_ms: round(firstDirective - killedAt),
      first_directive_carried_out_ms: round(firstAfter - killedAt),
      every_agent_back_ms: round(backAt - killedAt),
      deploy_done_after_kill_ms: round(now() - killedAt),
      rollout_state: rollout.state,
    };
    return {
      figures,
      targets: [
        target("SIGKILL -> the new leader's first directive received by an agent", figures.first_directive_received_ms, '<', FIRST_DIRECTIVE_TARGET_MS, 'ms'),
        target('SIGKILL -> every agent reconnected', figures.every_agent_back_ms, '<', RECONNECTED_TARGET_MS, 'ms'),
      ],
      summary: [
        `the leader SIGKILLed with ${half} of ${agents} hosts staged; the deploy ended ${rollout.state}`,
        `another coordinator led ${ms(figures.new_leader_ms)} after the kill (Status polled every 10 ms, 2 s timeout)`,
        `the new leader's first directive reached an agent ${ms(figures.first_directive_received_ms)} after the kill; the first report of one it sent came ${ms(figures.first_directive_carried_out_ms)} after it`,
        `every agent's stream accepted again: ${ms(figures.every_agent_back_ms)} after the kill; the deploy complete ${ms(figures.deploy_done_after_kill_ms)} after it`,
      ],
    };
  } finally {
    progress('stopping the fleet and removing its temp dir');
    await fleet.stop();
  }
}

/** hostsBackSince counts hosts whose hello was accepted after `since`. */
function hostsBackSince(fleet: BenchFleet, since: number): number {
  return new Set(fleet.connections.filter((c) => c.at > since).map((c) => c.host)).size;
}

/** firstConnectsSince is each host's first accepted hello after `since`. */
function firstConnectsSince(fleet: BenchFleet, since: number): number[] {
  const first = new Map<string, number>();
  for (const c of fleet.connections) if (c.at > since && !first.has(c.host)) first.set(c.host, c.at);
  return [...first.values()];
}
