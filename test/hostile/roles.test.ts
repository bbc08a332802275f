import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Agent } from '../../agent/agent.js';
import type { Coordinator } from '../../coordinator/coordinator.js';
import type { DesiredChange__Output as DesiredChange } from '../../shared/gen/fleetswap/v1/DesiredChange.js';
import type { Host__Output as Host } from '../../shared/gen/fleetswap/v1/Host.js';
import type { Rollout__Output as Rollout } from '../../shared/gen/fleetswap/v1/Rollout.js';
import { type AgentProcess, TEST_TOKEN, TWO_PHASE, aCoordinator, aCoordinatorProcess, aTree, anAgent, anAgentProcess, cleanup, freePort, runCli, tempDir, waitFor } from '../fixtures.js';

// Roles, checked both ways: the client checks that the server it reached
// holds a coordinator certificate; the coordinator checks what a token may
// do, and names every actor by kind (token:, host:, coordinator) so that one
// cannot pass for another. Each test performs the attack.

interface Entry {
  actor: string;
  action: string;
  target: string;
}

describe('hostile: roles', () => {
  let dir = '';
  const procs: AgentProcess[] = [];
  const agents: Agent[] = [];
  let coordinator: Coordinator | undefined;
  afterEach(async () => {
    for (const p of procs.splice(0)) p.child.kill('SIGKILL');
    for (const a of agents.splice(0)) await a.stop();
    await coordinator?.stop();
    coordinator = undefined;
    await cleanup(dir);
  });

  it('a server holding an agent certificate cannot pose as the coordinator to agents or the CLI', async () => {
    dir = await tempDir();
    const ca = join(dir, 'ca');
    await runCli(['ca', 'init', ca]);
    // One stolen host's certificate, good for 127.0.0.1, and the host it wants to fool.
    expect((await runCli(['ca', 'issue', ca, 'stolen', '--role', 'agent', '--san', '127.0.0.1'])).code).toBe(0);
    expect((await runCli(['ca', 'issue', ca, 'web-1', '--role', 'agent'])).code).toBe(0);
    // A real coordinator certificate, but for another name: the host name check still holds.
    expect((await runCli(['ca', 'issue', ca, 'coord.internal', '--role', 'coordinator'])).code).toBe(0);
    const tlsFlags = (name: string) => ['--ca', join(ca, 'ca.crt'), '--cert', join(ca, `${name}.crt`), '--key', join(ca, `${name}.key`)];
    const address = `127.0.0.1:${await freePort()}`;
    const rogue = await aCoordinatorProcess(join(dir, 'rogue'), address, {}, tlsFlags('stolen'));
    procs.push(rogue);

    const web1 = anAgentProcess({ coordinator: address, id: 'web-1', root: join(dir, 'web-1'), extra: tlsFlags('web-1') });
    procs.push(web1);
    await waitFor('web-1 refuses the rogue server', () => web1.output().includes("not a coordinator: the server's certificate is for the agent role"));
    await new Promise((r) => setTimeout(r, 500));
    expect(rogue.output()).not.toContain('agent connected');

    const cli = await runCli(['status', '--coordinator', address, '--ca', join(ca, 'ca.crt')], { FLEETSWAP_INSECURE: '' });
    expect(cli.code).toBe(1);
    // (The last line: node may warn about an IP address as TLS server name first; that is another matter.)
    expect(cli.stderr.trimEnd().split('\n').at(-1)).toBe(
      `fleetswap: refused the server at ${address}: not a coordinator (the server's certificate is for the agent role); its certificate must be issued with --role coordinator`,
    );

    rogue.child.kill('SIGKILL');
    await rogue.exited;
    const misnamed = await aCoordinatorProcess(join(dir, 'misnamed'), address, {}, tlsFlags('coord.internal'));
    procs.push(misnamed);
    const wrongName = await runCli(['status', '--coordinator', address, '--ca', join(ca, 'ca.crt')], { FLEETSWAP_INSECURE: '' });
    expect(wrongName.code).toBe(1);
    expect(wrongName.stderr.trimEnd().split('\n').at(-1)).toMatch(/^fleetswap: no TLS connection to the coordinator at [^\n]*does not match certificate's altnames/);
  }, 60_000);

  it('a token named like a host acts as token:web-1, never as host:web-1, in the audit log and history', async () => {
    dir = await tempDir();
    coordinator = await aCoordinator(join(dir, 'data'));
    agents.push(await anAgent(coordinator.address, join(dir, 'web-1'), { id: 'web-1' }));
    await waitFor('web-1 connected', () => coordinator!.fleet.isConnected('web-1'));
    const cli = (token: string, ...args: string[]) => runCli([...args, '--coordinator', coordinator!.address], { FLEETSWAP_TOKEN: token });

    const made = await cli(TEST_TOKEN, 'token', 'create', '--name', 'web-1', '--role', 'deployer');
    expect(made.code, made.stderr).toBe(0);
    const impostor = made.stdout.trim();
    expect((await cli(impostor, 'push', await aTree(join(dir, 'v1'), { 'index.html': 'one' }), '--version', 'v1')).code).toBe(0);
    const deployed = await cli(impostor, 'deploy', 'v1', ...TWO_PHASE, '--watch', '--reason', 'looks like the host did it');
    expect(deployed.code, deployed.stderr).toBe(0);

    const entries = JSON.parse((await cli(TEST_TOKEN, 'audit', '--json')).stdout) as Entry[];
    expect(entries.map((e) => [e.actor, e.action])).toEqual([
      ['token:bootstrap-admin', 'token-create'],
      ['token:web-1', 'push'],
      ['token:web-1', 'deploy'],
      ['host:web-1', 'staged'],
      ['host:web-1', 'switched'],
    ]);
    const history = JSON.parse((await cli(TEST_TOKEN, 'history', '--json')).stdout) as DesiredChange[];
    expect(history.map((h) => h.actor)).toEqual(['token:web-1']);
    const releases = JSON.parse((await cli(TEST_TOKEN, 'releases', '--json')).stdout) as { pushed_by: string }[];
    expect(releases.map((r) => r.pushed_by)).toEqual(['token:web-1']);

    // Names that could be read as another kind of actor, or as another token, are refused.
    for (const name of ['host:web-1', 'Web-1', 'coordinator', 'web-1.', '-web']) {
      const res = await cli(TEST_TOKEN, 'token', 'create', '--name', name, '--role', 'viewer');
      expect(res.code, name).toBe(2);
      expect(res.stderr, name).toMatch(/^fleetswap: (bad token name "[^"]*": 1-64 lower-case letters|token name coordinator is reserved)[^\n]*\n$/);
    }
    const tokens = JSON.parse((await cli(TEST_TOKEN, 'token', 'list', '--json')).stdout) as { name: string }[];
    expect(tokens.map((t) => t.name)).toEqual(['bootstrap-admin', 'web-1']);
  }, 60_000);

  it('a deployer cannot force a rollback past an irreversible release; an admin can', async () => {
    dir = await tempDir();
    coordinator = await aCoordinator(join(dir, 'data'));
    agents.push(await anAgent(coordinator.address, join(dir, 'web-1'), { id: 'web-1' }));
    await waitFor('web-1 connected', () => coordinator!.fleet.isConnected('web-1'));
    const cli = (token: string, ...args: string[]) => runCli([...args, '--coordinator', coordinator!.address], { FLEETSWAP_TOKEN: token });
    const deployer = (await cli(TEST_TOKEN, 'token', 'create', '--name', 'ci', '--role', 'deployer')).stdout.trim();

    for (const [label, irreversible] of [['v1', []], ['v2', ['--irreversible', 'drops the carts table']]] as const) {
      expect((await cli(deployer, 'push', await aTree(join(dir, label), { 'index.html': label }), '--version', label, ...irreversible)).code).toBe(0);
      expect((await cli(deployer, 'deploy', label, ...TWO_PHASE, '--watch')).code).toBe(0);
    }
    const before = await cli(TEST_TOKEN, 'status', '--json');
    const auditBefore = (await cli(TEST_TOKEN, 'audit', '--json')).stdout;

    const refused = await cli(deployer, 'rollback', '--force-irreversible', '--reason', 'carts restored');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toBe('fleetswap: rollback --force-irreversible needs the admin role; token ci is a deployer\n');
    // Nothing changed: the same rollout, web-1 still on v2, no audit entry.
    expect(JSON.parse((await cli(TEST_TOKEN, 'status', '--json')).stdout)).toMatchObject({ rollout: { id: (JSON.parse(before.stdout) as { rollout: Rollout }).rollout.id } });
    const host = (JSON.parse((await cli(TEST_TOKEN, 'hosts', '--json')).stdout) as Host[])[0]!;
    expect(host.desired_release).toBe(host.live_release);
    expect((await cli(TEST_TOKEN, 'audit', '--json')).stdout).toBe(auditBefore);
    // Without the force, a deployer still rolls back as before (and is told the release is irreversible).
    expect((await cli(deployer, 'rollback', '--reason', 'x')).code).toBe(3);

    const forced = await cli(TEST_TOKEN, 'rollback', '--force-irreversible', '--reason', 'carts restored');
    expect(forced.code, forced.stderr).toBe(0);
    const after = (JSON.parse((await cli(TEST_TOKEN, 'hosts', '--json')).stdout) as Host[])[0]!;
    const releases = JSON.parse((await cli(TEST_TOKEN, 'releases', '--json')).stdout) as { id: string; label: string }[];
    expect(after.live_release).toBe(releases.find((r) => r.label === 'v1')!.id);
    const last = (JSON.parse((await cli(TEST_TOKEN, 'audit', '--json')).stdout) as Entry[]).at(-1)!;
    expect(last).toMatchObject({ actor: 'host:web-1', action: 'switched' });
  }, 60_000);
});
