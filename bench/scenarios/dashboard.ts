import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { push } from '../../cli/push.js';
import { bootstrapToken } from '../../coordinator/auth.js';
import { ALL_AT_ONCE } from '../../shared/plan.js';
import { BenchFleet, tmpfsBase, until } from '../fleet.js';
import { now } from '../sim/protocol.js';
import { cpuPercent, usage } from '../sim/usage.js';
import { round, summarize } from '../stats.js';
import { buildFiles, changeFraction, writeTree } from '../tree.js';
import { target, type Scenario, type ScenarioOptions, type ScenarioResult } from './scenario.js';

// The dashboard at fleet size (issue 14): N agents sending vitals every
// second and a canary rollout being judged; the coordinator's CPU over a
// window with no dashboard open, then over one with DASHBOARDS rollout pages
// open in chromium (each following the live feed); then the fleet page's
// time from navigation to drawn (every host in the table), a few times; then
// /metrics scraped over HTTP as Prometheus would, SCRAPES times.

const WINDOW_MS = 30_000;
const DASHBOARDS = 5;
const FLEET_LOADS = 5;
const FLEET_PAGE_TARGET_MS = 1_000;
const CPU_DELTA_TARGET = 5;
const SCRAPES = 50;
const SCRAPE_TARGET_MS = 50;
const CHROMIUM = process.env.FLEETSWAP_CHROMIUM ?? '/usr/bin/chromium';

export const dashboardScenario: Scenario = {
  name: 'dashboard',
  description: `N agents (vitals at 1 Hz) and a canary being judged: coordinator CPU with ${DASHBOARDS} rollout pages open against none, the fleet page's time to drawn in chromium, and a /metrics scrape over HTTP`,
  defaultAgents: 1000,
  run: runDashboard,
};

async function runDashboard({ agents, progress }: ScenarioOptions): Promise<ScenarioResult> {
  const base = tmpfsBase();
  progress(`starting a coordinator with --http-listen and ${agents} agents, vitals at 1 Hz`);
  const fleet = await BenchFleet.start(agents, { base, vitalsIntervalMs: 1000, coordinatorArgs: ['--http-listen', '127.0.0.1:0'] });
  let browser: Browser | undefined;
  try {
    const v1 = buildFiles().filter((f) => f.size < 16 * 1024).slice(0, 50);
    await writeTree(join(fleet.dir, 'builds', 'v1'), v1);
    await writeTree(join(fleet.dir, 'builds', 'v2'), changeFraction(v1, 0.1).files);
    const release = async (build: string) => (await push(fleet.client, join(fleet.dir, 'builds', build), { label: build, owner: 'bench', notes: '', irreversible: '' }, false)).release;
    const deploy = (label: string, phases: object) =>
      fleet.client.rollout('Deploy', { ...ALL_AT_ONCE, release: label, select: {}, skip_offline: false, actor: 'bench', reason: 'benchmark', stage_timeout_ms: 600_000, switch_timeout_ms: 60_000, ...phases });
    progress('deploying v1 everywhere, then v2 to a 5% canary judged for 30 minutes');
    await release('v1');
    await release('v2');
    await fleet.waitRollout((await deploy('v1', {})).id, 600_000);
    const canary = await deploy('v2', { canary: '5%', waves: '100%', bake: '30m', watch_for: '0s' });
    await until('the canary judged', async () => (await fleet.client.call('Status', { rollout_id: canary.id })).rollout?.state === 'judging', 600_000);

    const pid = fleet.coordinatorPid();
    const measure = async (): Promise<number> => {
      const before = usage(pid);
      const t0 = now();
      await new Promise((r) => setTimeout(r, WINDOW_MS));
      return cpuPercent(before, usage(pid), now() - t0);
    };
    progress(`coordinator CPU for ${WINDOW_MS / 1000} s with no dashboard open`);
    const without = await measure();

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const token = await bootstrapToken(join(fleet.dir, 'coordinator'));
    const first = await context.newPage();
    await first.goto(`${fleet.dashboardUrl}/signin?next=/rollouts/current`);
    await first.fill('#token', token);
    await first.click('#go');
    await first.waitForSelector('html[data-ready=true]');
    const pages: Page[] = [first];
    for (let i = 1; i < DASHBOARDS; i++) {
      const p = await context.newPage();
      await p.goto(`${fleet.dashboardUrl}/rollouts/current`);
      await p.waitForSelector('html[data-ready=true]');
      pages.push(p);
    }
    progress(`coordinator CPU for ${WINDOW_MS / 1000} s with ${DASHBOARDS} rollout pages open`);
    const withPages = await measure();
    for (const p of pages) await p.close();

    progress(`loading the fleet page ${FLEET_LOADS} times`);
    const fleetPage = await context.newPage();
    const loads: number[] = [];
    let rows = 0;
    for (let i = 0; i < FLEET_LOADS; i++) {
      const t0 = now();
      await fleetPage.goto(`${fleet.dashboardUrl}/fleet`);
      await fleetPage.waitForSelector('html[data-ready=true]');
      loads.push(now() - t0);
      rows = await fleetPage.locator('#rows tr[data-host]').count();
    }
    if (rows !== agents) throw new Error(`the fleet page drew ${rows} hosts of ${agents}`);
    const load = summarize(loads);

    progress(`scraping /metrics ${SCRAPES} times`);
    const scrape = async (): Promise<number> => {
      const t0 = now();
      const res = await fetch(`${fleet.dashboardUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      const text = await res.text();
      if (!res.ok || !text.includes('fleetswap_hosts_by_state')) throw new Error(`/metrics answered ${res.status}: ${text.slice(0, 200)}`);
      return now() - t0;
    };
    for (let i = 0; i < 3; i++) await scrape();
    const scrapes: number[] = [];
    for (let i = 0; i < SCRAPES; i++) scrapes.push(await scrape());
    const scraped = summarize(scrapes);
    const figures = {
      agents,
      window_ms: WINDOW_MS,
      dashboards: DASHBOARDS,
      coordinator_cpu_percent: { without_dashboards: without, with_dashboards: withPages, delta: round(withPages - without) },
      fleet_page_ms: load,
      metrics_scrape_ms: scraped,
    };
    return {
      figures,
      targets: [
        target('fleet page, navigation to every host drawn (median)', load.median, '<', FLEET_PAGE_TARGET_MS, 'ms'),
        target(`coordinator CPU with ${DASHBOARDS} rollout pages open, minus none (points of one core)`, figures.coordinator_cpu_percent.delta, '<=', CPU_DELTA_TARGET, 'percent'),
        target(`/metrics scrape over HTTP at ${agents} hosts (median)`, scraped.median, '<', SCRAPE_TARGET_MS, 'ms'),
      ],
      summary: [
        `${agents} agents at 1 sample/s, a canary of ${canary.plan?.canary_hosts ?? '?'} hosts being judged`,
        `coordinator: ${without}% of one core with no dashboard, ${withPages}% with ${DASHBOARDS} rollout pages open (${figures.coordinator_cpu_percent.delta} points)`,
        `fleet page (${agents} hosts): drawn ${round(load.median)} ms after navigation (median of ${FLEET_LOADS}; max ${round(load.max)} ms)`,
        `/metrics over HTTP: ${round(scraped.median)} ms median, ${round(scraped.p99)} ms p99, ${round(scraped.max)} ms max (${SCRAPES} scrapes)`,
      ],
    };
  } finally {
    progress('stopping the fleet');
    await browser?.close();
    await fleet.stop();
  }
}
