import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from '../agent/agent.js';
import { Coordinator } from '../coordinator/coordinator.js';
import { silentLogger } from '../shared/log.js';
import { bootstrapToken } from '../coordinator/auth.js';
import { caInit, caIssue } from './ca.js';
import { DEFAULT_JUDGE } from '../coordinator/judge.js';
import { generateKeys, loadSigningKey, loadTrustedKey } from '../shared/signing.js';
import type { DeployRequest__Output } from '../shared/gen/fleetswap/v1/DeployRequest.js';
import type { Rollout__Output } from '../shared/gen/fleetswap/v1/Rollout.js';
import { ALL_AT_ONCE } from '../shared/plan.js';
import { AdminClient } from './admin-client.js';
import { ErrorApp } from './demo-app.js';
import { hostsTable, short } from './format.js';
import { push } from './push.js';
import { watchRollout } from './watch.js';

// Demo-sized judging: one-second windows, so a canary is judged in seconds.
const DEMO_JUDGE = { ...DEFAULT_JUDGE, bucketMs: 1_000, lagMs: 300, staleMs: 5_000, beforeMs: 20_000 };
const HEALTHY_ERRORS_PER_S = 5;

/** writeBuild makes a small web app build, as a CI job would leave it; `error-rate` drives the demo app. */
async function writeBuild(dir: string, version: string, files: number, errorRate: number): Promise<void> {
  await mkdir(join(dir, 'assets'), { recursive: true });
  await mkdir(join(dir, 'config'), { recursive: true });
  await writeFile(join(dir, 'index.html'), `<!doctype html><title>shop</title><h1>shop ${version}</h1>\n`);
  await writeFile(join(dir, 'error-rate'), String(errorRate));
  await writeFile(join(dir, 'config', 'app.json'), JSON.stringify({ version, feature_flags: { new_checkout: version !== 'v1' } }));
  for (let i = 0; i < files; i++) {
    // Only every tenth asset changes between versions, as in a real build.
    const gen = i % 10 === 0 ? version : 'v1';
    await writeFile(join(dir, 'assets', `chunk-${i}.js`), `/* ${gen} */ export const chunk${i} = ${JSON.stringify('x'.repeat(2000 + i))};\n`);
  }
}

/**
 * runDemo is the newcomer's tour: a real coordinator on loopback and a few
 * real agents, each with its own root in a temp dir and an app writing its
 * error log: a two-phase first deploy, a canary rollout that passes its
 * judgement and goes out in waves, a bad build rolled back automatically
 * from its canary, and an instant manual rollback.
 */
export async function runDemo(opts: { agents: number; keep: boolean; out: (s: string) => void; httpListen?: string; stay?: boolean }): Promise<void> {
  const { out } = opts;
  const dir = await mkdtemp(join(tmpdir(), 'fleetswap-demo-'));
  // Signed releases, as in production: the coordinator and every agent trust one release key.
  const keys = await generateKeys(join(dir, 'release'));
  const trusted = [await loadTrustedKey(keys.pubFile)];
  const signKey = await loadSigningKey(keys.keyFile);
  // TLS on every channel, with a CA made for the demo: one certificate for the coordinator, one per host.
  const caDir = join(dir, 'ca');
  await caInit(caDir);
  const tlsOf = async (name: string, role: string, names: string[] = []) => {
    const f = await caIssue(caDir, name, role, names);
    return { tls: { ca: await readFile(join(caDir, 'ca.crt')), cert: await readFile(f.cert), key: await readFile(f.key) } };
  };
  const coordinator = await Coordinator.start({
    dataDir: join(dir, 'coordinator'),
    listen: '127.0.0.1:0',
    log: silentLogger(),
    judge: DEMO_JUDGE,
    signing: { trusted },
    transport: await tlsOf('coordinator', 'coordinator', ['127.0.0.1']),
    http: opts.httpListen ? { listen: opts.httpListen } : undefined,
  });
  const agents: Agent[] = [];
  const apps: ErrorApp[] = [];
  const client = new AdminClient(coordinator.address, await bootstrapToken(join(dir, 'coordinator')), { tls: { ca: await readFile(join(caDir, 'ca.crt')) } });
  const indent = (l: string) => out(`   ${l.replace(/\n/g, '\n   ')}`);
  try {
    out(`fleetswap demo in ${dir}`);
    out(`1. coordinator listening on ${coordinator.address} over TLS (CA in ${caDir}; state in ${join(dir, 'coordinator')}); release key ${keys.id} trusted by it and every agent`);
    if (coordinator.http) {
      out(`   dashboard: ${coordinator.http.url} — sign in with the demo's admin token, ${await bootstrapToken(join(dir, 'coordinator'))}`);
      out(`   (the browser does not know the demo's CA, ${join(caDir, 'ca.crt')}: accept its warning, or trust that file)`);
    }
    for (let i = 1; i <= opts.agents; i++) {
      const root = join(dir, 'hosts', `web-${i}`);
      const errorLog = join(dir, 'hosts', `web-${i}.error.log`);
      const agent = new Agent({
        id: `web-${i}`,
        root,
        coordinator: coordinator.address,
        tags: { role: 'web', dc: i % 2 ? 'east' : 'west' },
        log: silentLogger(),
        errorLog,
        trustKeys: trusted,
        transport: await tlsOf(`web-${i}`, 'agent'),
      });
      await agent.start();
      agents.push(agent);
      apps.push(new ErrorApp(root, errorLog).start());
    }
    while (coordinator.fleet.connectedCount() < opts.agents) await new Promise((r) => setTimeout(r, 20));
    out(`2. ${opts.agents} agents connected, each with its own certificate and root (${join(dir, 'hosts', 'web-N')}/{current,slots/0..4}) and an app logging errors`);

    const deploy = async (label: string, step: string, errorRate: number, phases: Partial<DeployRequest__Output>, what: string): Promise<Rollout__Output> => {
      const build = join(dir, 'builds', label);
      await writeBuild(build, label, 200, errorRate);
      const p = await push(client, build, { label, owner: 'demo-team', notes: `demo build ${label}`, irreversible: '' }, false, signKey);
      out(`${step}. pushed ${label} as ${short(p.release.id)}, signed by ${p.release.signed_by.join(', ')}: ${p.release.files} files, uploaded ${p.uploadedBlobs} blobs the coordinator lacked`);
      const rollout = await client.rollout('Deploy', {
        release: label,
        select: {},
        ...ALL_AT_ONCE,
        ...phases,
        skip_offline: false,
        actor: 'demo',
        reason: `ship ${label}`,
        stage_timeout_ms: 0,
        switch_timeout_ms: 0,
      });
      out(`   deploy: ${what}`);
      return watchRollout(client, rollout.id, indent, { tty: false });
    };

    await deploy('v1', '3', HEALTHY_ERRORS_PER_S, {}, 'phase one stages v1 on every host; phase two switches them all with one rename(2) each');
    // The canaries are also judged against their own minutes before the switch: give the app a few.
    await new Promise((r) => setTimeout(r, 3_000));
    const canaryPlan = { canary: '1', waves: '50%,100%', bake: '8s', wave_bake: '2s', watch_for: '3s' };
    await deploy('v2', '4', HEALTHY_ERRORS_PER_S, canaryPlan, 'one canary goes live first and is judged against the others and its own past; then waves of 50% and 100%');
    const hosts = await client.call('ListHosts', {});
    out('   v2 fetched only the changed files (see "last staging"):');
    out(hostsTable(hosts.hosts, hosts.labels));

    const bad = await deploy('v3', '5', HEALTHY_ERRORS_PER_S * 5, canaryPlan, 'v3 logs 5x the errors: its canary should fail the judgement and be switched back');
    out(`   v3 ${bad.state}: no host outside the canary ever ran it; every host serves v2 again: ${agents.every((a) => a.liveRelease() === bad.from_release) ? 'yes' : 'NO'}`);

    const started = Date.now();
    const rollout = await client.rollout('Rollback', { to: 'v1', select: {}, actor: 'demo', reason: 'demo: back to v1', force_irreversible: false });
    const final = await watchRollout(client, rollout.id, () => undefined, { tty: false });
    out(`6. rollback to ${final.release_label}: ${final.state} in ${Date.now() - started} ms, no download (v1 was still in a slot)`);
    out(`   every host now serves ${final.release_label}: ${agents.every((a) => a.liveRelease() === final.release_id) ? 'yes' : 'NO'}`);
    out('7. try it yourself: fleetswap --help; README.md has a quick-start for real hosts');
    if (opts.stay) {
      out(`   the fleet keeps running${coordinator.http ? ` (dashboard: ${coordinator.http.url})` : ''}: Ctrl-C ends the demo`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
  } finally {
    for (const app of apps) app.stop();
    client.close();
    for (const a of agents) await a.stop();
    await coordinator.stop();
    if (opts.keep) out(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}
