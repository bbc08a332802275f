import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Agent } from '../agent/agent.js';
import { push } from '../cli/push.js';
import { mulberry32 } from '../shared/prng.js';
import { TERMINAL_ROLLOUT_STATES } from '../shared/domain.js';
import type { DeployRequest } from '../shared/gen/fleetswap/v1/DeployRequest.js';
import { ALL_AT_ONCE } from '../shared/plan.js';
import { ErrorApp } from '../cli/demo-app.js';
import { AdminClient, carried, type AgentProcess, aCoordinatorProcess, aTree, anAgent, cleanup, freePort, tempDir, waitFor } from './fixtures.js';

// The coordinator SIGKILLed while it judges a bad canary: the rollout, its
// judged phase and the samples it judged are in the database, so the
// restarted coordinator reaches the same verdict and rolls the canary back.

const HOSTS = ['web-1', 'web-2', 'web-3', 'web-4'];
const JUDGE_FLAGS = ['--judge-window', '500ms', '--stale-after', '3s'];

describe('coordinator killed while judging', () => {
  let dir = '';
  let coordinator: AgentProcess | undefined;
  const agents: Agent[] = [];
  const apps: ErrorApp[] = [];
  let client: AdminClient | undefined;
  afterAll(async () => {
    for (const a of apps) a.stop();
    for (const a of agents) await a.stop();
    client?.close();
    coordinator?.child.kill('SIGKILL');
    await cleanup(dir);
  });

  it('resumes the judgement after a restart and rolls the bad canary back', async () => {
    dir = await tempDir();
    const address = `127.0.0.1:${await freePort()}`;
    const data = join(dir, 'data');
    coordinator = await aCoordinatorProcess(data, address, {}, JUDGE_FLAGS);
    client = new AdminClient(address);
    const root = (id: string) => join(dir, id);
    for (const [i, id] of HOSTS.entries()) {
      const rand = mulberry32(i + 1);
      const log = join(dir, `${id}.log`);
      agents.push(
        await anAgent(address, root(id), {
          id,
          vitalsIntervalMs: 100,
          errorLog: log,
          metrics: { read: async () => ({ load1: 0.5 + rand() * 0.1, cpu_pct: 20 + rand() * 4, mem_pct: 40 }) },
        }),
      );
      apps.push(new ErrorApp(root(id), log).start());
    }
    const release = async (label: string, rate: number) =>
      (await push(client!, await aTree(join(dir, 'builds', label), { version: label, 'error-rate': String(rate) }), { label, owner: '', notes: '', irreversible: '' }, false)).release;
    const deploy = async (label: string, phases: Partial<DeployRequest>) =>
      client!.rollout('Deploy', { ...ALL_AT_ONCE, ...phases, release: label, select: {}, skip_offline: false, actor: 'tests', reason: '', stage_timeout_ms: 30_000, switch_timeout_ms: 30_000 });
    const status = (id: number) => client!.call('Status', { rollout_id: id }, 2_000).then((s) => carried(s.rollout, client!, 'Status', `rollout #${id}`));
    const live = (id: string) => readFileSync(join(root(id), 'current', 'version'), 'utf8');

    await release('v1', 10);
    const first = await deploy('v1', {});
    await waitFor('v1 complete', async () => (await status(first.id)).state === 'complete');
    await new Promise((r) => setTimeout(r, 1_500));

    await release('v2-bad', 40);
    const r = await deploy('v2-bad', { canary: '1', waves: '100%', bake: '60s', watch_for: '0s' });
    await waitFor('judging', async () => (await status(r.id)).state === 'judging', 20_000, 10);
    coordinator.child.kill('SIGKILL');
    await coordinator.exited;
    const canary = r.hosts.find((h) => h.cohort === 'canary')!.host_id;
    // While the coordinator is away the canary keeps serving the release it was switched to.
    expect(live(canary)).toBe('v2-bad');

    coordinator = await aCoordinatorProcess(data, address, {}, JUDGE_FLAGS);
    const done = await waitFor('rolled back', async () => {
      const x = await status(r.id).catch(() => undefined);
      return x && TERMINAL_ROLLOUT_STATES.has(x.state) ? x : undefined;
    }, 30_000, 50);
    expect(done.state, done.message).toBe('rolled_back');
    expect(done.verdict).toMatchObject({ outcome: 'fail', phase: 'judging' });
    expect(done.verdict!.metrics.find((m) => m.metric === 'errors' && m.versus === 'baseline')).toMatchObject({ outcome: 'fail' });
    await waitFor(`${canary} back on v1`, () => live(canary) === 'v1');
    for (const id of HOSTS) expect(live(id)).toBe('v1');
  }, 90_000);
});
