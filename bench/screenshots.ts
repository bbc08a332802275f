import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { Agent } from '../agent/agent.js';
import type { HostMetrics } from '../agent/vitals.js';
import { AdminClient } from '../cli/admin-client.js';
import { caInit, caIssue } from '../cli/ca.js';
import { ErrorApp } from '../cli/demo-app.js';
import { push } from '../cli/push.js';
import { bootstrapToken } from '../coordinator/auth.js';
import { Coordinator } from '../coordinator/coordinator.js';
import { DEFAULT_JUDGE } from '../coordinator/judge.js';
import { TERMINAL_ROLLOUT_STATES } from '../shared/domain.js';
import type { DeployRequest } from '../shared/gen/fleetswap/v1/DeployRequest.js';
import { silentLogger } from '../shared/log.js';
import { ALL_AT_ONCE } from '../shared/plan.js';
import { mulberry32 } from '../shared/prng.js';

// npm run screenshots: the README's pictures of the dashboard, made again
// from a real fleet. A coordinator over TLS and 24 in-process agents (apps
// logging errors at the rate their release asks; load and CPU from a
// seeded model), one host stopped and one with a file changed by hand, then
// a canary rollout; the fleet page and the rollout page are photographed by
// chromium while the canaries are judged.

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = join(REPO, 'docs', 'img');
const CHROMIUM = process.env.FLEETSWAP_CHROMIUM ?? '/usr/bin/chromium';
const HOSTS = 24;
const DCS = ['east', 'west', 'north'];
const JUDGE = { ...DEFAULT_JUDGE, bucketMs: 1_000, lagMs: 300, staleMs: 5_000, beforeMs: 30_000 };

function metrics(seed: number): { read(): Promise<HostMetrics> } {
  const rand = mulberry32(seed);
  let load = 0.6 + rand() * 0.3;
  return {
    read: async () => {
      load = Math.max(0.1, load + (rand() - 0.5) * 0.08);
      return { load1: load, cpu_pct: 18 + load * 12 + rand() * 3, mem_pct: 48 + rand() * 4 };
    },
  };
}

const say = (s: string) => process.stderr.write(`${s}\n`);

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetswap-screens-'));
  const caDir = join(dir, 'ca');
  await caInit(caDir);
  const ca = await readFile(join(caDir, 'ca.crt'));
  const tls = async (name: string, role: string, names: string[] = []) => {
    const f = await caIssue(caDir, name, role, names);
    return { tls: { ca, cert: await readFile(f.cert), key: await readFile(f.key) } };
  };
  const coordinator = await Coordinator.start({
    dataDir: join(dir, 'coordinator'),
    listen: '127.0.0.1:0',
    log: silentLogger(),
    judge: JUDGE,
    signing: { allowUnsigned: true },
    drift: { policy: 'report' },
    transport: await tls('coordinator', 'coordinator', ['127.0.0.1']),
    http: { listen: '127.0.0.1:0' },
  });
  const token = await bootstrapToken(join(dir, 'coordinator'));
  const admin = new AdminClient(coordinator.address, token, { tls: { ca } });
  const agents: Agent[] = [];
  const apps: ErrorApp[] = [];
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    for (let i = 1; i <= HOSTS; i++) {
      const id = `web-${String(i).padStart(2, '0')}`;
      const root = join(dir, 'hosts', id);
      const errorLog = join(dir, 'hosts', `${id}.error.log`);
      await mkdir(dirname(errorLog), { recursive: true });
      const agent = new Agent({ id, root, coordinator: coordinator.address, tags: { role: 'web', dc: DCS[i % DCS.length] as string }, log: silentLogger(), errorLog, metrics: metrics(i), vitalsIntervalMs: 1_000, allowUnsigned: true, transport: await tls(id, 'agent') });
      await agent.start();
      agents.push(agent);
      apps.push(new ErrorApp(root, errorLog, i).start());
    }
    while (coordinator.fleet.connectedCount() < HOSTS) await new Promise((r) => setTimeout(r, 50));
    const release = async (label: string, rate: number) => {
      const build = join(dir, 'builds', label);
      await mkdir(join(build, 'assets'), { recursive: true });
      await writeFile(join(build, 'index.html'), `<!doctype html><title>shop</title><h1>shop ${label}</h1>\n`);
      await writeFile(join(build, 'error-rate'), String(rate));
      for (let f = 0; f < 40; f++) await writeFile(join(build, 'assets', `chunk-${f}.js`), `/* ${f % 8 === 0 ? label : 'base'} */ export const c${f} = ${JSON.stringify('x'.repeat(3000 + f))};\n`);
      await push(admin, build, { label, owner: 'shop-team', notes: `shop build ${label}`, irreversible: '' }, false);
    };
    const deploy = (label: string, phases: Partial<DeployRequest>) =>
      admin.rollout('Deploy', { ...ALL_AT_ONCE, release: label, select: {}, skip_offline: true, actor: '', reason: `ship ${label}`, stage_timeout_ms: 0, switch_timeout_ms: 0, ...phases });
    const ended = async (id: number) => {
      for (;;) {
        const r = (await admin.call('Status', { rollout_id: id })).rollout;
        if (r && TERMINAL_ROLLOUT_STATES.has(r.state)) return r;
        await new Promise((res) => setTimeout(res, 200));
      }
    };
    say('deploying v41, v42');
    await release('v41', 4);
    await release('v42', 4);
    await release('v43', 5);
    await ended((await deploy('v41', {})).id);
    await ended((await deploy('v42', { canary: '2', waves: '100%', bake: '5s', watch_for: '0s' })).id);
    // Something for the fleet page to show: a host that went away, and one whose live tree was edited by hand.
    await (agents.pop() as Agent).stop();
    await appendFile(join(dir, 'hosts', 'web-07', 'current', 'index.html'), '<!-- hotfix by hand -->\n');
    say('letting the canaries build a past');
    await new Promise((r) => setTimeout(r, 65_000));
    const r = await deploy('v43', { canary: '3', waves: '25%,100%', bake: '3m', wave_bake: '1m', watch_for: '2m' });
    say(`rollout #${r.id}: judging for a while`);
    await new Promise((res) => setTimeout(res, 40_000));

    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const base = (coordinator.http as NonNullable<typeof coordinator.http>).url;
    await page.goto(`${base}/signin?next=/fleet`);
    await page.fill('#token', token);
    await page.click('#go');
    await page.waitForSelector('html[data-ready=true]');
    await mkdir(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, 'dashboard-fleet.png') });
    await page.goto(`${base}/rollouts/current`);
    await page.waitForSelector('html[data-ready=true]');
    await page.waitForSelector('#charts canvas');
    await new Promise((res) => setTimeout(res, 1_500));
    await page.setViewportSize({ width: 1440, height: 1250 });
    await page.screenshot({ path: join(OUT, 'dashboard-rollout.png') });
    say(`wrote ${join(OUT, 'dashboard-fleet.png')} and ${join(OUT, 'dashboard-rollout.png')}`);
  } finally {
    await browser.close();
    for (const app of apps) app.stop();
    admin.close();
    for (const a of agents) await a.stop();
    await coordinator.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  say(`screenshots failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
