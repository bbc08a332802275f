import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostMetrics } from '../agent/vitals.js';
import { ErrorApp } from '../cli/demo-app.js';
import { push } from '../cli/push.js';
import type { AdminClient } from '../cli/admin-client.js';
import { CSP } from '../coordinator/http/headers.js';
import { DEFAULT_JUDGE } from '../coordinator/judge.js';
import { TERMINAL_ROLLOUT_STATES } from '../shared/domain.js';
import type { DeployRequest } from '../shared/gen/fleetswap/v1/DeployRequest.js';
import { ALL_AT_ONCE } from '../shared/plan.js';
import { mulberry32 } from '../shared/prng.js';
import { aBrowser, aContext, ready, signIn, watchProblems } from './browser.js';
import { aToken } from './dashboard.js';
import { onPostgres } from './database.js';
import { aTree, freePort, waitFor } from './fixtures.js';
import { aTlsFleet, type TlsFleet } from './hostile/tls-fleet.js';

// The dashboard in a real browser (Debian's chromium) against a real
// coordinator over TLS and real agents whose apps log errors at the rate
// their live release asks for: a deployer signs in and watches a canary
// rollout complete, sees why a bad build was rolled back, and rolls back
// from the page; a viewer finds nothing to act with, and what it (or
// another site) forges is refused.

const HOSTS = ['web-1', 'web-2', 'web-3', 'web-4', 'web-5', 'web-6'];
const BASE_RATE = 20;
const FAST_JUDGE = { ...DEFAULT_JUDGE, bucketMs: 500, lagMs: 150, staleMs: 2_000, beforeMs: 10_000 };

function syntheticMetrics(seed: number): { read(): Promise<HostMetrics> } {
  const rand = mulberry32(seed);
  return { read: async () => ({ load1: 0.5 + rand() * 0.1, cpu_pct: 20 + rand() * 4, mem_pct: 40 + rand() }) };
}

// The pages are the same whatever the coordinator keeps its state in, and the
// API they read runs on both backends in dashboard-http.test.ts: the
// PostgreSQL pass of npm test skips this file.
describe.skipIf(onPostgres())('dashboard in a browser', () => {
  let fleet: TlsFleet;
  let admin: AdminClient;
  let browser: Browser;
  let base: string;
  const apps: ErrorApp[] = [];
  const tokens = { viewer: '', deployer: '' };

  const release = async (label: string, rate: number) => {
    const build = await aTree(join(fleet.dir, 'builds', label), { 'index.html': label, 'error-rate': String(rate) });
    await push(admin, build, { label, owner: 'shop-team', notes: `build ${label}`, irreversible: '' }, false);
  };
  const deploy = (label: string, phases: Partial<DeployRequest> = {}) =>
    admin.rollout('Deploy', { ...ALL_AT_ONCE, release: label, select: {}, skip_offline: false, actor: 'tests', reason: `ship ${label}`, stage_timeout_ms: 30_000, switch_timeout_ms: 30_000, ...phases });
  const ended = (id: number) =>
    waitFor(`rollout #${id} to end`, async () => {
      const r = (await admin.call('Status', { rollout_id: id })).rollout;
      return r && TERMINAL_ROLLOUT_STATES.has(r.state) ? r : undefined;
    }, 40_000, 100);
  const canary = { canary: '2', waves: '50%,100%', bake: '4s', wave_bake: '1s', watch_for: '1s' };

  beforeAll(async () => {
    fleet = await aTlsFleet({ judge: FAST_JUDGE, decisionGraceMs: 3_000, http: { listen: '127.0.0.1:0' } });
    admin = fleet.admin();
    base = fleet.coordinator.http!.url;
    tokens.viewer = await aToken(admin, 'vera', 'viewer');
    tokens.deployer = await aToken(admin, 'dev', 'deployer');
    await Promise.all(
      HOSTS.map(async (id, i) => {
        const errorLog = join(fleet.dir, `${id}-error.log`);
        // One host's tag carries markup: the pages must show it as text.
        const tags = { role: 'web', dc: i % 2 ? 'east' : 'west', ...(i === 0 ? { note: '<img src=x id=pwned>' } : {}) };
        await fleet.anAgent(id, { tags, vitalsIntervalMs: 100, errorLog, metrics: syntheticMetrics(i + 1) });
        apps.push(new ErrorApp(join(fleet.dir, id), errorLog, i + 1).start());
      }),
    );
    await waitFor('every agent', () => fleet.coordinator.fleet.connectedCount() >= HOSTS.length);
    await release('v1', BASE_RATE);
    await release('v2', BASE_RATE);
    await release('v3', BASE_RATE * 5);
    expect((await ended((await deploy('v1')).id)).state).toBe('complete');
    browser = await aBrowser();
    // The canaries are judged against their own past too: give them some.
    await new Promise((r) => setTimeout(r, 2_000));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    for (const app of apps) app.stop();
    admin.close();
    await fleet.stop();
  });

  it('signs a deployer in, and shows a canary rollout live until it completes', async () => {
    const context = await aContext(browser);
    const page = await context.newPage();
    const problems = watchProblems(page);
    await signIn(page, base, tokens.deployer, '/rollouts/current');
    const cookies = await context.cookies();
    expect(cookies).toEqual([expect.objectContaining({ name: '__Host-fleetswap-session', httpOnly: true, secure: true, sameSite: 'Strict', path: '/' })]);

    const r = await deploy('v2', canary);
    // The page follows the new rollout by itself (server-sent events), through every phase to the end.
    await page.waitForSelector(`#title:text-matches("^Rollout #${r.id} ")`);
    await page.waitForSelector('#state:text-is("complete")', { timeout: 40_000 });
    expect(await page.textContent('#headline')).toMatch(/^Complete: watched 1s at 100%: no regression/);
    const timeline = await page.locator('#timeline li').allTextContents();
    expect(timeline[0]).toMatch(/deploy of v2 over v1 on 6 host\(s\) by token:bootstrap-admin — ship v2|deploy of v2 over v1 on 6 host\(s\) by tests/);
    expect(timeline.some((t) => /canary live \(2 hosts\)/.test(t))).toBe(true);
    expect(timeline.some((t) => /verdict judging: pass/.test(t))).toBe(true);
    expect(timeline.at(-1)).toMatch(/complete/);
    // A chart per judged metric, drawn by uPlot, and the judge's figures beside them.
    expect(await page.locator('#charts figure.metric canvas').count()).toBe(4);
    // The last verdict is the watch's (a watch of 1 s may end before it decides).
    expect(await page.locator('#verdict-outcome').textContent()).toMatch(/^(PASS|PENDING) in watching/);
    expect(await page.locator('#rollout-hosts tr').count()).toBe(6);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows why a bad build was rolled back, in one sentence at the top', async () => {
    const context = await aContext(browser);
    const page = await context.newPage();
    await signIn(page, base, tokens.viewer, '/rollouts/current');
    const r = await deploy('v3', { ...canary, bake: '30s' });
    await page.waitForSelector(`#title:text-matches("^Rollout #${r.id} ")`);
    await page.waitForSelector('#state:text-is("rolled back")', { timeout: 40_000 });
    const headline = await page.textContent('#headline');
    expect(headline).toMatch(/^Rolled back: rolled back automatically: verdict: error rate .*; every host is back$/);
    expect(await page.locator('#timeline li.t-action').allTextContents()).toEqual([expect.stringMatching(/auto-rollback by coordinator — rolled back automatically: verdict: error rate .* vs baseline/)]);
    expect(await page.locator('#verdict-outcome').textContent()).toMatch(/^FAIL in judging/);
    expect(await page.locator('#verdict tr.o-fail').count()).toBeGreaterThan(0);
    await context.close();
  });

  it('rolls back from the page, after asking why', async () => {
    const context = await aContext(browser);
    const page = await context.newPage();
    await signIn(page, base, tokens.deployer, '/rollouts');
    const v2 = (await admin.call('ListReleases', {})).releases.find((x) => x.label === 'v2');
    // The rollout that put v2 out: roll back to what it replaced.
    await page.click('#rows tr[data-release="v2"][data-kind="deploy"] a');
    await ready(page);
    await page.waitForSelector('#rollback');
    expect(await page.textContent('#rollback')).toBe('Roll back to v1…');
    await page.click('#rollback');
    await page.waitForSelector('dialog.confirm[open]');
    // No reason, no rollback: the browser holds an empty one back, the page one of blanks.
    await page.click('#confirm');
    expect(await page.locator('dialog.confirm[open]').count()).toBe(1);
    await page.fill('#reason', '   ');
    await page.click('#confirm');
    expect(await page.textContent('dialog.confirm .error')).toBe('give a reason: the audit log records why');
    await page.fill('#reason', 'checkout broken on v2');
    await page.click('#confirm');
    await page.waitForSelector('.toast:has-text("Roll back: done")');
    const rollback = await waitFor('the rollback', async () => {
      const r = (await admin.call('Status', { rollout_id: 0 })).rollout;
      return r?.kind === 'rollback' && r.state === 'complete' ? r : undefined;
    });
    expect(rollback.actor).toBe('token:dev');
    expect(rollback.reason).toBe('checkout broken on v2');
    expect(rollback.release_label).toBe('v1');
    expect(v2).toBeDefined();
    const audit = (await admin.call('Audit', { after_id: 0, limit: 5_000 })).entries.filter((e) => e.action === 'rollback');
    expect(audit.at(-1)).toMatchObject({ actor: 'token:dev', reason: 'checkout broken on v2' });
    await context.close();
  });

  it('gives a viewer no action controls, refuses what it forges, and another site gets nothing', async () => {
    const context = await aContext(browser);
    const page = await context.newPage();
    const problems = watchProblems(page);
    await signIn(page, base, tokens.viewer, '/fleet');
    expect(await page.textContent('#role')).toBe('viewer');
    // The hostile tag is shown as text, never as markup.
    expect(await page.locator('#rows .tag', { hasText: '<img src=x id=pwned>' }).count()).toBe(1);
    expect(await page.locator('#pwned').count()).toBe(0);
    expect(await page.locator('#fleet-actions button').count()).toBe(0);
    // Every page draws without a script error (a CSP violation is one), and none offers a viewer an action.
    for (const path of ['/rollouts/current', '/releases', '/rollouts', '/history', '/audit', '/drift']) {
      await page.goto(`${base}${path}`);
      await ready(page);
      expect(await page.locator('main button:is(#promote, #pause, #resume, #abort, #rollback, #halt, #unhalt), main button:has-text("Roll back")').count(), path).toBe(0);
    }
    expect(await page.locator('tbody.host[data-host="web-1"] .tag', { hasText: '<img src=x id=pwned>' }).count()).toBe(1);
    expect(await page.locator('#pwned').count()).toBe(0);
    await page.goto(`${base}/audit`);
    await ready(page);
    expect(await page.textContent('#chain')).toMatch(/^Chain whole: entries #1 to #\d+ each follow the one before and hash right\.$/);
    expect(await page.locator('#rows tr[data-entry]').count()).toBeGreaterThan(10);
    await page.goto(`${base}/releases`);
    await ready(page);
    await page.selectOption('#from', { label: 'v1' });
    await page.selectOption('#to', { label: 'v3' });
    await page.click('#compare');
    expect(await page.textContent('#diff-summary')).toBe('v1 → v3: 0 added, 2 changed, 0 removed · 5 B new or changed, 0 B removed');
    expect(problems).toEqual([]);
    const head = (await admin.call('Audit', { after_id: 0, limit: 1 })).head_id;
    // The viewer's own session, its CSRF token and all: the server refuses.
    const forged = await page.evaluate(async () => {
      const me = (await (await fetch('/api/session')).json()) as { csrf: string };
      const post = async (path: string, headers: Record<string, string>) => (await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ reason: 'forged' }) })).status;
      return {
        withToken: await post('/api/rollback', { 'x-csrf-token': me.csrf }),
        halt: await post('/api/halt', { 'x-csrf-token': me.csrf }),
        withoutToken: await post('/api/rollback', {}),
      };
    });
    expect(forged).toEqual({ withToken: 403, halt: 403, withoutToken: 403 });

    // Another site's page, in the same browser: its requests carry no session (SameSite=Strict) and are refused.
    const attacker = await anAttacker(base);
    try {
      const other = await context.newPage();
      await other.goto(attacker.url);
      await other.waitForFunction('document.title === "done"');
      expect(JSON.parse((await other.textContent('#out')) ?? '')).toEqual({ fetch: 'refused' });
      await other.close();
    } finally {
      attacker.server.close();
    }
    expect((await admin.call('Audit', { after_id: 0, limit: 1 })).head_id).toBe(head);
    expect((await admin.call('Status', { rollout_id: 0 })).halt?.halted).toBe(false);

    const res = await page.goto(`${base}/fleet`);
    expect(res?.headers()['content-security-policy']).toBe(CSP);
    await context.close();
  });
});

/** anAttacker serves a page on another origin that tries to act on the dashboard with the browser's cookies. */
async function anAttacker(target: string): Promise<{ server: Server; url: string }> {
  const page = `<!doctype html><title>evil</title><pre id="out"></pre><script>
(async () => {
  const out = {};
  try {
    const r = await fetch(${JSON.stringify(`${target}/api/halt`)}, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'pwned' }) });
    out.fetch = r.status;
  } catch (e) { out.fetch = 'refused'; }
  // A simple form post needs no preflight; it is refused too (no cookie is sent, and the body is not JSON).
  const f = document.createElement('form');
  f.method = 'POST'; f.action = ${JSON.stringify(`${target}/api/halt`)}; f.enctype = 'text/plain'; f.target = 'sink';
  const i = document.createElement('input'); i.name = '{"reason":"pwned","x":"'; i.value = '"}'; f.append(i);
  const sink = document.createElement('iframe'); sink.name = 'sink'; document.body.append(sink, f);
  f.submit();
  await new Promise((r) => setTimeout(r, 500));
  document.getElementById('out').textContent = JSON.stringify(out);
  document.title = 'done';
})();
</script>`;
  const port = await freePort();
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${port}/` };
}
