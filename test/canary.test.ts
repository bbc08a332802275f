import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../agent/agent.js';
import type { HostMetrics } from '../agent/vitals.js';
import type { Coordinator } from '../coordinator/coordinator.js';
import { DEFAULT_JUDGE } from '../coordinator/judge.js';
import { mulberry32 } from '../shared/prng.js';
import { TERMINAL_ROLLOUT_STATES } from '../shared/domain.js';
import type { DeployRequest } from '../shared/gen/fleetswap/v1/DeployRequest.js';
import type { Rollout__Output as Rollout } from '../shared/gen/fleetswap/v1/Rollout.js';
import { ALL_AT_ONCE } from '../shared/plan.js';
import { ErrorApp } from '../cli/demo-app.js';
import { AdminClient, BIN, carried, aCoordinator, anAgent, checkLive, cleanup, refusalOf, runCli, tempDir, waitFor } from './fixtures.js';

// Canary rollouts judged from real vitals: real agents follow error logs that
// a small app writes at the rate its live release asks for (the `error-rate`
// file in each release), so a bad build really does log more errors, and
// only on the hosts where it is live. Load and CPU come from a seeded
// synthetic source: the test machine's own load would judge the test runner.

const HOSTS = ['web-1', 'web-2', 'web-3', 'web-4', 'web-5', 'web-6', 'web-7', 'web-8'];
const BASE_RATE = 20; // error lines per second per host on a healthy release
const TRACE_RATE = 2; // errors per second per host when each is a stack trace

/** Short windows so a rollout is judged in seconds; the statistics are the production ones. */
const FAST_JUDGE = { ...DEFAULT_JUDGE, bucketMs: 500, lagMs: 150, staleMs: 2_000, beforeMs: 10_000 };

function syntheticMetrics(seed: number): { read(): Promise<HostMetrics> } {
  const rand = mulberry32(seed);
  return { read: async () => ({ load1: 0.5 + rand() * 0.1, cpu_pct: 20 + rand() * 4, mem_pct: 40 + rand() }) };
}

describe('canary rollouts judged from live vitals', () => {
  let dir: string;
  let coordinator: Coordinator;
  let client: AdminClient;
  const agents = new Map<string, Agent>();
  const apps: ErrorApp[] = [];
  const root = (id: string) => join(dir, 'hosts', id);
  const cli = (...args: string[]) => runCli([...args, '--coordinator', coordinator.address]);

  const startAgent = async (id: string, i: number) => {
    agents.set(
      id,
      await anAgent(coordinator.address, root(id), {
        id,
        tags: { role: 'web', dc: i % 2 ? 'east' : 'west' },
        vitalsIntervalMs: 100,
        errorLog: join(dir, `${id}-error.log`),
        metrics: syntheticMetrics(i + 1),
      }),
    );
  };

  /** release pushes a build whose app logs `rate` errors a second, each a stack trace of 1 to traceLines lines if given. */
  const release = async (label: string, rate: number, irreversible = '', traceLines?: number) => {
    const { aTree } = await import('./fixtures.js');
    const trace: Record<string, string> = traceLines ? { 'error-trace': String(traceLines) } : {};
    const build = await aTree(join(dir, 'builds', label), { 'index.html': label, version: label, 'error-rate': String(rate), ...trace });
    const { push } = await import('../cli/push.js');
    return (await push(client, build, { label, owner: 'tests', notes: '', irreversible }, false)).release;
  };

  const deploy = async (label: string, phases: Partial<DeployRequest>): Promise<Rollout> =>
    client.rollout('Deploy', {
      ...ALL_AT_ONCE,
      release: label,
      select: {},
      skip_offline: false,
      actor: 'tests',
      reason: '',
      stage_timeout_ms: 30_000,
      switch_timeout_ms: 30_000,
      ...phases,
    });

  const rollout = async (id: number) => carried((await client.call('Status', { rollout_id: id })).rollout, client, 'Status', `rollout #${id}`);
  const until = (id: number, what: string, ok: (r: Rollout) => boolean, timeoutMs = 30_000) =>
    waitFor(`rollout #${id} ${what}`, async () => {
      const r = await rollout(id);
      return ok(r) ? r : undefined;
    }, timeoutMs, 50);
  const ended = (id: number, timeoutMs?: number) => until(id, 'to end', (r) => TERMINAL_ROLLOUT_STATES.has(r.state), timeoutMs);
  const liveLabel = (id: string) => {
    try {
      return readFileSync(join(root(id), 'current', 'version'), 'utf8');
    } catch {
      return '';
    }
  };

  beforeAll(async () => {
    dir = await tempDir();
    coordinator = await aCoordinator(join(dir, 'data'), { judge: FAST_JUDGE, decisionGraceMs: 3_000 });
    client = new AdminClient(coordinator.address);
    await Promise.all(HOSTS.map((id, i) => startAgent(id, i)));
    HOSTS.forEach((id, i) => apps.push(new ErrorApp(root(id), join(dir, `${id}-error.log`), i + 1).start()));
    await release('v1', BASE_RATE);
    expect((await ended((await deploy('v1', {})).id)).state).toBe('complete');
    // The canaries' own minutes before a switch are part of the judgement: let some pass.
    await new Promise((r) => setTimeout(r, 2_000));
  }, 60_000);

  afterAll(async () => {
    for (const app of apps) app.stop();
    for (const a of agents.values()) await a.stop();
    client.close();
    await coordinator.stop();
    await cleanup(dir);
  });

  it('takes an A/A release through canary, waves and watch to complete, with the canaries spread over data centres', async () => {
    await release('v2', BASE_RATE);
    // An operator follows it with status --watch: off a terminal, one line per event.
    const watcher = spawn(process.execPath, [BIN, 'status', '--watch', '--coordinator', coordinator.address], { stdio: ['ignore', 'pipe', 'pipe'] });
    let watched = '';
    watcher.stdout.on('data', (d: Buffer) => (watched += d.toString()));
    const r = await deploy('v2', { canary: '2', waves: '50%,100%', bake: '4s', wave_bake: '1s', watch_for: '2s' });
    const canaries = r.hosts.filter((h) => h.cohort === 'canary').map((h) => h.host_id);
    expect(canaries).toHaveLength(2);
    // One canary per dc: web-1,3,5,7 are west and web-2,4,6,8 east.
    expect(new Set(canaries.map((id) => Number(id.slice(4)) % 2)).size).toBe(2);
    expect(r.plan).toMatchObject({ canary_hosts: 2, waves: [50, 100], spread: 'dc' });

    const done = await ended(r.id);
    expect(done.state, done.message).toBe('complete');
    expect(done.message).toMatch(/watched 2s at 100%/);
    await waitFor('status --watch to see the end', () => watched.includes(`rollout #${r.id} complete`));
    watcher.kill();
    // Phases that last milliseconds (a canary switching) may fall between two polls; these may not.
    const order = [`rollout #${r.id} judging`, `rollout #${r.id} wave`, `rollout #${r.id} watching`, `rollout #${r.id} complete`];
    expect(watched).toMatch(/verdict judging: pass/);
    const at = order.map((line) => watched.indexOf(line));
    expect(at.every((i) => i >= 0), watched).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    for (const id of HOSTS) expect(liveLabel(id)).toBe('v2');
    const verdicts = await coordinator.store.verdicts.of(r.id);
    expect(verdicts.filter((v) => v.outcome === 'fail')).toEqual([]);
    const judged = verdicts.find((v) => v.phase === 'judging' && v.outcome === 'pass');
    expect(judged?.metrics.map((m) => `${m.metric}:${m.versus}`)).toEqual(expect.arrayContaining(['errors:baseline', 'errors:before', 'load1:baseline', 'cpu_pct:baseline']));
    const history = (await client.call('History', {})).changes.slice(-3);
    expect(history.map((c) => [c.action, c.hosts.length])).toEqual([
      ['deploy (canary)', 2],
      ['deploy (wave 1)', 2],
      ['deploy (wave 2)', 4],
    ]);
  }, 60_000);

  it('rolls a release with 5x the error rate back from its canaries; no other host ever runs it; deploy --watch exits 1', async () => {
    await release('v3-bad', BASE_RATE * 5);
    const seen = new Map<string, Set<string>>(HOSTS.map((id) => [id, new Set<string>()]));
    const sampler = setInterval(() => HOSTS.forEach((id) => seen.get(id)!.add(liveLabel(id))), 5);
    const res = await cli('deploy', 'v3-bad', '--canary', '2', '--bake', '30s', '--watch');
    clearInterval(sampler);
    expect(res.code, res.stderr + res.stdout).toBe(1);
    expect(res.stdout).toMatch(/rolled_back/);
    expect(res.stdout).toMatch(/error rate/);

    const r = carried((await client.call('Status', { rollout_id: 0 })).rollout, client, 'Status', 'the newest rollout');
    expect(r.state).toBe('rolled_back');
    const canaries = r.hosts.filter((h) => h.cohort === 'canary').map((h) => h.host_id);
    for (const id of HOSTS) {
      expect(liveLabel(id)).toBe('v2');
      if (!canaries.includes(id)) expect([...seen.get(id)!]).toEqual(['v2']);
    }
    for (const id of canaries) expect(await checkLive(root(id))).toBe(agents.get(id)!.liveRelease());
    const errors = r.verdict!.metrics.find((m) => m.metric === 'errors' && m.versus === 'baseline')!;
    expect(errors).toMatchObject({ outcome: 'fail' });
    expect(errors.effect).toBeGreaterThan(2);
    expect(errors.p).toBeLessThanOrEqual(errors.threshold);
    // A gross regression fails long before the 30 s bake is over.
    expect(r.verdict!.elapsed_ms).toBeLessThan(15_000);
    const back = (await client.call('History', {})).changes.at(-1)!;
    expect(back).toMatchObject({ action: 'auto-rollback', actor: 'coordinator' });
    expect(back.hosts.sort()).toEqual([...canaries].sort());
  }, 60_000);

  it('holds, then pauses, a rollout whose canary stops reporting; abort puts it back when it returns', async () => {
    await release('v4', BASE_RATE);
    const r = await deploy('v4', { canary: '1', waves: '100%', bake: '3s', watch_for: '0s' });
    await until(r.id, 'judging', (x) => x.state === 'judging');
    const canary = r.hosts.find((h) => h.cohort === 'canary')!.host_id;
    await agents.get(canary)!.stop();

    const held = await until(r.id, 'held', (x) => x.verdict?.outcome === 'hold');
    expect(held.verdict!.reason).toMatch(new RegExp(`${canary} is disconnected|no vitals from ${canary}`));
    const paused = await until(r.id, 'paused', (x) => x.state === 'paused');
    expect(paused.paused_from).toBe('judging');
    expect(paused.message).toMatch(/stuck: no verdict by the deadline/);
    expect(paused.hosts.filter((h) => h.switch === 'done').map((h) => h.host_id)).toEqual([canary]);

    const aborted = await client.rollout('Abort', { rollout_id: 0, actor: 'tests', reason: 'canary lost', force_irreversible: false });
    expect(aborted.state).toBe('rolling_back');
    await startAgent(canary, HOSTS.indexOf(canary));
    expect((await ended(r.id)).state).toBe('aborted');
    await waitFor(`${canary} back on v2`, () => liveLabel(canary) === 'v2');
  }, 60_000);

  it('halt freezes a rollout mid-wave and refuses changes until unhalt', async () => {
    await release('v5', BASE_RATE);
    const r = await deploy('v5', { canary: '1', waves: '50%,100%', bake: '1s', wave_bake: '60s', watch_for: '0s' });
    await until(r.id, 'baking wave 1', (x) => x.state === 'wave' && x.wave === 1 && x.phase_started_ms > 0);
    const halted = await cli('halt', '--reason', 'incident 42');
    expect(halted.code, halted.stderr).toBe(0);
    const frozen = HOSTS.map(liveLabel);

    const promote = await cli('promote');
    expect(promote.code).toBe(3);
    expect(promote.stderr).toMatch(/halted .*incident 42.*unhalt/);
    expect((await refusalOf(deploy('v1', { supersede: true }))).code).toBe('HALTED');
    const status = await cli('status');
    expect(status.stdout).toMatch(/HALTED .*incident 42/);
    await new Promise((res) => setTimeout(res, 1_500));
    expect(HOSTS.map(liveLabel)).toEqual(frozen);
    expect((await rollout(r.id)).state).toBe('wave');

    expect((await cli('unhalt')).code).toBe(0);
    expect((await cli('promote', '--reason', 'looks fine')).code).toBe(0);
    expect((await ended(r.id)).state).toBe('complete');
    for (const id of HOSTS) expect(liveLabel(id)).toBe('v5');
  }, 60_000);

  it('pauses instead of rolling back an irreversible release, and goes back past it only when forced with a reason', async () => {
    await release('v6-migration', BASE_RATE * 5, 'drops the legacy_orders table');
    const r = await deploy('v6-migration', { canary: '1', waves: '100%', bake: '30s', watch_for: '0s' });
    const paused = await until(r.id, 'paused', (x) => x.state === 'paused');
    expect(paused.message).toMatch(/NOT rolled back: v6-migration is irreversible \(drops the legacy_orders table\)/);
    const canary = paused.hosts.find((h) => h.cohort === 'canary')!.host_id;
    expect(liveLabel(canary)).toBe('v6-migration');

    const refused = await cli('rollback');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/irreversible.*--force-irreversible --reason/);
    expect((await cli('rollback', '--force-irreversible')).code).toBe(2);
    const forced = await cli('rollback', '--force-irreversible', '--reason', 'data restored from backup');
    expect(forced.code, forced.stderr + forced.stdout).toBe(0);
    await waitFor(`${canary} back on v5`, () => liveLabel(canary) === 'v5');
    expect((await client.call('History', {})).changes.at(-1)).toMatchObject({ action: 'rollback (forced past irreversible)', reason: 'data restored from backup' });
  }, 60_000);

  it('rolls the whole fleet back when a regression shows during the watch at 100%', async () => {
    await release('v9', BASE_RATE);
    const r = await deploy('v9', { canary: '2', waves: '100%', bake: '2s', wave_bake: '0s', watch_for: '60s' });
    await until(r.id, 'watching', (x) => x.state === 'watching');
    for (const app of apps) app.factor = 5;
    try {
      const done = await ended(r.id);
      expect(done.state).toBe('rolled_back');
      expect(done.message).toMatch(/rolled back automatically: verdict: error rate .* vs before/);
      expect(done.hosts.filter((h) => h.switch === 'reverted')).toHaveLength(HOSTS.length);
    } finally {
      for (const app of apps) app.factor = 1;
    }
    for (const id of HOSTS) expect(liveLabel(id)).toBe('v5');
  }, 60_000);

  it('refuses a second deploy while one is judging, naming it and --supersede', async () => {
    await release('v7', BASE_RATE);
    await release('v8', BASE_RATE);
    const r = await deploy('v7', { canary: '1', waves: '100%', bake: '60s', watch_for: '0s' });
    await until(r.id, 'judging', (x) => x.state === 'judging');
    const refused = await cli('deploy', 'v8');
    expect(refused.code).toBe(3);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(new RegExp(`rollout #${r.id} \\(v7\\) is judging.*--supersede`));
    const next = await deploy('v8', { canary: '0', waves: '100%', watch_for: '10m', supersede: true });
    expect((await rollout(r.id)).state).toBe('superseded');
    await until(next.id, 'watching', (x) => x.state === 'watching');
    for (const id of HOSTS) expect(liveLabel(id)).toBe('v8');

    // Teams deploy many times a day: a deploy during the watch ends it (recorded) and goes ahead.
    await release('v10', BASE_RATE);
    const after = await deploy('v10', { canary: '0', waves: '100%', watch_for: '0s' });
    const watched = await rollout(next.id);
    expect(watched.state).toBe('complete');
    expect(watched.message).toBe(`watch ended early: rollout #${after.id} deploys v10`);
    expect((await ended(after.id)).state).toBe('complete');
  }, 60_000);

  it('an app that writes its errors as multi-line stack traces at the same incident rate for both releases: it promotes', async () => {
    // Both releases fail as often; the new one's traces run deeper (1-8 lines against 1-3: a
    // refactor added frames), every line matching the pattern. Counted as lines that is 2.25x the
    // errors; counted as incidents, or as seconds with one, it is the same.
    await release('v11-traces', TRACE_RATE, '', 3);
    const deeper = await release('v12-traces', TRACE_RATE, '', 8);
    expect((await ended((await deploy('v11-traces', {})).id)).state).toBe('complete');
    // The canaries' own minutes before the switch are traces too.
    await new Promise((r) => setTimeout(r, FAST_JUDGE.beforeMs));
    const r = await deploy('v12-traces', { canary: '2', waves: '100%', bake: '8s', watch_for: '0s' });
    const canaries = r.hosts.filter((h) => h.cohort === 'canary').map((h) => h.host_id);
    const done = await ended(r.id);

    // The agents on the canaries saw each trace as one incident: several lines, never more than one trace's.
    const samples = canaries.flatMap((id) => coordinator.vitals.window(id).filter((x) => x.release_id === deeper.id));
    const lines = samples.reduce((a, x) => a + x.error_lines, 0);
    const incidents = samples.reduce((a, x) => a + (x.error_incidents ?? 0), 0);
    expect(incidents).toBeGreaterThan(0);
    expect(lines / incidents).toBeGreaterThan(1.5);
    expect(lines / incidents).toBeLessThanOrEqual(8);

    const verdicts = await coordinator.store.verdicts.of(r.id);
    expect(done.state, verdicts.at(-1)?.reason).toBe('complete');
    expect(verdicts.filter((v) => v.outcome === 'fail')).toEqual([]);
    for (const id of HOSTS) expect(liveLabel(id)).toBe('v12-traces');
  }, 90_000);
});
