import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { push } from '../../cli/push.js';
import type { StagingStats__Output as StagingStats } from '../../shared/gen/fleetswap/v1/StagingStats.js';
import { BenchFleet } from '../fleet.js';
import { bytes, ms } from '../format.js';
import { rsyncAll, startRsyncDaemon, type RsyncRun } from '../rsync.js';
import { round, summarize, type Summary } from '../stats.js';
import { changeFraction, webBuildFiles, writeTree, type TreeFile } from '../tree.js';
import { target, type Scenario, type ScenarioOptions, type ScenarioResult } from './scenario.js';

const CHANGED_FRACTION = 0.01;
const STAGE_TIMEOUT_MS = 30 * 60_000;
const SWITCH_TIMEOUT_MS = 60_000;
const RATIO_TARGET = 1.0;
// v2's unchanged files keep v1's mtime and only the changed ones get a later
// one, as an incremental build would leave them: rsync's quick check then
// skips the unchanged files unread, its best case.
const BUILD_1 = new Date('2026-01-01T00:00:00Z');
const BUILD_2 = new Date('2026-01-02T00:00:00Z');

export const deltaVsRsyncScenario: Scenario = {
  name: 'delta-vs-rsync',
  description: 'a 5,000-file, ~50 MB build to every host, then a 1% change: fleetswap deploys against N parallel clients of one rsync daemon',
  defaultAgents: 20,
  run: runDeltaVsRsync,
};

/** Side is one tool's copy to every host: wall time for all of them, and bytes that crossed the wire. */
interface Side {
  ms: number;
  bytes: number;
  /** Each host's own time: the agent's staging duration for fleetswap, the client's run for rsync. */
  per_host_ms: Summary;
}

async function runDeltaVsRsync({ agents, progress }: ScenarioOptions): Promise<ScenarioResult> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetswap-delta-vs-rsync-'));
  try {
    const v1 = webBuildFiles();
    const v2 = changeFraction(v1, CHANGED_FRACTION);
    const changed = new Set<TreeFile>(v2.changed);
    progress(`writing the two builds (${v1.length} files each) into ${dir}`);
    await writeTree(join(dir, 'v1'), v1, () => BUILD_1);
    await writeTree(join(dir, 'v2'), v2.files, (f) => (changed.has(f) ? BUILD_2 : BUILD_1));

    const fleetswap = await fleetswapSide(agents, dir, progress);
    const rsync = await rsyncSide(agents, dir, progress);

    const changedBytes = v2.changed.reduce((n, f) => n + f.size, 0);
    const treeBytes = v1.reduce((n, f) => n + f.size, 0);
    const ratios = {
      full_time: ratio(fleetswap.full.ms, rsync.full.ms),
      full_bytes: ratio(fleetswap.full.bytes, rsync.full.bytes),
      delta_time: ratio(fleetswap.delta.ms, rsync.delta.ms),
      delta_bytes: ratio(fleetswap.delta.bytes, rsync.delta.bytes),
    };
    const figures = {
      agents,
      tree: { files: v1.length, bytes: treeBytes, changed_files: v2.changed.length, changed_bytes: changedBytes },
      fleetswap: {
        push_ms: fleetswap.pushMs,
        full: fleetswap.full,
        delta: fleetswap.delta,
        delta_per_host: { blob_bytes: fleetswap.deltaBlobBytes, manifest_bytes: fleetswap.manifestBytes },
      },
      rsync: { full: rsync.full, delta: rsync.delta, full_sent_bytes: rsync.fullSent, delta_sent_bytes: rsync.deltaSent, delta_files_per_client: rsync.deltaFiles },
      ratios,
    };
    return {
      figures,
      targets: [
        target('delta deploy wall time, fleetswap / rsync', ratios.delta_time, '<=', RATIO_TARGET, 'ratio'),
        target('delta bytes moved, fleetswap / rsync (received)', ratios.delta_bytes, '<=', RATIO_TARGET, 'ratio'),
      ],
      summary: [
        `tree: ${v1.length} files, ${bytes(treeBytes)}; release 2 changes ${v2.changed.length} of them (${bytes(changedBytes)})`,
        `fleetswap: ${agents} agents, Deploy call -> rollout complete (stage everywhere, then switch everywhere); ` +
          `push beforehand, not counted: ${ms(fleetswap.pushMs.full)} and ${ms(fleetswap.pushMs.delta)}`,
        `rsync: ${agents} clients of one rsync daemon on loopback, all started at once: first start -> last exit`,
        '',
        sideTable([
          ['full copy (release 1), wall time', ms(fleetswap.full.ms), ms(rsync.full.ms), ratios.full_time],
          ['full copy (release 1), bytes to hosts', bytes(fleetswap.full.bytes), bytes(rsync.full.bytes), ratios.full_bytes],
          ['delta (release 2), wall time', ms(fleetswap.delta.ms), ms(rsync.delta.ms), ratios.delta_time],
          ['delta (release 2), bytes to hosts', bytes(fleetswap.delta.bytes), bytes(rsync.delta.bytes), ratios.delta_bytes],
        ]),
        '',
        `delta, each host: fleetswap staging median ${ms(fleetswap.delta.per_host_ms.median)}, max ${ms(fleetswap.delta.per_host_ms.max)}; ` +
          `rsync client median ${ms(rsync.delta.per_host_ms.median)}, max ${ms(rsync.delta.per_host_ms.max)}`,
        `delta bytes per host: fleetswap ${bytes(fleetswap.deltaBlobBytes)} of blobs + the ${bytes(fleetswap.manifestBytes)} manifest; ` +
          `rsync received ${bytes(rsync.delta.bytes / agents)} (${rsync.deltaFiles} files updated) and sent ${bytes(rsync.deltaSent / agents)} (block checksums, file list request)`,
        `rsync sent in all: ${bytes(rsync.fullSent)} for the full copy, ${bytes(rsync.deltaSent)} for the delta (not in the ratios: they count bytes to the hosts)`,
        '',
        'what each side pays for (read the ratios with this):',
        '  - fleetswap builds a complete new slot per host beside the live one: it copies the unchanged files out of the live slot,',
        '    hashes every byte against the manifest and fsyncs every file and directory before the switch. That is the price of an',
        '    atomic switch (no reader ever sees a mix of two releases) and of an instant rollback (the old slot stays whole).',
        '  - rsync updates the existing directory file by file (each changed file under a temp name, then renamed), so a reader can',
        '    see half of a release; and rsync -a does not fsync (--fsync exists, off by default): its "done" may still be in the page cache.',
        "  - the unchanged files of release 2 keep release 1's size and mtime, so rsync's quick check skips them without reading: its",
        '    best case. A fresh build with new mtimes everywhere would make rsync read, checksum and rewrite every file.',
        '  - bytes: fleetswap counts blob payload + manifest as its agents report them (gRPC and HTTP/2 framing not included);',
        "    rsync's figure is its own protocol bytes (file list, checksums, data).",
      ],
    };
  } finally {
    progress(`removing ${dir}`);
    await rm(dir, { recursive: true, force: true });
  }
}

async function fleetswapSide(agents: number, dir: string, progress: ScenarioOptions['progress']) {
  progress(`fleetswap: starting a coordinator and ${agents} agents`);
  const fleet = await BenchFleet.start(agents);
  try {
    progress('fleetswap: pushing release 1 and deploying it to every host (full copy)');
    const p1 = await timedPush(fleet, join(dir, 'v1'), 'bench-1');
    const full = await timedDeploy(fleet, p1.releaseId);
    progress('fleetswap: pushing release 2 and deploying it (the delta)');
    const p2 = await timedPush(fleet, join(dir, 'v2'), 'bench-2');
    const delta = await timedDeploy(fleet, p2.releaseId);
    return {
      pushMs: { full: round(p1.ms), delta: round(p2.ms) },
      full: fleetswapSideFigures(full),
      delta: fleetswapSideFigures(delta),
      deltaBlobBytes: Math.max(...delta.stats.map((s) => s.bytes_fetched)),
      manifestBytes: Math.max(...delta.stats.map((s) => s.manifest_bytes)),
    };
  } finally {
    progress('fleetswap: stopping the fleet');
    await fleet.stop();
  }
}

async function timedPush(fleet: BenchFleet, build: string, label: string): Promise<{ releaseId: string; ms: number }> {
  const started = performance.now();
  const { release } = await push(fleet.client, build, { label, owner: 'bench', notes: '', irreversible: '' }, false);
  return { releaseId: release.id, ms: performance.now() - started };
}

/**
 * timedDeploy times a Deploy from the call until Status says complete.
 * Status is polled only once every host has staged, so that polling does not
 * compete with the staging it measures; that bounds the end from above by
 * one 10 ms poll.
 */
async function timedDeploy(fleet: BenchFleet, releaseId: string): Promise<{ ms: number; stats: StagingStats[] }> {
  const staged = fleet.expect('STAGED', releaseId, STAGE_TIMEOUT_MS);
  const started = performance.now();
  // Promise.all, so that a FAILED report rejects at once rather than after the Deploy call returns.
  const [rolloutId, acks] = await Promise.all([
    fleet.startDeploy(releaseId, STAGE_TIMEOUT_MS, SWITCH_TIMEOUT_MS),
    staged,
  ]);
  await fleet.waitRollout(rolloutId, SWITCH_TIMEOUT_MS);
  const elapsed = performance.now() - started;
  const stats = acks.map((a): StagingStats => {
    if (!a.report.stats) throw new Error(`${a.host} reported STAGED without staging stats`);
    return a.report.stats;
  });
  return { ms: elapsed, stats };
}

function fleetswapSideFigures(d: { ms: number; stats: StagingStats[] }): Side {
  return {
    ms: round(d.ms),
    bytes: d.stats.reduce((n, s) => n + s.bytes_fetched + s.manifest_bytes, 0),
    per_host_ms: summarize(d.stats.map((s) => s.duration_ms)),
  };
}

async function rsyncSide(agents: number, dir: string, progress: ScenarioOptions['progress']) {
  const work = join(dir, 'rsync');
  await mkdir(join(work, 'hosts'), { recursive: true });
  const daemon = await startRsyncDaemon(work, { v1: join(dir, 'v1'), v2: join(dir, 'v2') });
  try {
    const dests = Array.from({ length: agents }, (_, i) => join(work, 'hosts', `web-${String(i + 1).padStart(4, '0')}`));
    progress(`rsync: ${agents} clients copying release 1 (full copy)`);
    const full = await rsyncAll(daemon.url('v1'), dests);
    progress(`rsync: ${agents} clients updating to release 2 (the delta)`);
    const delta = await rsyncAll(daemon.url('v2'), dests);
    return {
      full: rsyncSideFigures(full),
      delta: rsyncSideFigures(delta),
      fullSent: sum(full.runs, 'sent'),
      deltaSent: sum(delta.runs, 'sent'),
      deltaFiles: Math.max(...delta.runs.map((r) => r.files)),
    };
  } finally {
    progress('rsync: stopping the daemon');
    await daemon.stop();
  }
}

function rsyncSideFigures(r: { wallMs: number; runs: RsyncRun[] }): Side {
  return { ms: round(r.wallMs), bytes: sum(r.runs, 'received'), per_host_ms: summarize(r.runs.map((x) => x.ms)) };
}

function sum(runs: RsyncRun[], field: 'received' | 'sent'): number {
  return runs.reduce((n, r) => n + r[field], 0);
}

function ratio(a: number, b: number): number {
  return Number((a / b).toFixed(4));
}

function sideTable(rows: [string, string, string, number][]): string {
  const width = Math.max(...rows.map(([name]) => name.length));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(width) : c.padStart(i === 3 ? 18 : 12))).join('');
  return [line(['', 'fleetswap', 'rsync', 'fleetswap/rsync']), ...rows.map(([name, a, b, r]) => line([name, a, b, r.toFixed(3)]))].join('\n');
}
