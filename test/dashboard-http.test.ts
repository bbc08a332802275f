import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminClient } from '../cli/admin-client.js';
import { CSP } from '../coordinator/http/headers.js';
import type { MetricsSource } from '../coordinator/http/options.js';
import { ALL_AT_ONCE } from '../shared/plan.js';
import { DashboardClient, aToken, follow, json, request, type Answer } from './dashboard.js';
import { TEST_TOKEN, aCoordinator, aRelease, aTree, cleanup, deployAndWait, tempDir, waitFor } from './fixtures.js';
import { aTlsFleet, type TlsFleet } from './hostile/tls-fleet.js';
import { openDatabase } from './database.js';

// The dashboard's HTTP surface without a browser: TLS with the coordinator's
// own certificate, sign-in and its cookie, the headers every answer carries,
// and every refusal a forged request meets (another role, no CSRF token,
// another origin, a form post, a big body), each time with nothing changed.

/** A stand-in for the coordinator's metrics (coordinator/metrics.ts): the listener only needs its shape. */
const METRICS: MetricsSource = { contentType: 'text/plain; version=0.0.4; charset=utf-8', render: async () => '# HELP fleetswap_up 1 when up\n# TYPE fleetswap_up gauge\nfleetswap_up 1\n' };

describe('dashboard over HTTPS', () => {
  let fleet: TlsFleet;
  let admin: AdminClient;
  let base: string;
  let ca: Buffer;
  const tokens: Record<'viewer' | 'deployer' | 'admin2', string> = { viewer: '', deployer: '', admin2: '' };
  const as = async (token: string): Promise<DashboardClient> => {
    const c = new DashboardClient(base, ca);
    expect((await c.signIn(token)).status).toBe(200);
    return c;
  };
  const auditHead = async () => (await admin.call('Audit', { after_id: 0, limit: 1 })).head_id;

  beforeAll(async () => {
    // The tests sign in from one address, a few times each: more than a person does in a minute.
    fleet = await aTlsFleet({ http: { listen: '127.0.0.1:0', metrics: METRICS, metricsAllow: ['10.0.0.0/8'], signInsPerMinute: 40 } });
    admin = fleet.admin();
    base = fleet.coordinator.http!.url;
    ca = (await fleet.files('coordinator', 'coordinator')).ca;
    tokens.viewer = await aToken(admin, 'vera', 'viewer');
    tokens.deployer = await aToken(admin, 'dev', 'deployer');
    tokens.admin2 = await aToken(admin, 'ada', 'admin');
    await fleet.anAgent('web-1', { tags: { role: 'web', note: '<img src=x onerror=alert(1)>' } });
    await fleet.anAgent('web-2', { tags: { role: 'web' } });
    await waitFor('two agents', () => fleet.coordinator.fleet.connectedCount() >= 2);
  });

  afterAll(async () => {
    admin.close();
    await fleet.stop();
  });

  it('serves over the coordinator certificate, with a strict CSP and the other headers on every answer', async () => {
    expect(base).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    for (const path of ['/signin', '/api/fleet', '/static/js/lib.js', '/nowhere']) {
      const a = await request(`${base}${path}`, { ca });
      expect(a.headers['content-security-policy'], path).toBe(CSP);
      expect(a.headers['x-content-type-options']).toBe('nosniff');
      expect(a.headers['referrer-policy']).toBe('no-referrer');
      expect(a.headers['strict-transport-security']).toMatch(/max-age=/);
    }
    expect(CSP).toContain("default-src 'self'");
    expect(CSP).toContain("frame-ancestors 'none'");
    expect(CSP).toContain("form-action 'self'");
    expect(CSP).toContain("base-uri 'none'");
    expect(CSP).not.toContain('unsafe-inline');
    // Plain HTTP on the same port is not served.
    await expect(request(base.replace('https:', 'http:') + '/signin')).rejects.toThrow();
    // A page without a session sends the browser to sign in, and back after.
    const page = await request(`${base}/fleet`, { ca });
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/signin?next=%2Ffleet');
  });

  it('exchanges an API token for an HttpOnly, Secure, SameSite=Strict session cookie; a wrong token gets nothing', async () => {
    const c = new DashboardClient(base, ca);
    const a = await c.signIn(tokens.deployer);
    expect(a.status).toBe(200);
    expect(json<{ name: string; role: string }>(a)).toMatchObject({ name: 'dev', role: 'deployer' });
    const cookie = [a.headers['set-cookie'] ?? []].flat()[0] ?? '';
    expect(cookie).toMatch(/^__Host-fleetswap-session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Domain=/i);
    // The cookie holds a random id, not the token.
    expect(cookie).not.toContain(tokens.deployer);
    expect(json<{ role: string }>(await c.get('/api/session')).role).toBe('deployer');

    const wrong = await new DashboardClient(base, ca).signIn('fst_not-a-token');
    expect(wrong.status).toBe(403);
    expect(json(wrong)).toEqual({ error: 'unknown API token', code: 'NOT_AUTHORISED' });
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect((await new DashboardClient(base, ca).get('/api/fleet')).status).toBe(401);
  });

  it('lets a viewer read everything and refuses its actions, whatever it sends', async () => {
    const viewer = await as(tokens.viewer);
    const fleetPage = json<{ hosts: { id: string; tags: Record<string, string> }[] }>(await viewer.get('/api/fleet'));
    expect(fleetPage.hosts.map((h) => h.id).sort()).toEqual(['web-1', 'web-2']);
    // Text from hosts comes back as data, exactly: pages set it as text.
    expect(fleetPage.hosts.find((h) => h.id === 'web-1')?.tags.note).toBe('<img src=x onerror=alert(1)>');
    for (const path of ['/api/status', '/api/releases', '/api/history', '/api/audit', '/api/drift', '/api/rollouts', '/api/rollouts/current']) expect((await viewer.get(path)).status, path).toBe(200);

    const head = await auditHead();
    for (const [path, body] of [
      ['/api/halt', { reason: 'viewer tries' }],
      ['/api/rollback', { reason: 'viewer tries' }],
      ['/api/rollouts/1/abort', { reason: 'viewer tries' }],
    ] as const) {
      const a = await viewer.post(path, body);
      expect(a.status, path).toBe(403);
      expect(json<{ code: string }>(a).code).toBe('NOT_AUTHORISED');
    }
    expect(json<{ error: string }>(await viewer.post('/api/halt', { reason: 'x' })).error).toBe('halt needs the admin role; token vera is a viewer');
    expect(await auditHead()).toBe(head);
    expect((await admin.call('Status', { rollout_id: 0 })).halt?.halted).toBe(false);
  });

  it('refuses an admin request without the CSRF token, from another origin or site, as a form, or with a big body; nothing changes', async () => {
    const ada = await as(tokens.admin2);
    const head = await auditHead();
    const refusals: [string, Answer][] = [
      ['no CSRF token', await ada.post('/api/halt', { reason: 'forged' }, { 'x-csrf-token': undefined })],
      ['a wrong CSRF token', await ada.post('/api/halt', { reason: 'forged' }, { 'x-csrf-token': 'A'.repeat(43) })],
      ['another origin', await ada.post('/api/halt', { reason: 'forged' }, { origin: 'https://evil.example' })],
      ['no origin', await ada.post('/api/halt', { reason: 'forged' }, { origin: undefined })],
      ['a cross-site fetch', await ada.post('/api/halt', { reason: 'forged' }, { 'sec-fetch-site': 'cross-site' })],
    ];
    for (const [what, a] of refusals) {
      expect(a.status, what).toBe(403);
      expect(json<{ code: string }>(a).code, what).toBe('NOT_AUTHORISED');
    }
    // What a form on another site can send without asking: refused before it is read.
    const form = await request(`${base}/api/halt`, { method: 'POST', ca, headers: { cookie: ada.cookie, origin: base, 'x-csrf-token': ada.csrf, 'content-type': 'application/x-www-form-urlencoded' }, body: 'reason=forged' });
    expect(form.status).toBe(415);
    const text = await request(`${base}/api/halt`, { method: 'POST', ca, headers: { cookie: ada.cookie, origin: base, 'x-csrf-token': ada.csrf, 'content-type': 'text/plain' }, body: '{"reason":"forged"}' });
    expect(text.status).toBe(415);
    const big = await ada.post('/api/halt', { reason: 'x'.repeat(100_000) });
    expect(big.status).toBe(413);
    const noReason = await ada.post('/api/halt', { reason: '  ' });
    expect(noReason.status).toBe(400);
    expect(json<{ error: string }>(noReason).error).toBe('give a reason: the audit log records why');
    expect(await auditHead()).toBe(head);
    expect((await admin.call('Status', { rollout_id: 0 })).halt?.halted).toBe(false);

    // The same admin, asking properly: done, audited with the token's name.
    const ok = await ada.post('/api/halt', { reason: 'maintenance window' });
    expect(ok.status).toBe(200);
    const entries = (await admin.call('Audit', { after_id: head, limit: 10 })).entries;
    expect(entries.map((e) => [e.actor, e.action, e.reason])).toEqual([['token:ada', 'halt', 'maintenance window']]);
    expect((await ada.post('/api/unhalt', { reason: 'done' })).status).toBe(200);
    expect((await admin.call('Status', { rollout_id: 0 })).halt?.halted).toBe(false);
    // A deployer may not halt.
    const dev = await as(tokens.deployer);
    expect(json<{ error: string }>(await dev.post('/api/halt', { reason: 'x' })).error).toBe('halt needs the admin role; token dev is a deployer');
  });

  it('pauses and resumes a rollout for a deployer, audited as its token, the same as the CLI', async () => {
    const dir = await tempDir();
    await aRelease(admin, await aTree(join(dir, 'v1'), { 'index.html': 'v1' }), 'v1');
    await aRelease(admin, await aTree(join(dir, 'v2'), { 'index.html': 'v2' }), 'v2');
    await deployAndWait(admin, 'v1');
    const r = await admin.rollout('Deploy', { ...ALL_AT_ONCE, release: 'v2', select: {}, canary: '1', waves: '100%', bake: '10m', watch_for: '0s', skip_offline: false, actor: 'tests', reason: '', stage_timeout_ms: 30_000, switch_timeout_ms: 30_000 });
    await waitFor('the canary judged', async () => ['judging', 'paused'].includes((await admin.call('Status', { rollout_id: r.id })).rollout?.state ?? ''));
    const dev = await as(tokens.deployer);
    const paused = await dev.post(`/api/rollouts/${r.id}/pause`, { reason: 'looks odd' });
    expect(paused.status, paused.body).toBe(200);
    expect(json<{ rollout: { state: string } }>(paused).rollout.state).toBe('paused');
    const viewer = await as(tokens.viewer);
    expect((await viewer.post(`/api/rollouts/${r.id}/resume`, { reason: 'no' })).status).toBe(403);
    expect(json<{ rollout: { state: string } }>(await dev.post(`/api/rollouts/${r.id}/resume`, { reason: 'fine after all' })).rollout.state).toBe('judging');
    const page = json<{ rollout: { id: number }; timeline: { what: string; by: string; reason: string }[]; headline: string }>(await viewer.get('/api/rollouts/current'));
    expect(page.rollout.id).toBe(r.id);
    expect(page.timeline.filter((t) => t.by === 'token:dev').map((t) => [t.what, t.reason])).toEqual([
      ['pause', 'looks odd'],
      ['resume', 'fine after all'],
    ]);
    expect(json<{ error: string }>(await dev.post(`/api/rollouts/${r.id}/explode`, { reason: 'x' })).error).toBe('no action "explode": promote, pause, resume or abort');
    // Followed live: a page at most once a second, and the feed ends when the session's token is revoked.
    const temp = await as(await aToken(admin, 'watcher', 'viewer'));
    const feed = follow(`${base}/api/rollouts/current/live`, { cookie: temp.cookie, ca });
    expect(await feed.status).toBe(200);
    await waitFor('three pages', () => feed.events.filter((e) => e.event === 'page').length >= 3, 10_000);
    const pages = feed.events.filter((e) => e.event === 'page');
    expect(json<{ rollout: { id: number } }>({ body: pages[0]!.data } as Answer).rollout.id).toBe(r.id);
    for (let i = 1; i < pages.length; i++) expect(pages[i]!.at - pages[i - 1]!.at).toBeGreaterThanOrEqual(900);
    // Each verdict's p-values, a second apart, recorded whether or not a page was open.
    const looksOf = async () => json<{ looks: { at_ms: number; p: Record<string, number> }[] }>(await viewer.get(`/api/rollouts/${r.id}`)).looks;
    const looks = await waitFor('two looks', async () => ((await looksOf()).length >= 2 ? looksOf() : undefined), 20_000, 200);
    expect(looks[1]!.at_ms).toBeGreaterThan(looks[0]!.at_ms);
    await admin.call('RevokeToken', { name: 'watcher', actor: 'tests' });
    await feed.ended;
    expect(feed.events.at(-1)?.event).toBe('signed-out');
    const aborted = await dev.post(`/api/rollouts/${r.id}/abort`, { reason: 'test over' });
    expect(aborted.status, aborted.body).toBe(200);
    await cleanup(dir);
  });

  it('compares two releases, lists rollouts, and renders the drift report escaped', async () => {
    const viewer = await as(tokens.viewer);
    const diff = await viewer.get('/api/releases/diff?from=v1&to=v2');
    expect(diff.status, diff.body).toBe(200);
    expect(json(diff)).toMatchObject({ from: { label: 'v1' }, to: { label: 'v2' }, added: 0, changed: 1, removed: 0, bytes_added: 2, paths: [{ path: 'index.html', change: 'changed', before: { type: 'file', size: 2 }, after: { type: 'file', size: 2 } }] });
    const unknown = await viewer.get('/api/releases/diff?from=v1&to=nope');
    expect(unknown.status).toBe(404);
    expect(json<{ error: string }>(unknown).error).toBe('no release with label or id "nope": see fleetswap releases');
    const list = json<{ rollouts: { id: number; release_label: string; state: string }[] }>(await viewer.get('/api/rollouts'));
    expect(list.rollouts.map((r) => r.release_label)).toEqual(['v2', 'v1']);
    const drift = await viewer.get('/drift');
    expect(drift.status).toBe(200);
    expect(drift.headers['content-security-policy']).toBe(CSP);
    expect(drift.body).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(drift.body).not.toContain('<img src=x');
    expect(drift.body).not.toMatch(/<script>|<style>/);
  });

  it('says whether the audit chain is whole, and finds an entry changed behind its back', async () => {
    const viewer = await as(tokens.viewer);
    const whole = json<{ entries: { id: number }[]; chain: { whole: boolean; checked_to: number; head: number } }>(await viewer.get('/api/audit'));
    expect(whole.chain).toMatchObject({ whole: true });
    expect(whole.chain.checked_to).toBe(whole.chain.head);
    // Newest first; an entry may be appended between the page and the check.
    expect(whole.entries[0]?.id).toBeLessThanOrEqual(whole.chain.head);
    expect(whole.entries[0]?.id).toBeGreaterThan(1);
    const db = await openDatabase(join(fleet.dir, 'data'));
    try {
      await db.run(`UPDATE audit SET reason = 'nothing to see' WHERE id = 2`);
      const broken = json<{ chain: { whole: boolean; broken: { id: number; message: string } } }>(await viewer.get('/api/audit?verify=full'));
      expect(broken.chain.whole).toBe(false);
      expect(broken.chain.broken.message).toMatch(/^entry #2 was changed \(/);
    } finally {
      await db.close();
    }
  });

  it('ends the sessions of a revoked token at once', async () => {
    await aToken(admin, 'temp', 'viewer').then(async (t) => {
      const c = await as(t);
      expect((await c.get('/api/fleet')).status).toBe(200);
      await admin.call('RevokeToken', { name: 'temp', actor: 'tests' });
      const a = await c.get('/api/fleet');
      expect(a.status).toBe(401);
      expect(json<{ error: string }>(a).error).toMatch(/^signed out: token temp was revoked at /);
    });
  });

  it('signs out: the cookie is cleared and the session is gone', async () => {
    const c = await as(tokens.viewer);
    const forged = await request(`${base}/api/session`, { method: 'DELETE', ca, headers: { cookie: c.cookie, origin: base } });
    expect(forged.status).toBe(403);
    const out = await request(`${base}/api/session`, { method: 'DELETE', ca, headers: { cookie: c.cookie, origin: base, 'x-csrf-token': c.csrf } });
    expect(out.status).toBe(200);
    expect([out.headers['set-cookie'] ?? []].flat()[0]).toMatch(/^__Host-fleetswap-session=;.*Expires=Thu, 01 Jan 1970/);
    expect((await c.get('/api/fleet')).status).toBe(401);
  });

  it('serves only its own files, uPlot among them', async () => {
    const uplot = await request(`${base}/static/vendor/uPlot.esm.js`, { ca });
    expect(uplot.status).toBe(200);
    expect(uplot.headers['content-type']).toBe('text/javascript; charset=utf-8');
    for (const path of ['/static/../pages/fleet.html', '/static/%2e%2e/%2e%2e/package.json', '/static/pages/fleet.html', '/static/js/../../../../etc/passwd']) {
      expect((await request(`${base}${path}`, { ca })).status, path).toBe(404);
    }
  });

  it('serves /metrics to a token or a session, not to an address outside --metrics-allow', async () => {
    const anon = await request(`${base}/metrics`, { ca });
    expect(anon.status).toBe(403);
    const bearer = await request(`${base}/metrics`, { ca, headers: { authorization: `Bearer ${tokens.viewer}` } });
    expect(bearer.status).toBe(200);
    expect(bearer.headers['content-type']).toBe(METRICS.contentType);
    expect(bearer.body).toContain('fleetswap_up 1');
    expect((await (await as(tokens.viewer)).get('/metrics')).status).toBe(200);
  });

  // Last: it spends this address's sign-in attempts for the minute.
  it('limits sign-in attempts from one address', async () => {
    const answers: number[] = [];
    for (let i = 0; i < 41 && answers.at(-1) !== 429; i++) answers.push((await new DashboardClient(base, ca).signIn(`fst_guess-${i}`)).status);
    expect(answers.at(-1)).toBe(429);
    expect(new Set(answers.slice(0, -1))).toEqual(new Set([403]));
    // Even the right token waits: the limit is on attempts, not failures.
    const a = await new DashboardClient(base, ca).signIn(TEST_TOKEN);
    expect(a.status).toBe(429);
    expect(Number(a.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('dashboard in plaintext (--insecure)', () => {
  it('serves plain HTTP, the cookie without Secure, /metrics to allowed addresses, and ends idle sessions', async () => {
    const dir = await tempDir();
    const c = await aCoordinator(join(dir, 'data'), { http: { listen: '127.0.0.1:0', metrics: METRICS, metricsAllow: ['127.0.0.1/32'], sessionIdleMs: 400 } });
    try {
      const base = c.http!.url;
      expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const client = new DashboardClient(base);
      const a = await client.signIn(TEST_TOKEN);
      const cookie = [a.headers['set-cookie'] ?? []].flat()[0] ?? '';
      expect(cookie).toMatch(/^fleetswap-session=/);
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Strict/);
      expect(cookie).not.toMatch(/Secure/);
      expect((await request(`${base}/metrics`)).status).toBe(200);
      expect((await client.get('/api/fleet')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 600));
      expect((await client.get('/api/fleet')).status).toBe(401);
    } finally {
      await c.stop();
      await cleanup(dir);
    }
  });

  it('refuses a bad --http-listen or --metrics-allow before anything starts', async () => {
    const dir = await tempDir();
    await expect(aCoordinator(join(dir, 'a'), { http: { listen: 'localhost' } })).rejects.toThrow('bad --http-listen "localhost": give HOST:PORT, e.g. 127.0.0.1:7401 (port 0 picks a free one)');
    await expect(aCoordinator(join(dir, 'b'), { http: { listen: '127.0.0.1:0', metricsAllow: ['10.0.0.0/33'] } })).rejects.toThrow('bad --metrics-allow "10.0.0.0/33": give an address or a CIDR range, e.g. 10.0.0.0/8 or 127.0.0.1');
    await cleanup(dir);
  });
});
