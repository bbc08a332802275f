import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Host__Output as Host } from '../shared/gen/fleetswap/v1/Host.js';
import { type AgentProcess, aCoordinatorProcess, anAgentProcess, cleanup, freePort, runCli, tempDir, waitFor } from './fixtures.js';

// TLS on every channel, with the fleet's own CA: a host is who its
// certificate says, and plaintext only when both ends were told --insecure.

describe('TLS', () => {
  let dir = '';
  const procs: AgentProcess[] = [];
  afterEach(async () => {
    for (const p of procs.splice(0)) p.child.kill('SIGKILL');
    await cleanup(dir);
  });

  it('ca init and ca issue write certificates and keys only their owner reads', async () => {
    dir = await tempDir();
    const ca = join(dir, 'ca');
    expect((await runCli(['ca', 'init', ca])).code).toBe(0);
    const issued = await runCli(['ca', 'issue', ca, 'web-1', '--role', 'agent']);
    expect(issued.code, issued.stderr).toBe(0);
    for (const f of ['ca.key', 'web-1.key']) expect((await stat(join(ca, f))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(ca, 'web-1.crt'), 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect((await runCli(['ca', 'issue', ca, 'web-1'])).stderr).toMatch(/web-1\.key exists: keys are never overwritten/);
    expect((await runCli(['ca', 'issue', ca, 'x', '--role', 'root'])).stderr).toBe('fleetswap: bad --role "root": coordinator, agent or admin\n');
  });

  it('agents and the CLI talk to the coordinator over TLS; a host is who its certificate says; plaintext needs --insecure on both ends', async () => {
    dir = await tempDir();
    const ca = join(dir, 'ca');
    await runCli(['ca', 'init', ca]);
    await runCli(['ca', 'issue', ca, 'coordinator', '--role', 'coordinator', '--san', '127.0.0.1']);
    await runCli(['ca', 'issue', ca, 'web-1', '--role', 'agent']);
    await runCli(['ca', 'issue', ca, 'ops', '--role', 'admin']);
    const address = `127.0.0.1:${await freePort()}`;
    const tlsFlags = (name: string) => ['--ca', join(ca, 'ca.crt'), '--cert', join(ca, `${name}.crt`), '--key', join(ca, `${name}.key`)];

    const noTls = await runCli(['coordinator', '--data', join(dir, 'data'), '--listen', address, '--allow-unsigned'], { FLEETSWAP_INSECURE: '' });
    expect(noTls.code).toBe(2);
    expect(noTls.stderr).toMatch(/^fleetswap: --ca FILE is required for TLS \(or run with --insecure, in plaintext\)\n$/);

    const coordinator = await aCoordinatorProcess(join(dir, 'data'), address, {}, tlsFlags('coordinator'));
    procs.push(coordinator);
    const secure = { FLEETSWAP_INSECURE: '', FLEETSWAP_CA: join(ca, 'ca.crt') };
    const cli = (...args: string[]) => runCli([...args, '--coordinator', address], secure);
    const hosts = async () => JSON.parse((await cli('hosts', '--json')).stdout) as Host[];

    procs.push(anAgentProcess({ coordinator: address, id: 'web-1', root: join(dir, 'web-1'), extra: tlsFlags('web-1') }));
    await waitFor('web-1 connected over TLS', async () => (await hosts()).some((h) => h.id === 'web-1' && h.connected));
    const status = await cli('status');
    expect(status.code).toBe(0);
    expect(status.stdout).not.toMatch(/plaintext/);

    // web-1's certificate cannot report as web-2; an agent in plaintext is not heard at all.
    const impostor = anAgentProcess({ coordinator: address, id: 'web-2', root: join(dir, 'web-2'), extra: tlsFlags('web-1') });
    const plain = anAgentProcess({ coordinator: address, id: 'web-3', root: join(dir, 'web-3'), extra: [] });
    // A second agent with web-1's id (a cloned host, a copied certificate) is refused while web-1 is connected.
    const twin = anAgentProcess({ coordinator: address, id: 'web-1', root: join(dir, 'web-1-twin'), extra: tlsFlags('web-1') });
    procs.push(impostor, plain, twin);
    await waitFor('the impostor refused', () => coordinator.output().includes('certificate web-1 cannot report as host web-2'));
    await waitFor('the twin refused', () => coordinator.output().includes('host id web-1 is already connected on another stream'));
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await hosts()).map((h) => h.id)).toEqual(['web-1']);

    // The CLI in plaintext against a TLS coordinator gets nowhere; without a CA it is told what to give.
    const plainCli = await runCli(['status', '--coordinator', address, '--insecure']);
    expect(plainCli.code).toBe(1);
    // A CA that did not sign the coordinator's certificate: told to check --ca, not that the coordinator is down.
    await runCli(['ca', 'init', join(dir, 'other-ca')]);
    const wrongCa = await runCli(['status', '--coordinator', address, '--ca', join(dir, 'other-ca', 'ca.crt')], { FLEETSWAP_INSECURE: '' });
    expect(wrongCa.code).toBe(1);
    expect(wrongCa.stderr).toMatch(/fleetswap: no TLS connection to the coordinator at 127\.0\.0\.1:\d+ \([^)]*\): check --ca \(FLEETSWAP_CA\)/);
    const noCa = await runCli(['status', '--coordinator', address], { FLEETSWAP_INSECURE: '' });
    expect(noCa.code).toBe(2);
    expect(noCa.stderr).toMatch(/^fleetswap: --ca FILE is required for TLS/);
  }, 60_000);

  it('the CLI and an agent dialling the coordinator by IP address print no deprecation warning, and its certificate must still name that address', async () => {
    dir = await tempDir();
    const ca = join(dir, 'ca');
    await runCli(['ca', 'init', ca]);
    await runCli(['ca', 'issue', ca, 'coordinator', '--role', 'coordinator', '--san', '127.0.0.1']);
    await runCli(['ca', 'issue', ca, 'web-1', '--role', 'agent']);
    const tlsFlags = (name: string) => ['--ca', join(ca, 'ca.crt'), '--cert', join(ca, `${name}.crt`), '--key', join(ca, `${name}.key`)];
    const address = `127.0.0.1:${await freePort()}`;
    procs.push(await aCoordinatorProcess(join(dir, 'data'), address, {}, tlsFlags('coordinator')));
    const secure = { FLEETSWAP_INSECURE: '', FLEETSWAP_CA: join(ca, 'ca.crt') };
    // Node warns (DEP0123) when TLS is given an IP address as the server name; a user should never see it.
    const WARNING = /DEP0123|DeprecationWarning|Warning:/;

    const status = await runCli(['status', '--coordinator', address], secure);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stderr).not.toMatch(WARNING);

    const agent = anAgentProcess({ coordinator: address, id: 'web-1', root: join(dir, 'web-1'), extra: tlsFlags('web-1') });
    procs.push(agent);
    await waitFor('web-1 connected over TLS', async () => (JSON.parse((await runCli(['hosts', '--json', '--coordinator', address], secure)).stdout) as Host[]).some((h) => h.connected));
    expect(agent.output()).not.toMatch(WARNING);

    // Dialled by name, the name is the server name (SNI) and must be in the certificate too.
    const byName = await runCli(['status', '--coordinator', address.replace('127.0.0.1', 'localhost')], secure);
    expect(byName.code).toBe(1);
    expect(byName.stderr).toMatch(/no TLS connection to the coordinator at localhost:\d+ \(.*altnames.*Host: localhost/);
    expect(byName.stderr).not.toMatch(WARNING);

    // A coordinator whose certificate does not name the IP address dialled is refused, as before.
    await runCli(['ca', 'issue', ca, 'coord.internal', '--role', 'coordinator']);
    const unnamed = `127.0.0.1:${await freePort()}`;
    procs.push(await aCoordinatorProcess(join(dir, 'data-2'), unnamed, {}, tlsFlags('coord.internal')));
    const wrongName = await runCli(['status', '--coordinator', unnamed], secure);
    expect(wrongName.code).toBe(1);
    expect(wrongName.stderr).toMatch(/no TLS connection to the coordinator at 127\.0\.0\.1:\d+ \(.*altnames: IP: 127/);
    expect(wrongName.stderr).not.toMatch(WARNING);
  }, 60_000);
});
