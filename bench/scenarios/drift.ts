import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_BYTES_PER_SECOND, verifyTree, type VerifyResult } from '../../agent/verify.js';
import { push } from '../../cli/push.js';
import { buildManifest, type Manifest } from '../../shared/manifest.js';
import { walkTree } from '../../shared/tree.js';
import type { DriftHost__Output } from '../../shared/gen/fleetswap/v1/DriftHost.js';
import { BenchFleet, tmpfsBase, type Ack } from '../fleet.js';
import { bytes, ms } from '../format.js';
import { now } from '../sim/protocol.js';
import { round, summarize, type Summary } from '../stats.js';
import { buildFiles, webBuildFiles, writeTree, type TreeFile } from '../tree.js';
import { target, type Scenario, type ScenarioOptions, type ScenarioResult } from './scenario.js';

/*
 * Drift, end to end, on the fleet simulator: every agent watches its live
 * tree (agent/drift-watch.ts); the benchmark changes one file in a host's
 * live tree, as someone with a shell would, and times how long until the
 * coordinator has the drift on record (its Drift admin RPC shows a
 * content-drift event for the host) and until the host is back in sync (the
 * coordinator's REPAIR rebuilt the tree into a fresh slot and switched to
 * it). The periodic full verification is set to 10 min, so what is timed is
 * the file watch, not a verification that happened to run.
 *
 * Then, without the fleet: one full verification (agent/verify.ts
 * verifyTree) of a 10,000-file tree, in this process, unthrottled and at the
 * agent's default read rate: wall time and CPU time.
 */

const STAGE_TIMEOUT_MS = 5 * 60_000;
const SWITCH_TIMEOUT_MS = 60_000;
/** Long, so that no full verification runs while watch detection is measured. */
const VERIFY_INTERVAL_MS = 10 * 60_000;
const RELEASE_FILES = 50;
/** Hosts changed at once; each host is changed once, so the run covers every host in turns. */
const TURN = 10;
/** How often the coordinator's drift report is read. */
const POLL_MS = 15;
/** How long one host may take to be seen drifted and then repaired before the run fails. */
const HOST_TIMEOUT_MS = 60_000;
/**
 * After the deploy, before the first change: each agent's watcher follows
 * the new live slot within one read-back of `current` (500 ms) and chokidar
 * then scans the slot before it reports changes. Nothing says from outside
 * when that is done, so the run waits well past it.
 */
const WATCH_SETTLE_MS = 3_000;
const DETECT_TARGET_MS = 2_000;
const SYNC_TARGET_MS = 5_000;
const VERIFY_FILES_HALF = 5_000;

export const driftScenario: Scenario = {
  name: 'drift',
  description: 'a file changed in a live tree: time until the coordinator has it and until the host is back in sync; time and CPU of a full verification of 10,000 files',
  defaultAgents: 100,
  run: runDrift,
};

interface HostRun {
  host: string;
  file: string;
  /** now() just before the file was written. */
  changedAt: number;
  /** Date.now() at the same moment: detected_at in the report is the agent's wall clock. */
  changedWall: number;
  /** First poll that showed a content-drift event for the host. */
  seenAt?: number;
  /** Whether that event was already resolved when first seen (then seenAt only bounds detection from above, by more than a poll). */
  seenResolved?: boolean;
  /** The event's detected_at (agent wall clock, ms). */
  detectedWall?: number;
  /** First poll that showed the event resolved and the host in-sync. */
  syncedAt?: number;
}

async function runDrift({ agents, progress }: ScenarioOptions): Promise<ScenarioResult> {
  const base = tmpfsBase();
  progress(`starting a coordinator and ${agents} agents watching their live trees (roots on ${base ?? 'disk'})`);
  const fleet = await BenchFleet.start(agents, { base, driftWatch: true, verifyIntervalMs: VERIFY_INTERVAL_MS });
  let watch: Awaited<ReturnType<typeof measureWatch>>;
  try {
    watch = await measureWatch(fleet, progress);
  } finally {
    progress('stopping the fleet and removing its temp dir');
    await fleet.stop();
  }
  // The fleet is gone before this starts: on a small machine its idle work would otherwise share the cores.
  const verify = await measureVerify(base, progress);

  const figures = { agents, roots: base ?? 'disk', ...watch.figures, full_verification: verify.figures };
  return {
    figures,
    targets: [
      target('change -> drift on record at the coordinator, slowest host', watch.figures.detect_ms.max, '<', DETECT_TARGET_MS, 'ms'),
      target('change -> host back in sync (coordinator), slowest host', watch.figures.in_sync_ms.max, '<', SYNC_TARGET_MS, 'ms'),
    ],
    summary: [...watch.summary, '', ...verify.summary],
  };
}

// ---- the file watch: detection and repair ----

async function measureWatch(fleet: BenchFleet, progress: ScenarioOptions['progress']) {
  // Small files of the generated build, evenly spread over its directories.
  const small = buildFiles().filter((f) => f.size < 16 * 1024);
  const files = Array.from({ length: RELEASE_FILES }, (_, k) => small[Math.floor((k * small.length) / RELEASE_FILES)] as TreeFile);
  const build = join(fleet.dir, 'builds', 'v1');
  await writeTree(build, files);
  progress(`pushing a ${files.length}-file release and deploying it to every host`);
  const { release } = await push(fleet.client, build, { label: 'drift-1', owner: 'bench', notes: '', irreversible: '' }, false);
  const deployMs = await deploy(fleet, release.id);
  if (!(await fleet.liveEverywhere(release.id))) throw new Error('the release is not live on every host after its deploy completed');
  progress(`deployed in ${ms(deployMs)}; waiting ${WATCH_SETTLE_MS / 1000} s for every watcher to follow the live slot`);
  await sleep(WATCH_SETTLE_MS);

  const before = await fleet.client.call('Drift', {});
  const dirty = before.hosts.filter((h) => h.state !== 'in-sync' || h.events.length > 0);
  if (dirty.length > 0) throw new Error(`${dirty.length} host(s) not in sync with no drift before any change, e.g. ${dirty[0]?.host}: ${dirty[0]?.state}`);

  // Every host is changed once, so the agents' first REPAIRED for the release is the one each change caused.
  const repaired = fleet.expect('REPAIRED', release.id, (Math.ceil(fleet.agents / TURN) + 1) * HOST_TIMEOUT_MS);
  repaired.catch(() => undefined); // awaited below; a failure meanwhile must not count as unhandled
  const hosts = before.hosts.map((h) => h.host).sort();
  const turns = Math.ceil(hosts.length / TURN);
  const runs: HostRun[] = [];
  const rpcMs: number[] = [];
  for (let t = 0; t < turns; t++) {
    // Turn t takes hosts t, t + turns, t + 2 * turns, ...: each turn spans the fleet (and every worker).
    const mine = hosts.filter((_, i) => i % turns === t);
    progress(`turn ${t + 1} of ${turns}: changing one live file on ${mine.length} hosts`);
    const turn: HostRun[] = [];
    for (const host of mine) {
      const i = hosts.indexOf(host);
      const file = (files[(i * 7) % files.length] as TreeFile).path;
      const run: HostRun = { host, file, changedAt: now(), changedWall: Date.now() };
      await writeFile(join(fleet.dir, 'hosts', host, 'current', file), `changed on ${host} by the drift benchmark\n`);
      turn.push(run);
    }
    await follow(fleet, turn, rpcMs);
    runs.push(...turn);
  }
  const acks = new Map((await repaired).map((a): [string, Ack] => [a.host, a]));

  const detect = summarize(runs.map((r) => (r.seenAt as number) - r.changedAt));
  const agentDetect = summarize(runs.map((r) => (r.detectedWall as number) - r.changedWall));
  const repairedMs = summarize(runs.map((r) => (acks.get(r.host) as Ack).at - r.changedAt));
  const inSync = summarize(runs.map((r) => (r.syncedAt as number) - r.changedAt));
  const rpc = summarize(rpcMs);
  const seenResolved = runs.filter((r) => r.seenResolved).length;
  const reused = [...acks.values()].map((a) => a.report.stats?.blobs_reused ?? 0);
  const fetched = [...acks.values()].map((a) => a.report.stats?.blobs_fetched ?? 0);

  const figures = {
    release: { files: files.length, bytes: files.reduce((n, f) => n + f.size, 0) },
    deploy_ms: round(deployMs),
    changed_hosts: runs.length,
    hosts_per_turn: TURN,
    poll_ms: POLL_MS,
    drift_rpc_ms: rpc,
    detect_ms: detect,
    agent_detected_at_ms: agentDetect,
    repaired_report_ms: repairedMs,
    in_sync_ms: inSync,
    first_seen_already_resolved: seenResolved,
    repair_blobs: { fetched_max: Math.max(...fetched), reused_min: Math.min(...reused) },
  };
  return {
    figures,
    summary: [
      `release: ${files.length} files, ${bytes(figures.release.bytes)}, deployed to ${fleet.agents} hosts in ${ms(deployMs)}; agents watch their live slot (chokidar), full verification every ${VERIFY_INTERVAL_MS / 60_000} min`,
      `each host had one file of its live tree rewritten, ${Math.min(TURN, runs.length)} hosts at a time spread over the fleet (${runs.length} changes);`,
      `the coordinator's Drift RPC was read every ${POLL_MS} ms (one call took median ${ms(rpc.median)}, max ${ms(rpc.max)})`,
      '',
      timingTable([
        ['change -> content-drift event at the coordinator (polled)', detect],
        ['  of which: change -> detected_at (agent wall clock)', agentDetect],
        ['change -> REPAIRED report sent by the agent', repairedMs],
        ['change -> resolved and in-sync at the coordinator (polled)', inSync],
      ]),
      '',
      `repair: each host fetched at most ${figures.repair_blobs.fetched_max} blob(s) and reused at least ${figures.repair_blobs.reused_min} from its drifted slot`,
      ...(seenResolved > 0 ? [`${seenResolved} host(s) were already repaired when their event was first seen: their detection figure is an upper bound`] : []),
    ],
  };
}

/** deploy runs a two-phase deploy of every host and returns how long it took, call to rollout complete. */
async function deploy(fleet: BenchFleet, releaseId: string): Promise<number> {
  const activated = fleet.expect('ACTIVATED', releaseId, STAGE_TIMEOUT_MS + SWITCH_TIMEOUT_MS);
  const called = now();
  const [rolloutId] = await Promise.all([fleet.startDeploy(releaseId, STAGE_TIMEOUT_MS, SWITCH_TIMEOUT_MS), activated]);
  await fleet.waitRollout(rolloutId, SWITCH_TIMEOUT_MS);
  return now() - called;
}

/**
 * follow reads the coordinator's drift report until every host of the turn
 * has been seen drifted and then back in sync. Calls are back to back with a
 * pause between, never overlapping, so polling cannot pile up on the
 * coordinator it measures.
 */
async function follow(fleet: BenchFleet, turn: HostRun[], rpcMs: number[]): Promise<void> {
  const deadline = now() + HOST_TIMEOUT_MS;
  for (;;) {
    const asked = now();
    const report = await fleet.client.call('Drift', {});
    const at = now();
    rpcMs.push(at - asked);
    const byHost = new Map(report.hosts.map((h): [string, DriftHost__Output] => [h.host, h]));
    for (const r of turn) {
      const h = byHost.get(r.host);
      const event = h?.events.find((e) => e.kind === 'content-drift');
      if (!h || !event) continue;
      if (r.seenAt === undefined) {
        r.seenAt = at;
        r.seenResolved = event.resolved_at !== '';
        r.detectedWall = Date.parse(event.detected_at);
        if (!event.paths.some((p) => p.path === r.file)) throw new Error(`${r.host}: drift event names ${JSON.stringify(event.paths)}, not ${r.file}`);
      }
      if (r.syncedAt === undefined && event.resolved_at !== '' && h.state === 'in-sync') {
        if (!event.action.startsWith('reverted: rebuilt')) throw new Error(`${r.host}: drift resolved as ${JSON.stringify(event.action)}, not by a repair`);
        r.syncedAt = at;
      }
    }
    if (turn.every((r) => r.syncedAt !== undefined)) return;
    if (at > deadline) {
      const late = turn.filter((r) => r.syncedAt === undefined).map((r) => `${r.host} (${r.seenAt === undefined ? 'not seen drifted' : 'not back in sync'}: ${byHost.get(r.host)?.state})`);
      throw new Error(`after ${HOST_TIMEOUT_MS / 1000} s: ${late.join(', ')}`);
    }
    await sleep(Math.max(0, asked + POLL_MS - now()));
  }
}

// ---- one full verification ----

/**
 * verifyFiles is 10,000 files in the shape of bench/tree.ts's large web
 * build: two of them (seeds 1 and 2, under a/ and b/), every file half its
 * size, so the total stays about the 50 MB of one.
 */
function verifyFiles(): TreeFile[] {
  const half = (prefix: string, seed: number) => webBuildFiles(seed).map((f) => ({ ...f, path: `${prefix}/${f.path}`, size: Math.max(1, Math.floor(f.size / 2)) }));
  const files = [...half('a', 1), ...half('b', 2)];
  if (files.length !== 2 * VERIFY_FILES_HALF) throw new Error(`the verification tree has ${files.length} files, not ${2 * VERIFY_FILES_HALF}`);
  return files;
}

interface VerifyRun {
  rate: string;
  wall_ms: number;
  cpu_user_ms: number;
  cpu_system_ms: number;
  cpu_ms: number;
  /** CPU time over wall time, in % of one core. */
  cpu_percent: number;
  files: number;
  bytes: number;
  drift: number;
}

async function measureVerify(base: string | undefined, progress: ScenarioOptions['progress']) {
  const dir = await mkdtemp(join(base ?? tmpdir(), 'fleetswap-verify-'));
  try {
    const files = verifyFiles();
    const tree = join(dir, 'tree');
    progress(`writing a ${files.length}-file tree into ${dir}`);
    await writeTree(tree, files);
    progress('building its manifest as push does (walk + sha256 of every file)');
    const walked = await walkTree(tree);
    const { manifest } = buildManifest({ label: 'verify-bench', owner: 'bench', notes: '', irreversible: '' }, walked.entries);
    const treeBytes = files.reduce((n, f) => n + f.size, 0);
    const dirs = new Set(files.flatMap((f) => f.path.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/')))).size;

    progress('verifying it unthrottled');
    const fast = await timed('unthrottled', tree, manifest, Infinity);
    progress(`verifying it at the default read rate (${bytes(DEFAULT_BYTES_PER_SECOND)}/s)`);
    const slow = await timed(`default, ${bytes(DEFAULT_BYTES_PER_SECOND)}/s`, tree, manifest, DEFAULT_BYTES_PER_SECOND);

    const cacheNote = base
      ? `the tree is on tmpfs (${base}): its pages are always in memory, so the page cache is warm by construction (no disk read at all)`
      : 'the tree is on disk, written and then read whole by the manifest walk just before: the page cache was warm';
    return {
      figures: { files: files.length, directories: dirs, bytes: treeBytes, on: base ?? tmpdir(), page_cache: base ? 'tmpfs (always in memory)' : 'warm', runs: [fast, slow] },
      summary: [
        `full verification (agent/verify.ts verifyTree, in this process, fleet stopped): ${files.length.toLocaleString('en')} files in ${dirs} directories, ${bytes(treeBytes)}`,
        `  (bench/tree.ts webBuildFiles twice, seeds 1 and 2, each file half its size); ${cacheNote}`,
        '',
        verifyTable([fast, slow]),
        '',
        'CPU is process.cpuUsage() over the call: the main thread (walk, sha256) and libuv\'s threads (reads); % is of one core.',
      ],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function timed(rate: string, root: string, manifest: Manifest, bytesPerSecond: number): Promise<VerifyRun> {
  const cpu = process.cpuUsage();
  const started = now();
  const res: VerifyResult = await verifyTree(root, manifest, { bytesPerSecond });
  const wall = now() - started;
  const used = process.cpuUsage(cpu);
  if (res.count !== 0) throw new Error(`verification of an untouched tree found ${res.count} drifted path(s), e.g. ${JSON.stringify(res.drift.slice(0, 3))}`);
  const cpuMs = (used.user + used.system) / 1000;
  return {
    rate,
    wall_ms: round(wall),
    cpu_user_ms: round(used.user / 1000),
    cpu_system_ms: round(used.system / 1000),
    cpu_ms: round(cpuMs),
    cpu_percent: round((cpuMs / wall) * 100),
    files: res.files,
    bytes: res.bytes,
    drift: res.count,
  };
}

function timingTable(rows: [string, Summary][]): string {
  const head = ['', 'median', 'p99', 'max'];
  const width = Math.max(...rows.map(([name]) => name.length));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(width) : c.padStart(10))).join('');
  return [line(head), ...rows.map(([name, s]) => line([name, ms(s.median), ms(s.p99), ms(s.max)]))].join('\n');
}

function verifyTable(runs: VerifyRun[]): string {
  const head = ['read rate', 'wall', 'CPU', 'user', 'system', 'CPU %', 'MiB/s'];
  const rows = runs.map((r) => [r.rate, ms(r.wall_ms), ms(r.cpu_ms), ms(r.cpu_user_ms), ms(r.cpu_system_ms), `${r.cpu_percent.toFixed(1)}%`, (r.bytes / 1024 / 1024 / (r.wall_ms / 1000)).toFixed(1)]);
  const width = Math.max(head[0]!.length, ...rows.map((r) => r[0]!.length));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? `  ${c.padEnd(width)}` : c.padStart(11))).join('');
  return [line(head), ...rows.map(line)].join('\n');
}
