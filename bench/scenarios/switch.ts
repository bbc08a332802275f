import { join } from 'node:path';
import { push } from '../../cli/push.js';
import type { Release__Output } from '../../shared/gen/fleetswap/v1/Release.js';
import type { StagingStats__Output } from '../../shared/gen/fleetswap/v1/StagingStats.js';
import { BenchFleet, tmpfsBase, until, type Ack } from '../fleet.js';
import { now } from '../sim/protocol.js';
import { bytes, ms } from '../format.js';
import { round, summarize, type Summary } from '../stats.js';
import { buildFiles, changeFraction, writeTree } from '../tree.js';
import { target, type Scenario, type ScenarioOptions, type ScenarioResult } from './scenario.js';

const STAGE_TIMEOUT_MS = 10 * 60_000;
const SWITCH_TIMEOUT_MS = 60_000;
const CHANGED_FRACTION = 0.01;
const SWITCH_TARGET_MS = 1000;
const RATIO_TARGET = 1.05;
const LARGE_FLEET = 100;
const SMALL_TREE_FILES = 100;

export const switchScenario: Scenario = {
  name: 'switch',
  description: 'deploy a 1% change in two phases, then roll back: time from switch start to each host, and bytes fetched',
  defaultAgents: 50,
  run: runSwitch,
};

async function runSwitch({ agents, progress }: ScenarioOptions): Promise<ScenarioResult> {
  // Past a hundred simulated hosts, one disk's fsyncs would stand in for a
  // hundred disks', and a few-MB tree per host would make the run a staging
  // benchmark: roots go to tmpfs and the tree shrinks to its small files.
  const large = agents > LARGE_FLEET;
  const base = large ? tmpfsBase() : undefined;
  progress(`starting a coordinator and ${agents} agents (roots on ${base ?? 'disk'})`);
  const fleet = await BenchFleet.start(agents, { base });
  try {
    const v1 = large ? buildFiles().filter((f) => f.size < 16 * 1024).slice(0, SMALL_TREE_FILES) : buildFiles();
    const v2 = changeFraction(v1, CHANGED_FRACTION);
    await writeTree(join(fleet.dir, 'builds', 'v1'), v1);
    await writeTree(join(fleet.dir, 'builds', 'v2'), v2.files);

    progress('pushing release 1 and deploying it to every host');
    const r1 = await pushBuild(fleet, 'v1', 'bench-1');
    const initial = await deploy(fleet, r1.id);

    progress('pushing release 2 and deploying it (the measured deploy)');
    const r2 = await pushBuild(fleet, 'v2', 'bench-2');
    const second = await deploy(fleet, r2.id);
    if (!(await fleet.liveEverywhere(r2.id))) throw new Error('release 2 is not live on every host after its deploy completed');

    progress('rolling back to release 1 (the measured rollback)');
    const rollback = await rollBack(fleet, r1.id);
    if (!(await fleet.liveEverywhere(r1.id))) throw new Error('release 1 is not live on every host after the rollback completed');

    const changedBytes = v2.changed.reduce((n, f) => n + f.size, 0);
    const transfer = transferFigures(second.staged, changedBytes);
    const tree = {
      files: v1.length,
      bytes: v1.reduce((n, f) => n + f.size, 0),
      changed_files: v2.changed.map((f) => f.path),
    };
    const figures = {
      agents,
      roots: base ?? 'disk',
      tree,
      initial_deploy_ms: round(initial.allActivated - initial.called),
      deploy: {
        staging_ms: round(second.switchStart - second.called),
        coordinator_switching_seen_ms: round(second.switchingSeen - second.switchStart),
        switch_ms: summarize(second.activated.map((a) => a.at - second.switchStart)),
      },
      rollback: { switch_ms: summarize(rollback.acks.map((a) => a.at - rollback.called)) },
      transfer,
    };
    return {
      figures,
      targets: [
        target('deploy switch, slowest host', figures.deploy.switch_ms.max, '<', SWITCH_TARGET_MS, 'ms'),
        target('rollback switch, slowest host', figures.rollback.switch_ms.max, '<', SWITCH_TARGET_MS, 'ms'),
        target('release 2 bytes fetched / needed, worst host', transfer.ratio_worst, '<=', RATIO_TARGET, 'ratio'),
      ],
      summary: [
        `roots: ${base ? `${base} (tmpfs)` : 'disk'}; tree: ${tree.files} files, ${bytes(tree.bytes)}; release 2 changes ${tree.changed_files.length} of them (${bytes(changedBytes)}): ${tree.changed_files.join(', ')}`,
        `initial deploy of release 1 (every host fetches everything, then switches): ${ms(figures.initial_deploy_ms)}`,
        `deploy of release 2: every host staged ${ms(figures.deploy.staging_ms)} after the Deploy call; ` +
          `Status showed 'wave' ${ms(figures.deploy.coordinator_switching_seen_ms)} after the last host staged (polled every 10 ms)`,
        '',
        timingTable([
          ['deploy switch (last host staged -> each ACTIVATED)', figures.deploy.switch_ms],
          ['rollback (Rollback call -> each ACTIVATED)', figures.rollback.switch_ms],
        ]),
        '',
        `release 2 per host: at most ${bytes(transfer.bytes_fetched.max)} of blobs fetched, plus the ${bytes(transfer.manifest_bytes)} manifest; ` +
          `the changed files are ${bytes(changedBytes)}`,
        `  (blob bytes + manifest) / (changed bytes + manifest): worst host ${transfer.ratio_worst.toFixed(3)}; ` +
          `blob bytes alone / changed bytes: ${transfer.blob_ratio_worst.toFixed(3)}`,
        `  blobs per host: at most ${transfer.blobs_fetched_max} fetched, at least ${transfer.blobs_reused_min} reused from the slots`,
      ],
    };
  } finally {
    progress('stopping the fleet and removing its temp dir');
    await fleet.stop();
  }
}

async function pushBuild(fleet: BenchFleet, build: string, label: string): Promise<Release__Output> {
  const res = await push(fleet.client, join(fleet.dir, 'builds', build), { label, owner: 'bench', notes: '', irreversible: '' }, false);
  return res.release;
}

interface DeployTimes {
  called: number;
  /** When the last host reported STAGED: from here on phase two is all that is left. */
  switchStart: number;
  /** When polling Status first showed the rollout past staging. */
  switchingSeen: number;
  allActivated: number;
  staged: Ack[];
  activated: Ack[];
}

/**
 * deploy runs a two-phase deploy with no canary. The origin of the switch
 * timings is the last host's STAGED report, taken in the agent: that is the
 * moment all hosts hold the release, and it includes what the coordinator
 * then spends deciding and sending. Polling Status only bounds that from
 * above, 10 ms at a time, so it is reported beside it, not used.
 *
 * Status runs on the event loop that the agents share, so it is polled only
 * from the last STAGED report until it shows the switch, and the rollout's
 * end only once every host has acked: polling never competes with the work
 * it measures for longer than it must.
 */
async function deploy(fleet: BenchFleet, releaseId: string): Promise<DeployTimes> {
  const staged = fleet.expect('STAGED', releaseId, STAGE_TIMEOUT_MS);
  const activated = fleet.expect('ACTIVATED', releaseId, STAGE_TIMEOUT_MS + SWITCH_TIMEOUT_MS);
  const called = now();
  // Promise.all, so that whichever fails first is reported and the others' rejections are handled.
  const [{ rolloutId, switchingSeen }, stagedAcks, activatedAcks] = await Promise.all([
    (async () => {
      const rolloutId = await fleet.startDeploy(releaseId, STAGE_TIMEOUT_MS, SWITCH_TIMEOUT_MS);
      await staged;
      return { rolloutId, switchingSeen: await pastStaging(fleet, rolloutId) };
    })(),
    staged,
    activated,
  ]);
  await fleet.waitRollout(rolloutId, SWITCH_TIMEOUT_MS);
  return {
    called,
    switchStart: Math.max(...stagedAcks.map((a) => a.at)),
    switchingSeen,
    allActivated: Math.max(...activatedAcks.map((a) => a.at)),
    staged: stagedAcks,
    activated: activatedAcks,
  };
}

/** pastStaging polls Status every 10 ms and returns when the rollout first showed a state after staging. */
async function pastStaging(fleet: BenchFleet, rolloutId: number): Promise<number> {
  await until(
    `rollout #${rolloutId} to leave staging`,
    async () => (await fleet.client.call('Status', { rollout_id: rolloutId })).rollout?.state !== 'staging',
    SWITCH_TIMEOUT_MS,
  );
  return now();
}

/** rollBack names release 1 explicitly, so the figure cannot depend on how "previous" is worked out. */
async function rollBack(fleet: BenchFleet, releaseId: string): Promise<{ called: number; acks: Ack[] }> {
  const activated = fleet.expect('ACTIVATED', releaseId, SWITCH_TIMEOUT_MS);
  const called = now();
  const [rolloutId, acks] = await Promise.all([
    fleet.client.rollout('Rollback', { to: releaseId, select: {}, actor: 'bench', reason: 'benchmark', force_irreversible: false }).then((r) => r.id),
    activated,
  ]);
  await fleet.waitRollout(rolloutId, SWITCH_TIMEOUT_MS);
  // A rollback that had to stage again would time a download, not a switch.
  const staging = acks.filter((a) => a.report.stats);
  if (staging.length > 0) throw new Error(`${staging.length} host(s) had to stage release 1 again: it was not kept in a slot`);
  return { called, acks };
}

/**
 * transferFigures compares what each host fetched for release 2 with the
 * least it could: the changed files plus the manifest. The agent's
 * bytes_fetched counts blob bytes only, while the manifest comes by its own
 * call, so the manifest is added on both sides of the ratio.
 */
function transferFigures(staged: Ack[], changedBytes: number) {
  const stats = staged.map((a): StagingStats__Output => {
    if (!a.report.stats) throw new Error(`${a.host} reported STAGED without staging stats`);
    return a.report.stats;
  });
  const manifestBytes = Math.max(...stats.map((s) => s.manifest_bytes));
  const fetched = summarize(stats.map((s) => s.bytes_fetched));
  return {
    bytes_fetched: { min: fetched.min, median: fetched.median, max: fetched.max },
    manifest_bytes: manifestBytes,
    changed_bytes: changedBytes,
    blobs_fetched_max: Math.max(...stats.map((s) => s.blobs_fetched)),
    blobs_reused_min: Math.min(...stats.map((s) => s.blobs_reused)),
    ratio_worst: fourDigits(Math.max(...stats.map((s) => (s.bytes_fetched + s.manifest_bytes) / (changedBytes + s.manifest_bytes)))),
    blob_ratio_worst: fourDigits(fetched.max / changedBytes),
  };
}

function fourDigits(x: number): number {
  return Number(x.toFixed(4));
}

function timingTable(rows: [string, Summary][]): string {
  const head = ['', 'median', 'p99', 'max', 'skew'];
  const width = Math.max(...rows.map(([name]) => name.length));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(width) : c.padStart(10))).join('');
  return [line(head), ...rows.map(([name, s]) => line([name, ms(s.median), ms(s.p99), ms(s.max), ms(s.skew)]))].join('\n');
}
