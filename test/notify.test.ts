import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../agent/agent.js';
import type { Coordinator } from '../coordinator/coordinator.js';
import type { Event__Output } from '../shared/gen/fleetswap/v1/Event.js';
import { AdminClient, BIN, aCoordinator, aCoordinatorProcess, aRelease, aTree, anAgent, cleanup, deployAndWait, freePort, runCli, tempDir, waitFor } from './fixtures.js';
import { Receiver, verify, type Received } from './receiver.js';

// Notifications end to end: a real coordinator and agents, real deploys and
// rollbacks, and real HTTP receivers on 127.0.0.1 that keep what they get.

const SECRET = 'shh-this-signs-requests';
const DASHBOARD = 'https://dash.example.com';

/** allEvents reads the whole stream, page by page. */
async function allEvents(client: AdminClient): Promise<Event__Output[]> {
  const out: Event__Output[] = [];
  for (let after = 0; ; ) {
    const page = await client.call('Events', { after_id: after, limit: 2 });
    out.push(...page.events);
    after = page.events.at(-1)?.id ?? after;
    if (!page.more) return out;
  }
}

const idsOf = (got: Received[]): number[] => got.map((g) => Number((g.json.data as { id?: number } | undefined)?.id ?? g.json.id));

describe('notifications', () => {
  let dir: string;
  let coordinator: Coordinator;
  let client: AdminClient;
  let health: Server;
  let healthy = true;
  const agents: Agent[] = [];
  const all = new Receiver();
  const crit = new Receiver();
  const drift = new Receiver();
  const dbOnly = new Receiver();
  const root = (id: string) => join(dir, 'hosts', id);
  const add = (name: string, r: Receiver, extra: Record<string, unknown>) =>
    client.call('AddNotify', { name, url: r.url, format: 'generic', events: [], min_severity: '', select: {}, secret: '', actor: '', ...extra });
  const receiverView = async (name: string) => (await client.call('Status', { rollout_id: 0 })).notify.find((r) => r.name === name);

  beforeAll(async () => {
    dir = await tempDir();
    for (const r of [all, crit, drift, dbOnly]) await r.start();
    health = createServer((_req, res) => res.writeHead(healthy ? 200 : 500).end());
    await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
    const healthUrl = `http://127.0.0.1:${(health.address() as { port: number }).port}/`;
    coordinator = await aCoordinator(join(dir, 'data'), { drift: { graceMs: 1_000 }, notify: { retryMs: 100, pollMs: 100, dashboardUrl: DASHBOARD } });
    client = new AdminClient(coordinator.address);
    for (const id of ['web-1', 'web-2']) {
      agents.push(await anAgent(coordinator.address, root(id), { id, tags: { role: 'web' }, verifyIntervalMs: 500, healthUrl: id === 'web-2' ? healthUrl : undefined, healthTimeoutMs: 1_000 }));
    }
    await waitFor('2 agents', () => coordinator.fleet.connectedCount() === 2);
    await add('all', all, { secret: SECRET });
    await add('crit', crit, { format: 'cloudevents', min_severity: 'critical' });
    await add('drift', drift, { format: 'slack', events: ['drift.*'], select: { role: 'web' } });
    await add('db-only', dbOnly, { events: ['drift.*'], select: { role: 'db' } });
  }, 60_000);

  afterAll(async () => {
    for (const a of agents) await a.stop();
    client?.close();
    await coordinator?.stop();
    await new Promise((r) => health?.close(r));
    for (const r of [all, crit, drift, dbOnly]) await r.stop();
    await cleanup(dir);
  });

  it('a deploy and an automatic rollback are in the stream with their reasons, and reach each receiver in order, signed', async () => {
    await aRelease(client, await aTree(join(dir, 'b1'), { 'index.html': 'one' }), 'v1');
    expect((await deployAndWait(client, 'v1')).state).toBe('complete');
    healthy = false;
    await aRelease(client, await aTree(join(dir, 'b2'), { 'index.html': 'two' }), 'v2');
    const bad = await deployAndWait(client, 'v2');
    healthy = true;
    expect(bad.state).toBe('rolled_back');

    const events = await allEvents(client);
    const done = events.find((e) => e.kind === 'rollout.phase' && e.label === 'v1' && /live on v1/.test(e.reason));
    expect(done).toMatchObject({ severity: 'info', actor: 'coordinator', link: `${DASHBOARD}/rollouts/1` });
    const back = events.find((e) => e.kind === 'rollout.rolled_back');
    expect(back).toMatchObject({ severity: 'critical', label: 'v2', rollout_id: bad.id, link: `${DASHBOARD}/rollouts/${bad.id}` });
    expect(back!.reason).toMatch(/rolled back automatically: switch failed on web-2/);
    expect(events.find((e) => e.kind === 'rollout.phase' && e.rollout_id === bad.id && /every host is back/.test(e.reason))?.severity).toBe('critical');
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));

    // Every event reaches the unfiltered receiver, once each here (nothing failed), in order, signed.
    await waitFor('every event delivered', () => all.got.length >= events.length);
    expect(idsOf(all.got)).toEqual(events.map((e) => e.id));
    for (const g of all.got) expect(verify(g, SECRET)).toBe(true);
    expect(verify(all.got[0]!, 'another secret')).toBe(false);
    expect(all.got[0]!.headers['webhook-id']).toMatch(/-event-\d+$/);
    expect(all.got.find((g) => g.json.kind === 'rollout.rolled_back')?.json).toMatchObject({ severity: 'critical', rollout: { id: bad.id, label: 'v2' }, link: `${DASHBOARD}/rollouts/${bad.id}` });

    // Only critical ones reach the critical receiver, as CloudEvents with the CDEvents type.
    await waitFor('critical events delivered', () => crit.got.length >= events.filter((e) => e.severity === 'critical').length);
    expect(crit.got.every((g) => (g.json.data as { severity: string }).severity === 'critical')).toBe(true);
    const ce = crit.got.find((g) => g.json.type === 'dev.cdevents.service.rolledback.0.2.0');
    expect(ce?.json).toMatchObject({ specversion: '1.0', source: 'fleetswap', datacontenttype: 'application/json', subject: `rollout/${bad.id}` });
    expect(ce?.headers['content-type']).toBe('application/cloudevents+json');
    expect(crit.got[0]!.headers['webhook-signature']).toBeUndefined();
    expect(drift.got).toEqual([]);

    const cli = await runCli(['events', '--coordinator', coordinator.address]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`#${back!.id} \\S+ CRITICAL rollout.rolled_back rollout #${bad.id} \\(v2\\) coordinator: rolled back automatically`));
    const since = await runCli(['events', '--since', String(back!.id), '--json', '--coordinator', coordinator.address]);
    expect(since.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { id: number }).id)).toEqual(events.filter((e) => e.id > back!.id).map((e) => e.id));
  });

  it('drift found and resolved reach a receiver selecting the host\'s tags, as Slack messages; not one selecting other tags', async () => {
    await writeFile(join(root('web-1'), 'current', 'index.html'), 'changed by hand <!channel>');
    await waitFor('drift found and resolved', () => drift.got.length >= 2, 20_000);
    const texts = drift.got.map((g) => String(g.json.text));
    expect(texts[0]).toMatch(/^:warning: \[warning\] drift.found host web-1: content-drift on web-1/);
    expect(texts[1]).toMatch(/drift.resolved host web-1: content-drift on web-1 resolved: reverted: rebuilt into a fresh slot/);
    expect(drift.got[0]!.json.blocks).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'section' }), expect.objectContaining({ type: 'context' })]));
    // Let the other receivers catch up; then db-only (role=db) has had nothing.
    const events = await allEvents(client);
    await waitFor('all caught up', () => all.got.length >= events.length);
    expect(dbOnly.got).toEqual([]);
  });

  it('events --follow prints what happens as it happens', async () => {
    const last = (await allEvents(client)).at(-1)?.id ?? 0;
    const child = spawn(process.execPath, [BIN, 'events', '--follow', '--since', String(last), '--coordinator', coordinator.address], { stdio: ['ignore', 'pipe', 'pipe'] });
    let printed = '';
    child.stdout.on('data', (d: Buffer) => (printed += d.toString()));
    try {
      await client.call('Halt', { actor: '', reason: 'watch \u001b[31mthis' });
      await waitFor('the halt printed', () => /CRITICAL halt token:[^ ]+: fleet halted: watch \\x1b\[31mthis/.test(printed), 10_000);
      await client.call('Unhalt', { actor: '', reason: '' });
      await waitFor('the unhalt printed', () => /WARNING unhalt .*: halt lifted  https:\/\/dash\.example\.com\/fleet\n/.test(printed), 10_000);
      expect(printed.trim().split('\n')).toHaveLength(2);
    } finally {
      child.kill();
    }
  });

  it('a receiver that is down, then answers 503, then is back gets every event in order; the pending ones show in status', async () => {
    const flaky = await new Receiver().start();
    await add('flaky', flaky, {});
    await flaky.stop();
    for (const verb of ['Halt', 'Unhalt', 'Halt', 'Unhalt'] as const) await client.call(verb, { actor: '', reason: `drill ${verb}` });
    const view = await waitFor('4 pending with an error', async () => {
      const v = await receiverView('flaky');
      return v && v.pending === 4 && v.last_error ? v : undefined;
    });
    expect(view.last_error).toMatch(/ECONNREFUSED/);
    flaky.answer = 503;
    await flaky.start();
    await waitFor('a 503 answered', () => flaky.refused >= 2);
    expect(flaky.got).toEqual([]);
    flaky.answer = 200;
    await waitFor('all 4 delivered', () => flaky.got.length >= 4, 20_000);
    const kinds = flaky.got.map((g) => `${String(g.json.kind)}: ${String(g.json.reason)}`);
    expect(kinds).toEqual(['halt: fleet halted: drill Halt', 'unhalt: halt lifted: drill Unhalt', 'halt: fleet halted: drill Halt', 'unhalt: halt lifted: drill Unhalt']);
    expect(idsOf(flaky.got)).toEqual([...idsOf(flaky.got)].sort((a, b) => a - b));
    await waitFor('nothing pending', async () => (await receiverView('flaky'))?.pending === 0);
    await client.call('RemoveNotify', { name: 'flaky', actor: '' });
  });

  it('a receiver that never answers does not slow a deploy, nor the other receivers', async () => {
    await aRelease(client, await aTree(join(dir, 'b3'), { 'index.html': 'three' }), 'v3');
    let t = Date.now();
    expect((await deployAndWait(client, 'v3')).state).toBe('complete');
    const without = Date.now() - t;
    const sink = await new Receiver().start();
    sink.answer = 'hang';
    await add('sink', sink, {});
    await aRelease(client, await aTree(join(dir, 'b4'), { 'index.html': 'four' }), 'v4');
    t = Date.now();
    expect((await deployAndWait(client, 'v4')).state).toBe('complete');
    const withSink = Date.now() - t;
    expect(withSink).toBeLessThan(without * 2 + 1_500);
    // The healthy receiver has the whole deploy already.
    const events = await allEvents(client);
    await waitFor('the healthy receiver caught up', () => all.got.length >= events.length, 5_000);
    expect((await receiverView('sink'))?.pending).toBeGreaterThan(0);
    await client.call('RemoveNotify', { name: 'sink', actor: '' });
    await sink.stop();
  });

  it('notify on the command line: bad input refused in one line with nothing changed; list never shows the secret; a viewer cannot add or remove; test says how it went', async () => {
    const cli = (...args: string[]) => runCli(['notify', ...args, '--coordinator', coordinator.address]);
    const secretFile = join(dir, 'secret');
    await writeFile(secretFile, `${SECRET}\n`);
    await writeFile(join(dir, 'empty'), '\n');
    const before = await cli('list', '--json');
    const refusals: [string[], RegExp][] = [
      [['add', 'x', '--url', 'file:///etc/passwd', '--format', 'generic'], /only http and https are sent to, not file/],
      [['add', 'x', '--url', 'gopher://127.0.0.1:6379/', '--format', 'generic'], /only http and https/],
      [['add', 'x', '--url', 'not a url', '--format', 'generic'], /not a URL/],
      [['add', 'bad name!', '--url', all.url, '--format', 'generic'], /bad receiver name/],
      [['add', 'x', '--url', all.url, '--format', 'xml'], /unknown --format "xml"/],
      [['add', 'x', '--url', all.url, '--format', 'generic', '--events', 'rollout.*,deploys'], /unknown event "deploys"/],
      [['add', 'x', '--url', all.url, '--format', 'generic', '--min-severity', 'loud'], /unknown --min-severity "loud"/],
      [['add', 'x', '--url', all.url, '--format', 'generic', '--secret-file', join(dir, 'nope')], /cannot read --secret-file .*ENOENT/],
      [['add', 'x', '--url', all.url, '--format', 'generic', '--secret-file', join(dir, 'empty')], /--secret-file .* is empty/],
      [['add', 'x', '--url', 'http://user:pw@127.0.0.1/', '--format', 'generic'], /credentials in a URL/],
      [['add', 'all', '--url', all.url, '--format', 'generic'], /a receiver named all exists/],
      [['remove', 'nobody'], /no receiver named "nobody"/],
    ];
    const answers = await Promise.all(refusals.map(([args]) => cli(...args)));
    refusals.forEach(([args, msg], i) => {
      const res = answers[i]!;
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr).toMatch(msg);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
    });
    expect((await cli('list', '--json')).stdout).toBe(before.stdout);

    const added = await cli('add', 'ops', '--url', `${all.url}/T000/B000/XXXXsecretpath`, '--format', 'slack', '--events', 'rollout.*,halt', '--min-severity', 'warning', '--select', 'role=web', '--secret-file', secretFile);
    expect(added.code, added.stderr).toBe(0);
    const list = await cli('list');
    expect(list.stdout).toMatch(/^ops\tslack\thttp:\/\/127\.0\.0\.1:\d+\/…\trollout\.\*,halt >= warning role=web\tsigned\tdelivered 0, pending 0, given up 0$/m);
    const listJson = (await cli('list', '--json')).stdout;
    for (const text of [list.stdout, listJson]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('XXXXsecretpath');
    }
    const audit = await runCli(['audit', '--json', '--coordinator', coordinator.address]);
    expect(audit.stdout).toContain('notify-add');
    expect(audit.stdout).not.toContain(SECRET);
    expect(audit.stdout).not.toContain('XXXXsecretpath');

    const tested = await cli('test', 'all');
    expect(tested.code, tested.stderr).toBe(0);
    expect(tested.stdout).toBe('receiver all: delivered (HTTP 200)\n');
    expect(all.got.at(-1)?.json).toMatchObject({ kind: 'notify.test', id: 0 });
    expect(verify(all.got.at(-1)!, SECRET)).toBe(true);
    // What a receiver answers is a stranger's text: it never reaches the terminal raw.
    const hostile = await new Receiver().start();
    hostile.answer = 500;
    hostile.refusal = 'no\u001b[2J\u001b]0;pwned\u0007';
    await cli('add', 'hostile', '--url', hostile.url, '--format', 'generic');
    const failed = await cli('test', 'hostile');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('receiver hostile: failed (HTTP 500: no\\x1b[2J\\x1b]0;pwned\\x07)\n');
    await cli('remove', 'hostile');
    await hostile.stop();

    const token = await runCli(['token', 'create', '--name', 'watcher', '--role', 'viewer', '--coordinator', coordinator.address]);
    const viewer = { FLEETSWAP_TOKEN: token.stdout.trim() };
    const asViewer = (...args: string[]) => runCli(['notify', ...args, '--coordinator', coordinator.address], viewer);
    const refusedAdd = await asViewer('add', 'sneaky', '--url', 'http://169.254.169.254/latest/meta-data/', '--format', 'generic');
    expect(refusedAdd.code).toBe(3);
    expect(refusedAdd.stderr).toBe('fleetswap: notify add needs the admin role; token watcher is a viewer\n');
    expect((await asViewer('remove', 'ops')).code).toBe(3);
    expect((await asViewer('test', 'ops')).code).toBe(3);
    const viewerList = await asViewer('list');
    expect(viewerList.code).toBe(0);
    expect(viewerList.stdout).toMatch(/^ops\t/m);
    expect((await runCli(['events', '--coordinator', coordinator.address], viewer)).code).toBe(0);
    expect((await cli('remove', 'ops')).code).toBe(0);
    expect((await cli('list')).stdout).not.toMatch(/^ops\t/m);
  });
});

describe('notifications given up, and across a coordinator killed', () => {
  it('a delivery is given up after --notify-give-up, counted, and shown in status', async () => {
    const dir = await tempDir();
    const dead = await new Receiver().start();
    dead.answer = 500;
    const c = await aCoordinator(join(dir, 'data'), { notify: { giveUpMs: 1_000, retryMs: 100, pollMs: 100 } });
    const client = new AdminClient(c.address);
    try {
      await client.call('AddNotify', { name: 'dead', url: dead.url, format: 'generic', events: ['halt', 'unhalt'], min_severity: '', select: {}, secret: '', actor: '' });
      await client.call('Halt', { actor: '', reason: 'drill' });
      await client.call('Unhalt', { actor: '', reason: 'drill over' });
      await waitFor('both given up', async () => {
        const r = (await client.call('Status', { rollout_id: 0 })).notify[0];
        return r?.failed === 2 && r.pending === 0;
      }, 10_000);
      expect(dead.refused).toBeGreaterThanOrEqual(4);
      const status = await runCli(['status', '--coordinator', c.address]);
      expect(status.stdout).toContain('notify dead: 0 delivered, 0 pending, 2 given up');
    } finally {
      client.close();
      await c.stop();
      await dead.stop();
      await cleanup(dir);
    }
  });

  it('events not yet delivered when the coordinator is SIGKILLed are delivered after it restarts', async () => {
    const dir = await tempDir();
    const rx = await new Receiver().start();
    await rx.stop();
    const address = `127.0.0.1:${await freePort()}`;
    const data = join(dir, 'data');
    let proc = await aCoordinatorProcess(data, address);
    try {
      const cli = (...args: string[]) => runCli([...args, '--coordinator', address]);
      expect((await cli('notify', 'add', 'late', '--url', rx.url, '--format', 'generic')).code).toBe(0);
      expect((await cli('halt', '--reason', 'before the crash')).code).toBe(0);
      expect((await cli('unhalt', '--reason', 'still before')).code).toBe(0);
      await waitFor('2 pending', async () => /notify late: 0 delivered, 2 pending/.test((await cli('status')).stdout));
      proc.child.kill('SIGKILL');
      await proc.exited;
      await rx.start();
      proc = await aCoordinatorProcess(data, address);
      await waitFor('both delivered after the restart', () => rx.got.length >= 2, 20_000);
      expect(rx.got.map((g) => g.json.kind)).toEqual(['halt', 'unhalt']);
      expect(rx.got[0]!.json.reason).toBe('fleet halted: before the crash');
    } finally {
      proc.child.kill('SIGKILL');
      await proc.exited;
      await rx.stop();
      await cleanup(dir);
    }
  });
});

