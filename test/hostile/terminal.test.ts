import { spawn } from 'node:child_process';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../agent/agent.js';
import type { Coordinator } from '../../coordinator/coordinator.js';
import type { DriftReport } from '../../shared/drift.js';
import { channelOptions, services } from '../../shared/proto.js';
import type { AuditEntry__Output as AuditEntryWire } from '../../shared/gen/fleetswap/v1/AuditEntry.js';
import type { DesiredChange__Output as DesiredChange } from '../../shared/gen/fleetswap/v1/DesiredChange.js';
import type { Directive__Output as Directive } from '../../shared/gen/fleetswap/v1/Directive.js';
import type { Host__Output as Host } from '../../shared/gen/fleetswap/v1/Host.js';
import type { Release__Output as Release } from '../../shared/gen/fleetswap/v1/Release.js';
import type { Report } from '../../shared/gen/fleetswap/v1/Report.js';
import type { StatusReply__Output as StatusReply } from '../../shared/gen/fleetswap/v1/StatusReply.js';
import { push } from '../../cli/push.js';
import { AdminClient, BIN, TWO_PHASE, aCoordinator, aTree, anAgent, cleanup, runCli, tempDir, waitFor, waitRollout } from '../fixtures.js';

// Attack: a host (or anyone with a deployer token) puts terminal control
// characters in text the operator's CLI prints: ESC[2J clears the screen,
// U+202E makes a path read backwards, a newline forges an extra line (an
// audit entry that never happened). Every text view shows them as visible
// escapes; --json carries the exact string for scripts.

const FORGED = 'FORGED-LINE #99 root halt';
/** HOSTILE clears the screen, reverses what follows, and starts a line of its own. */
const HOSTILE = `evil\x1b[2J\u202eexe.gpj\n${FORGED}`;
const SHOWN = 'evil\\x1b[2J\\u202eexe.gpj\\n' + FORGED;
const HOSTILE_PATH = `static/\u202egpj.exe\x1b[2J\n${FORGED}`;
const SHOWN_PATH = 'static/\\u202egpj.exe\\x1b[2J\\n' + FORGED;
/** RAW is any control or bidi character a terminal would act on; LF is the line break the CLI itself prints. */
const RAW = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** expectSafe checks text output: nothing raw, the forged text never starts a line, and the escaped form is shown. */
function expectSafe(what: string, output: string, shown: string[]): void {
  expect(output, `${what} prints a raw control or bidi character`).not.toMatch(RAW);
  for (const l of output.split('\n')) expect(l, `${what} has a forged line`).not.toMatch(/^[\s│|]*FORGED-LINE/);
  for (const s of shown) expect(output, `${what} shows ${s}`).toContain(s);
}

/**
 * aHostileAgent is one bad host: a raw grpc-js client on the agent stream
 * (the coordinator runs --insecure, so its hello is believed). It stages and
 * switches what it is told, except `failStaging`, which it fails with HOSTILE
 * as the error text.
 */
function aHostileAgent(address: string, id: string, failStaging: () => string) {
  const client = new (services().agent)(address, grpc.credentials.createInsecure(), channelOptions);
  const call = client.Connect();
  let live = '';
  const report = (r: Partial<Report> & Pick<Report, 'kind' | 'release_id'>) =>
    call.write({ report: { generation: 0, error_code: '', error: '', live_release: live, slots: [], ...r } });
  call.on('data', (d: Directive) => {
    if (d.kind === 'STAGE' && d.release_id === failStaging()) report({ generation: d.generation, kind: 'FAILED', release_id: d.release_id, error_code: 'STAGE_FAILED', error: HOSTILE });
    else if (d.kind === 'STAGE') report({ generation: d.generation, kind: 'STAGED', release_id: d.release_id });
    else if (d.kind === 'ACTIVATE') {
      live = d.release_id;
      report({ generation: d.generation, kind: 'ACTIVATED', release_id: d.release_id });
    }
  });
  call.on('error', () => undefined);
  call.write({ hello: { host_id: id, tags: { note: HOSTILE }, slot_count: 5, slots: [], live_release: '', last_generation: 0, agent_version: 'evil', unsigned_allowed: true } });
  return {
    report,
    drift: (releaseId: string) =>
      call.write({
        drift: { kind: 'content', release_id: releaseId, paths: [{ path: HOSTILE_PATH, change: 'changed' }], path_count: 1, detected_at_ms: Date.now(), detail: HOSTILE, live_release: releaseId, slots: [] },
      }),
    close: () => {
      call.cancel();
      client.close();
    },
  };
}

/** watchOutput runs a CLI command that does not end by itself until its output contains `until`, then stops it. */
function watchOutput(args: string[], until: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no "${until}" in: ${out}`));
    }, 20_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes(until)) {
        clearTimeout(timer);
        child.kill('SIGTERM');
        resolve(out);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
}

describe('a host that sends terminal control characters cannot drive the operator\'s terminal', () => {
  let dir = '';
  let coordinator: Coordinator;
  let client: AdminClient;
  let agent: Agent;
  let bad: ReturnType<typeof aHostileAgent>;
  let v1: Release;
  let v2: Release;
  let deployWatch = { code: 0, stdout: '', stderr: '' };
  const cli = (...args: string[]) => runCli([...args, '--coordinator', coordinator.address]);

  beforeAll(async () => {
    dir = await tempDir();
    coordinator = await aCoordinator(join(dir, 'data'));
    client = new AdminClient(coordinator.address);
    // A real agent with a hostile tag value, and a raw client as a second, hostile host.
    agent = await anAgent(coordinator.address, join(dir, 'web-1'), { id: 'web-1', tags: { role: HOSTILE } });
    bad = aHostileAgent(coordinator.address, 'web-2', () => v2?.id ?? '');
    await waitFor('two hosts connected', () => coordinator.fleet.connectedCount() === 2);

    // A deployer's free text is no safer: release owner and notes, a deploy's reason.
    const pushed = (label: string) =>
      push(client, join(dir, label), { label, owner: HOSTILE, notes: HOSTILE, irreversible: '' }, false).then((p) => p.release);
    await aTree(join(dir, 'v1'), { 'index.html': 'one' });
    await aTree(join(dir, 'v2'), { 'index.html': 'two' });
    v1 = await pushed('v1');
    v2 = await pushed('v2');
    const rollout = await client.rollout('Deploy', {
      release: 'v1',
      select: {},
      canary: '0',
      waves: '100%',
      bake: '0s',
      wave_bake: '0s',
      watch_for: '0s',
      manual_promote: false,
      supersede: false,
      skip_offline: false,
      actor: 'tests',
      reason: HOSTILE,
      stage_timeout_ms: 30_000,
      switch_timeout_ms: 30_000,
    });
    expect((await waitRollout(client, rollout.id)).state).toBe('complete');

    // The bad host reports drift with a hostile path and detail, and a failure with hostile text (host error, audit reason).
    bad.drift(v1.id);
    bad.report({ kind: 'FAILED', release_id: v1.id, error_code: 'REPAIR_FAILED', error: HOSTILE, live_release: v1.id });
    await waitFor('the drift recorded', async () => (await client.call('Drift', {})).hosts.some((h) => h.first_paths.length > 0));
    await waitFor('the host error recorded', async () => (await client.call('ListHosts', {})).hosts.some((h) => h.last_error.includes(FORGED)));

    // deploy --watch of a release the bad host fails to stage with hostile error text.
    deployWatch = await cli('deploy', 'v2', ...TWO_PHASE, '--watch');
  }, 120_000);

  afterAll(async () => {
    bad?.close();
    await agent?.stop();
    client?.close();
    await coordinator?.stop();
    await cleanup(dir);
  });

  it('deploy --watch shows the failing host\'s error escaped', () => {
    expect(deployWatch.code, deployWatch.stderr).toBe(1);
    expectSafe('deploy --watch', deployWatch.stdout + deployWatch.stderr, [SHOWN]);
  });

  it('hosts: a hostile tag and error text are escaped; --json keeps them exact', async () => {
    const text = await cli('hosts');
    expect(text.code, text.stderr).toBe(0);
    expectSafe('hosts', text.stdout, [`role=${SHOWN}`, `note=${SHOWN}`, `STAGE_FAILED: ${SHOWN}`]);
    const hosts = JSON.parse((await cli('hosts', '--json')).stdout) as Host[];
    expect(hosts.find((h) => h.id === 'web-1')?.tags.role).toBe(HOSTILE);
    expect(hosts.find((h) => h.id === 'web-2')?.tags.note).toBe(HOSTILE);
  });

  it('status: the rollout message and the host error are escaped; --json keeps them exact', async () => {
    const text = await cli('status');
    expect(text.code, text.stderr).toBe(0);
    expectSafe('status', text.stdout, [`web-2: STAGE_FAILED: ${SHOWN}`]);
    const s = JSON.parse((await cli('status', '--json')).stdout) as StatusReply;
    expect(s.rollout?.hosts.find((h) => h.host_id === 'web-2')?.error).toBe(`STAGE_FAILED: ${HOSTILE}`);
  });

  it('status --watch: each event line is escaped', async () => {
    const watched = await watchOutput(['status', '--watch', '--coordinator', coordinator.address], 'hosts:');
    expectSafe('status --watch', watched, [SHOWN]);
  });

  it('drift: a hostile path and action are escaped; --json keeps them exact', async () => {
    const text = await cli('drift');
    expect(text.code, text.stderr).toBe(0);
    expectSafe('drift', text.stdout, [SHOWN_PATH, `note=${SHOWN}`]);
    const report = JSON.parse((await cli('drift', '--json')).stdout) as DriftReport;
    expect(report.hosts.find((h) => h.host === 'web-2')?.paths.first[0]?.path).toBe(HOSTILE_PATH);
  });

  it('audit: a forged line cannot be made to look like an entry; --json keeps the reason exact', async () => {
    const text = await cli('audit');
    expect(text.code, text.stderr).toBe(0);
    expectSafe('audit', text.stdout, [`REPAIR_FAILED: ${SHOWN}`]);
    const entries = JSON.parse((await cli('audit', '--json')).stdout) as AuditEntryWire[];
    expect(entries.some((e) => e.reason === `REPAIR_FAILED: ${HOSTILE}`)).toBe(true);
    expect(entries.some((e) => e.action === 'drift-content' && e.reason === HOSTILE)).toBe(true);
  });

  it('history: a deploy reason is escaped; --json keeps it exact', async () => {
    const text = await cli('history');
    expect(text.code, text.stderr).toBe(0);
    expectSafe('history', text.stdout, [`— ${SHOWN}`]);
    const changes = JSON.parse((await cli('history', '--json')).stdout) as DesiredChange[];
    expect(changes.some((c) => c.reason === HOSTILE)).toBe(true);
  });

  it('releases: owner and notes are escaped; --json keeps them exact', async () => {
    const text = await cli('releases');
    expect(text.code, text.stderr).toBe(0);
    expectSafe('releases', text.stdout, [SHOWN]);
    const releases = JSON.parse((await cli('releases', '--json')).stdout) as Release[];
    expect(releases.map((r) => [r.owner, r.notes])).toEqual([
      [HOSTILE, HOSTILE],
      [HOSTILE, HOSTILE],
    ]);
  });
});
