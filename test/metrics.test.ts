import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../agent/agent.js';
import { AgentMetrics } from '../agent/metrics.js';
import type { Coordinator } from '../coordinator/coordinator.js';
import { AdminClient, REPO, aCoordinator, aRelease, aTree, anAgent, anAgentProcess, cleanup, deployAndWait, freePort, tempDir, waitFor, type AgentProcess } from './fixtures.js';
import { Metrics, PrometheusServer, promtoolCheckConfig, promtoolCheckMetrics, promtoolCheckRules } from './prometheus.js';

// The metrics as ops get them: a real coordinator with its real store, two
// in-process agents and one agent process started with --metrics-listen; a
// deploy, a drift; the figures read back from both sides, checked by
// promtool, and scraped by a real Prometheus, which is queried through its
// API. The coordinator's /metrics is its HTTP listener's (--http-listen),
// readable from 127.0.0.1 by --metrics-allow, as a Prometheus server's would be.

const FILES = { 'index.html': 'one', 'app/main.js': 'x'.repeat(20_000), 'config/app.json': '{}' };

describe('metrics from a real coordinator and agents, scraped by a real Prometheus', () => {
  let dir: string;
  let coordinator: Coordinator;
  let client: AdminClient;
  let coordinatorTarget: string;
  let agentTarget: string;
  let agentProcess: AgentProcess;
  let prometheus: PrometheusServer | undefined;
  let releaseId = '';
  /** web-2's health check: passes until a test says otherwise. */
  let healthy = true;
  let health: Server;
  const agents: { agent: Agent; metrics: AgentMetrics }[] = [];
  const root = (id: string) => join(dir, 'hosts', id);
  const scrapeCoordinator = async () => {
    const res = await fetch(`http://${coordinatorTarget}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return new Metrics(await res.text());
  };
  const scrapeAgentProcess = async () => new Metrics(await (await fetch(`http://${agentTarget}/metrics`)).text());

  beforeAll(async () => {
    dir = await tempDir();
    coordinator = await aCoordinator(join(dir, 'data'), { drift: { graceMs: 1_000 }, http: { listen: '127.0.0.1:0', metricsAllow: ['127.0.0.1'] } });
    coordinatorTarget = new URL(coordinator.http!.url).host;
    client = new AdminClient(coordinator.address);
    health = createServer((_req, res) => res.writeHead(healthy ? 200 : 500).end());
    await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
    const healthUrl = `http://127.0.0.1:${(health.address() as { port: number }).port}/`;
    for (const id of ['web-1', 'web-2']) {
      const metrics = new AgentMetrics();
      const agent = await anAgent(coordinator.address, root(id), { id, events: metrics, verifyIntervalMs: 1_000, healthUrl: id === 'web-2' ? healthUrl : undefined, healthTimeoutMs: 1_000 });
      metrics.watch(agent);
      agents.push({ agent, metrics });
    }
    agentTarget = `127.0.0.1:${await freePort()}`;
    agentProcess = anAgentProcess({ coordinator: coordinator.address, id: 'web-3', root: root('web-3'), extra: ['--metrics-listen', agentTarget] });
    await waitFor('3 agents connected', () => coordinator.fleet.connectedCount() === 3);
    releaseId = (await aRelease(client, await aTree(join(dir, 'build'), FILES), 'v1')).id;
    const rollout = await deployAndWait(client, 'v1');
    expect(rollout.state).toBe('complete');
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    agentProcess.child.kill('SIGKILL');
    for (const { agent } of agents) await agent.stop();
    client.close();
    await new Promise((r) => health.close(r));
    await coordinator.stop();
    await cleanup(dir);
  });

  it('counts the deploy on the coordinator: one complete, every host in sync on v1, each staging and switch observed once', async () => {
    const m = await scrapeCoordinator();
    expect(m.value('fleetswap_rollouts_total', { kind: 'deploy', outcome: 'complete' })).toBe(1);
    expect(m.value('fleetswap_rollouts_total', { kind: 'deploy', outcome: 'rolled_back' })).toBe(0);
    expect(m.value('fleetswap_hosts_by_state', { state: 'in-sync' })).toBe(3);
    expect(m.sum('fleetswap_hosts_by_state')).toBe(3);
    expect(m.value('fleetswap_hosts_by_release', { release: 'v1' })).toBe(3);
    expect(m.value('fleetswap_agent_streams')).toBe(3);
    expect(m.value('fleetswap_leader')).toBe(1);
    expect(m.all('fleetswap_rollout_info')).toEqual([]);
    expect(m.value('fleetswap_host_staging_duration_seconds_count')).toBe(3);
    expect(m.value('fleetswap_host_staging_fetched_bytes_count')).toBe(3);
    // Every host fetched the whole release: nothing was in its slots.
    expect(m.value('fleetswap_host_staging_fetched_bytes_sum')).toBeGreaterThanOrEqual(3 * 20_000);
    expect(m.value('fleetswap_host_switch_duration_seconds_count')).toBe(3);
    expect(m.value('fleetswap_rollout_phase_duration_seconds_count', { phase: 'staging' })).toBe(1);
    expect(m.value('fleetswap_rollout_phase_duration_seconds_count', { phase: 'wave' })).toBe(1);
    expect(await promtoolCheckMetrics(m.text)).toEqual({ code: 0, out: '' });
  });

  it('counts it on each agent: live on v1, one staging of the whole release, one switch', async () => {
    for (const m of [new Metrics(await agents[0]!.metrics.render()), await scrapeAgentProcess()]) {
      expect(m.all('fleetswap_agent_live_info')).toHaveLength(1);
      expect(m.all('fleetswap_agent_live_info')[0]!.labels).toMatchObject({ release: releaseId.slice(0, 12), label: 'v1' });
      expect(m.value('fleetswap_agent_staging_duration_seconds_count')).toBe(1);
      expect(m.value('fleetswap_agent_staging_fetched_bytes_total')).toBeGreaterThanOrEqual(20_000);
      expect(m.value('fleetswap_agent_staging_blobs_total', { from: 'fetched' })).toBe(3);
      expect(m.value('fleetswap_agent_switches_total', { outcome: 'live' })).toBe(1);
      expect(m.value('fleetswap_agent_switch_duration_seconds_count')).toBe(1);
      expect(m.value('fleetswap_agent_connected')).toBe(1);
      expect(await promtoolCheckMetrics(m.text)).toEqual({ code: 0, out: '' });
    }
    // Only the process samples vitals (the in-process agents are told not to), once a second.
    await waitFor('vitals sampled and sent', async () => ((await scrapeAgentProcess()).value('fleetswap_agent_vitals_sent_total') ?? 0) > 0);
  });

  it('counts a drift on the agent that found it and on the coordinator that repaired it', async () => {
    await writeFile(join(root('web-1'), 'current', 'index.html'), 'changed by hand');
    await waitFor('the drift found and repaired', async () => {
      const c = await scrapeCoordinator();
      return c.value('fleetswap_drift_events_total', { kind: 'content-drift' }) === 1 && c.value('fleetswap_drift_unresolved', { kind: 'content-drift' }) === 0;
    });
    const a = new Metrics(await agents[0]!.metrics.render());
    expect(a.value('fleetswap_agent_drift_findings_total', { kind: 'content' })).toBeGreaterThanOrEqual(1);
    // The repair staged the release again into a fresh slot (reusing what still hashed right) and switched to it.
    expect(a.value('fleetswap_agent_staging_duration_seconds_count')).toBe(2);
    expect(a.value('fleetswap_agent_staging_blobs_total', { from: 'reused' })).toBeGreaterThanOrEqual(1);
    expect(a.value('fleetswap_agent_switches_total', { outcome: 'live' })).toBe(2);
    expect(new Metrics(await agents[1]!.metrics.render()).value('fleetswap_agent_drift_findings_total', { kind: 'content' })).toBe(0);
  });

  it('counts a switch whose health check failed on the agent, and the rollback it caused on the coordinator', async () => {
    healthy = false;
    await aRelease(client, await aTree(join(dir, 'build-v2'), { ...FILES, 'index.html': 'two' }), 'v2');
    const rollout = await deployAndWait(client, 'v2');
    expect(rollout.state).toBe('rolled_back');
    healthy = true;
    const a = new Metrics(await agents[1]!.metrics.render());
    expect(a.value('fleetswap_agent_switches_total', { outcome: 'check_failed' })).toBe(1);
    expect(a.value('fleetswap_agent_switch_check_duration_seconds_count')).toBe(2);
    expect(a.all('fleetswap_agent_live_info')[0]?.labels).toMatchObject({ label: 'v1' });
    const c = await scrapeCoordinator();
    expect(c.value('fleetswap_rollouts_total', { kind: 'deploy', outcome: 'rolled_back' })).toBe(1);
    expect(c.value('fleetswap_rollouts_total', { kind: 'deploy', outcome: 'complete' })).toBe(1);
    expect(c.value('fleetswap_hosts_by_release', { release: 'v1' })).toBe(3);
  });

  it('is scraped by Prometheus, and queried back through its API', async () => {
    prometheus = await PrometheusServer.start([
      { job: 'fleetswap-coordinator', target: coordinatorTarget },
      { job: 'fleetswap-agent', target: agentTarget },
    ]);
    const p = prometheus;
    await waitFor('both targets scraped', async () => {
      const t = await p.targets();
      return t.length === 2 && t.every((x) => x.health === 'up');
    });
    const live = await waitFor('the agent live on v1', async () => (await p.query('fleetswap_agent_live_info == 1')).at(0));
    expect(live.metric).toMatchObject({ job: 'fleetswap-agent', instance: agentTarget, label: 'v1', release: releaseId.slice(0, 12) });
    expect(await p.query('fleetswap_rollouts_total{kind="deploy", outcome="complete"}')).toMatchObject([{ metric: { job: 'fleetswap-coordinator' }, value: 1 }]);
    expect(await p.query('sum(fleetswap_hosts_by_state{state="in-sync"})')).toMatchObject([{ value: 3 }]);
    expect(await p.query('histogram_quantile(0.5, sum by (le) (fleetswap_host_switch_duration_seconds_bucket)) > 0')).toHaveLength(1);
  });
});

describe('what ships in deploy/', () => {
  const prom = join(REPO, 'deploy', 'prometheus');

  it('alert rules pass promtool check rules and their unit tests', async () => {
    expect(await promtoolCheckRules(join(prom, 'alerts.yml'))).toMatchObject({ code: 0 });
    expect(await promtoolCheckConfig(join(prom, 'prometheus.yml'))).toMatchObject({ code: 0 });
    const { spawnSync } = await import('node:child_process');
    const tested = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: prom, encoding: 'utf8' });
    expect(tested.stdout + tested.stderr).toContain('SUCCESS');
    expect(tested.status).toBe(0);
  });

  it('the dashboard and the alerts name only metrics the coordinator and agents export', async () => {
    const exported = new Set<string>();
    const coordinator = await aCoordinator(undefined, { http: { listen: '127.0.0.1:0', metricsAllow: ['127.0.0.1'] } });
    try {
      const served = await (await fetch(`${coordinator.http!.url}/metrics`)).text();
      for (const text of [served, await new AgentMetrics().render()]) for (const line of text.split('\n')) if (line.startsWith('# TYPE ')) exported.add(line.split(' ')[2] as string);
    } finally {
      await coordinator.stop();
    }
    const named = (expr: string) => [...expr.matchAll(/\b((?:fleetswap|process|nodejs)_[a-z0-9_]+)/g)].map((m) => (m[1] as string).replace(/_(bucket|sum|count)$/, ''));
    const dashboard = JSON.parse(await readFile(join(REPO, 'deploy', 'grafana', 'fleetswap.json'), 'utf8')) as { uid: string; panels: { id: number; targets?: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    const alerts = await readFile(join(prom, 'alerts.yml'), 'utf8');
    const alertExprs = [...alerts.matchAll(/^\s+expr: (.*)$/gm)].map((m) => m[1] as string);
    expect(exprs.length).toBeGreaterThan(20);
    for (const expr of [...exprs, ...alertExprs]) for (const name of named(expr)) expect(exported, `${name} in ${expr}`).toContain(name);
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
  });
});
