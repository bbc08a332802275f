import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { bootstrapToken } from '../../coordinator/auth.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { AdminClient } from '../../cli/admin-client.js';
import { push } from '../../cli/push.js';
import { Coordinator } from '../../coordinator/coordinator.js';
import { silentLogger } from '../../shared/log.js';
import { TERMINAL_ROLLOUT_STATES } from '../../shared/domain.js';
import { ALL_AT_ONCE } from '../../shared/plan.js';
import { spawnAgent, type AgentProcess } from '../agent-process.js';
import { bytes } from '../format.js';
import { clockTicks, samplePhase, type PhaseFigures } from '../proc.js';
import { changeFraction, webBuildFiles, writeTree } from '../tree.js';
import { target, type Scenario, type ScenarioOptions, type ScenarioResult } from './scenario.js';

const SAMPLE_MS = 500;
const IDLE_MS = 30_000;
const CHANGED_FRACTION = 0.01;
const RSS_TARGET_MIB = 60;
const MiB = 1024 * 1024;
const CONNECT_TIMEOUT_MS = 30_000;
const DEPLOY_TIMEOUT_MS = 10 * 60_000;
// Polling runs in this process, not the agent's: slow enough to cost the machine little, quick enough to end a phase on time.
const POLL_MS = 100;
const HOST_ID = 'footprint-1';
const QUIET_HOST_ID = 'footprint-quiet';
/** Deploys select the measured agent by this tag. */
const DEPLOY_TAG = ['bench', 'footprint'] as const;

export const agentFootprintScenario: Scenario = {
  name: 'agent-footprint',
  description: 'one agent in its own OS process (--agents is ignored): RSS and CPU while idle and while staging and switching releases',
  defaultAgents: 1,
  run: runAgentFootprint,
};

async function runAgentFootprint({ progress }: ScenarioOptions): Promise<ScenarioResult> {
  const hz = clockTicks();
  const dir = await mkdtemp(join(tmpdir(), 'fleetswap-footprint-'));
  try {
    const v1 = webBuildFiles();
    const v2 = changeFraction(v1, CHANGED_FRACTION);
    progress(`writing two builds of ${v1.length} files into ${dir}`);
    await writeTree(join(dir, 'v1'), v1);
    await writeTree(join(dir, 'v2'), v2.files);
    // The coordinator runs in this process: the agent's process is the one measured.
    const coordinator = await Coordinator.start({ dataDir: join(dir, 'coordinator'), listen: '127.0.0.1:0', log: silentLogger(), signing: { allowUnsigned: true }, transport: { insecure: true } });
    const client = new AdminClient(coordinator.address, await bootstrapToken(join(dir, 'coordinator')), { insecure: true });
    try {
      progress('pushing both releases before any agent starts, so that pushing is in no phase');
      const releases = [await pushBuild(client, join(dir, 'v1'), 'footprint-1'), await pushBuild(client, join(dir, 'v2'), 'footprint-2')] as const;
      const phases = await measure({ client, coordinator: coordinator.address, dir, hz, progress }, releases);
      const treeBytes = v1.reduce((n, f) => n + f.size, 0);
      const named: [string, PhaseFigures][] = [
        ['idle, vitals off (--vitals-interval 0s)', phases.idle_vitals_off],
        ['idle, vitals every 1 s (the default)', phases.idle],
        [`deploy of release 1 (${bytes(treeBytes)}, all fetched)`, phases.deploy_full],
        [`deploy of release 2 (${v2.changed.length} files changed)`, phases.deploy_delta],
      ];
      return {
        figures: {
          agents: 1,
          sample_every_ms: SAMPLE_MS,
          clock_ticks_per_second: hz,
          tree: { files: v1.length, bytes: treeBytes, changed_files: v2.changed.length },
          phases,
        },
        targets: named.map(([name, p]) => target(`agent RSS, ${name}, max sample`, mib(p.rss_bytes.max), '<=', RSS_TARGET_MIB, 'MiB')),
        summary: [
          "one agent at a time (node bin/fleetswap.js agent, its own process) against a coordinator in the benchmark's process;",
          '--agents is ignored by this scenario (one agent, whatever it says)',
          `/proc/PID sampled every ${SAMPLE_MS} ms: VmRSS, and utime+stime in clock ticks (CLK_TCK ${hz}); CPU % is of one core`,
          `tree: ${v1.length} files, ${bytes(treeBytes)}; agents log at info level to a file, as they would to the journal`,
          'the first idle phase is a separate agent started with --vitals-interval 0s; the others are one agent with default settings,',
          'which samples vitals (load, CPU, memory; error-log lines and health probe when configured) every second and sends them',
          '',
          phaseTable(named),
          '',
          'peak: VmHWM, reset at the start of each phase, so it catches what falls between two samples.',
        ],
      };
    } finally {
      client.close();
      await coordinator.stop();
    }
  } finally {
    progress(`removing ${dir}`);
    await rm(dir, { recursive: true, force: true });
  }
}

interface Bench {
  client: AdminClient;
  coordinator: string;
  dir: string;
  hz: number;
  progress: ScenarioOptions['progress'];
}

/**
 * measure runs the phases. The agent with vitals off is stopped before the
 * measured one starts, and deploys select the measured one by tag, so the
 * stopped host counts for nothing.
 */
async function measure(b: Bench, [r1, r2]: readonly [string, string]) {
  const idle_vitals_off = await withAgent(b, QUIET_HOST_ID, ['--vitals-interval', '0s'], (agent) => idlePhase(b, agent));
  return withAgent(b, HOST_ID, ['--tag', `${DEPLOY_TAG[0]}=${DEPLOY_TAG[1]}`], async (agent) => {
    const idle = await idlePhase(b, agent);
    b.progress('staging and switching release 1 (every blob fetched)');
    const deploy_full = await samplePhase(agent.pid, SAMPLE_MS, b.hz, () => deploy(b.client, r1, agent));
    b.progress('staging and switching release 2 (1% changed, the rest copied from the live slot)');
    const deploy_delta = await samplePhase(agent.pid, SAMPLE_MS, b.hz, () => deploy(b.client, r2, agent));
    return { idle_vitals_off, idle, deploy_full, deploy_delta };
  });
}

function idlePhase(b: Bench, agent: AgentProcess): Promise<PhaseFigures> {
  b.progress(`agent ${agent.id} (pid ${agent.pid}) idle for ${IDLE_MS / 1000} s`);
  return samplePhase(agent.pid, SAMPLE_MS, b.hz, () => sleep(IDLE_MS));
}

/** withAgent starts an agent, waits until the coordinator has it connected, runs fn, and stops it whatever happens. */
async function withAgent<T>(b: Bench, id: string, flags: string[], fn: (agent: AgentProcess) => Promise<T>): Promise<T> {
  const logFile = join(b.dir, `${id}.log`);
  const agent = await spawnAgent({ coordinator: b.coordinator, id, root: join(b.dir, id), flags, logFile });
  try {
    await waitFor(`${id} to connect`, async () => (await b.client.call('ListHosts', {})).hosts.some((h) => h.id === id && h.connected), CONNECT_TIMEOUT_MS, agent);
    return await fn(agent);
  } finally {
    b.progress(`stopping ${id}`);
    if (!(await agent.stop())) b.progress(`${id} did not exit within 10 s of SIGTERM and was killed`);
  }
}

async function pushBuild(client: AdminClient, build: string, label: string): Promise<string> {
  const { release } = await push(client, build, { label, owner: 'bench', notes: '', irreversible: '' }, false);
  return release.id;
}

/** deploy puts a release live on the one host and returns once the coordinator says the rollout is complete. */
async function deploy(client: AdminClient, releaseId: string, agent: AgentProcess): Promise<void> {
  const rollout = await client.rollout('Deploy', {
    release: releaseId,
    select: { [DEPLOY_TAG[0]]: DEPLOY_TAG[1] },
    ...ALL_AT_ONCE,
    skip_offline: false,
    actor: 'bench',
    reason: 'benchmark',
    stage_timeout_ms: DEPLOY_TIMEOUT_MS,
    switch_timeout_ms: DEPLOY_TIMEOUT_MS,
  });
  let state = rollout.state;
  let message = rollout.message;
  await waitFor(
    `rollout #${rollout.id} to end`,
    async () => {
      const r = (await client.call('Status', { rollout_id: rollout.id })).rollout;
      state = r?.state ?? state;
      message = r?.message ?? message;
      return TERMINAL_ROLLOUT_STATES.has(state);
    },
    DEPLOY_TIMEOUT_MS,
    agent,
  );
  if (state !== 'complete') throw new Error(`rollout #${rollout.id} ended ${state}: ${message}`);
}

/** waitFor polls until fn holds; an agent that has exited meanwhile fails it at once, with the end of its log. */
async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs: number, agent: AgentProcess): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await fn())) {
    if (!agent.running()) throw new Error(`${agent.id} exited while waiting for ${what}; its log ends:\n${await logTail(agent.logFile)}`);
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${agent.id}'s log ends:\n${await logTail(agent.logFile)}`);
    await sleep(POLL_MS);
  }
}

async function logTail(file: string): Promise<string> {
  return (await readFile(file, 'utf8').catch(() => '')).trimEnd().split('\n').slice(-5).join('\n');
}

function mib(n: number): number {
  return Math.round((n / MiB) * 10) / 10;
}

function phaseTable(phases: [string, PhaseFigures][]): string {
  const head = ['', 'time', 'samples', 'RSS median', 'p99', 'max', 'peak', 'CPU mean', 'CPU max'];
  const width = Math.max(...phases.map(([name]) => name.length));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(width) : c.padStart(i === 3 ? 12 : 10))).join('');
  const row = ([name, p]: [string, PhaseFigures]) =>
    line([
      name,
      `${p.seconds.toFixed(1)} s`,
      String(p.samples),
      bytes(p.rss_bytes.median),
      bytes(p.rss_bytes.p99),
      bytes(p.rss_bytes.max),
      bytes(p.peak_rss_bytes),
      `${p.cpu_percent_mean.toFixed(1)}%`,
      `${p.cpu_percent_max.toFixed(1)}%`,
    ]);
  return [line(head), ...phases.map(row)].join('\n');
}
