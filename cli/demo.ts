import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from '../agent/agent.js';
import { Coordinator } from '../coordinator/coordinator.js';
import { silentLogger } from '../shared/log.js';
import { ALL_AT_ONCE } from '../shared/wire.js';
import { AdminClient } from './admin-client.js';
import { hostsTable, short } from './format.js';
import { push } from './push.js';
import { watchRollout } from './watch.js';

/** writeBuild makes a small web app build, as a CI job would leave it. */
async function writeBuild(dir: string, version: string, files: number): Promise<void> {
  await mkdir(join(dir, 'assets'), { recursive: true });
  await mkdir(join(dir, 'config'), { recursive: true });
  await writeFile(join(dir, 'index.html'), `<!doctype html><title>shop</title><h1>shop ${version}</h1>\n`);
  await writeFile(join(dir, 'config', 'app.json'), JSON.stringify({ version, feature_flags: { new_checkout: version !== 'v1' } }));
  for (let i = 0; i < files; i++) {
    // Only every tenth asset changes between versions, as in a real build.
    const gen = i % 10 === 0 ? version : 'v1';
    await writeFile(join(dir, 'assets', `chunk-${i}.js`), `/* ${gen} */ export const chunk${i} = ${JSON.stringify('x'.repeat(2000 + i))};\n`);
  }
}

/**
 * runDemo is the newcomer's tour: a real coordinator on loopback and a few
 * real agents, each with its own root in a temp dir, doing a two-phase
 * deploy, a second deploy, and a rollback.
 */
export async function runDemo(opts: { agents: number; keep: boolean; out: (s: string) => void }): Promise<void> {
  const { out } = opts;
  const dir = await mkdtemp(join(tmpdir(), 'fleetswap-demo-'));
  const coordinator = await Coordinator.start({ dataDir: join(dir, 'coordinator'), listen: '127.0.0.1:0', log: silentLogger() });
  const agents: Agent[] = [];
  const client = new AdminClient(coordinator.address);
  try {
    out(`fleetswap demo in ${dir}`);
    out(`1. coordinator listening on ${coordinator.address} (state in ${join(dir, 'coordinator')})`);
    for (let i = 1; i <= opts.agents; i++) {
      const agent = new Agent({
        id: `web-${i}`,
        root: join(dir, 'hosts', `web-${i}`),
        coordinator: coordinator.address,
        tags: { role: 'web', dc: i % 2 ? 'east' : 'west' },
        log: silentLogger(),
      });
      await agent.start();
      agents.push(agent);
    }
    while (coordinator.fleet.connectedCount() < opts.agents) await new Promise((r) => setTimeout(r, 20));
    out(`2. ${opts.agents} agents connected, each with its own root: ${join(dir, 'hosts', 'web-N')}/{current,slots/0..4}`);

    const deploy = async (label: string, step: string): Promise<void> => {
      const build = join(dir, 'builds', label);
      await writeBuild(build, label, 200);
      const p = await push(client, build, { label, owner: 'demo-team', notes: `demo build ${label}`, irreversible: '' }, false);
      out(`${step}. pushed ${label} as ${short(p.release.id)}: ${p.release.files} files, uploaded ${p.uploadedBlobs} blobs the coordinator lacked`);
      const { rollout } = await client.call('Deploy', {
        release: label,
        select: {},
        ...ALL_AT_ONCE,
        skip_offline: false,
        actor: 'demo',
        reason: `ship ${label}`,
        stage_timeout_ms: 0,
        switch_timeout_ms: 0,
      });
      out(`   deploy: phase one stages ${label} on every host; phase two switches them all with one rename(2) each`);
      await watchRollout(client, rollout.id, (l) => out(`   ${l.replace(/\n/g, '\n   ')}`), { tty: false });
    };

    await deploy('v1', '3');
    await deploy('v2', '4');
    const hosts = await client.call('ListHosts', {});
    out('   v2 fetched only the changed files (see "last staging"):');
    out(hostsTable(hosts.hosts, hosts.labels));

    const started = Date.now();
    const { rollout } = await client.call('Rollback', { to: '', select: {}, actor: 'demo', reason: 'demo: pretend v2 is bad', force_irreversible: false });
    const final = await watchRollout(client, rollout.id, () => undefined, { tty: false });
    out(`5. rollback to ${final.release_label}: ${final.state} in ${Date.now() - started} ms, no download (v1 was still in a slot)`);
    out(`   every host now serves ${final.release_label}: ${agents.every((a) => a.liveRelease() === final.release_id) ? 'yes' : 'NO'}`);
    out('6. try it yourself: fleetswap --help; README.md has a quick-start for real hosts');
  } finally {
    client.close();
    for (const a of agents) await a.stop();
    await coordinator.stop();
    if (opts.keep) out(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}
