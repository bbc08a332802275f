import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Host__Output as Host } from '../../shared/gen/fleetswap/v1/Host.js';
import { type AgentProcess, aCoordinatorProcess, anAgentProcess, cleanup, freePort, runCli, tempDir, waitFor } from '../fixtures.js';

// Certificates can be revoked: `fleetswap ca revoke` lists a certificate in
// the CA's revocation list, and a coordinator started with --crl re-reads it
// while it runs. Each test performs the attack with real processes over TLS
// and real CA files.

interface Entry {
  actor: string;
  action: string;
  target: string;
  detail: Record<string, unknown>;
}

describe('hostile: revoked certificates', () => {
  let dir = '';
  const procs: AgentProcess[] = [];
  afterEach(async () => {
    for (const p of procs.splice(0)) p.child.kill('SIGKILL');
    await cleanup(dir);
  });

  /** aFleetCa makes a CA with a coordinator certificate for 127.0.0.1 and agent certificates for `hosts`. */
  const aFleetCa = async (hosts: string[]) => {
    const ca = join(dir, 'ca');
    expect((await runCli(['ca', 'init', ca])).code).toBe(0);
    expect((await runCli(['ca', 'issue', ca, 'coordinator', '--role', 'coordinator', '--san', '127.0.0.1'])).code).toBe(0);
    for (const h of hosts) expect((await runCli(['ca', 'issue', ca, h, '--role', 'agent'])).code).toBe(0);
    return ca;
  };
  const tlsFlags = (ca: string, name: string) => ['--ca', join(ca, 'ca.crt'), '--cert', join(ca, `${name}.crt`), '--key', join(ca, `${name}.key`)];

  it('a revoked agent is cut off within seconds, without a restart, and its hellos are refused and audited', async () => {
    dir = await tempDir();
    const ca = await aFleetCa(['web-1', 'web-2']);
    const address = `127.0.0.1:${await freePort()}`;
    const coordinator = await aCoordinatorProcess(join(dir, 'data'), address, {}, [...tlsFlags(ca, 'coordinator'), '--crl', join(ca, 'ca.crl')]);
    procs.push(coordinator);
    const cli = (...args: string[]) => runCli([...args, '--coordinator', address], { FLEETSWAP_INSECURE: '', FLEETSWAP_CA: join(ca, 'ca.crt') });
    const hosts = async () => JSON.parse((await cli('hosts', '--json')).stdout) as Host[];
    const connected = async (id: string) => (await hosts()).find((h) => h.id === id)?.connected === true;

    const web1 = anAgentProcess({ coordinator: address, id: 'web-1', root: join(dir, 'web-1'), extra: tlsFlags(ca, 'web-1') });
    const web2 = anAgentProcess({ coordinator: address, id: 'web-2', root: join(dir, 'web-2'), extra: tlsFlags(ca, 'web-2') });
    procs.push(web1, web2);
    await waitFor('both agents connected', async () => (await connected('web-1')) && (await connected('web-2')));

    // web-1's host was stolen: the operator revokes its certificate. The coordinator is not restarted.
    const revoked = await runCli(['ca', 'revoke', ca, 'web-1']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(/^revoked web-1 \(serial [0-9a-f]+\): wrote .*ca\.crl \(CRL #2\)/);
    // The coordinator looks at the file every second: web-1's open stream ends, with the reason, within about that.
    const revokedAt = Date.now();
    await waitFor('web-1 cut off and told why', () => web1.output().includes('"err":"certificate revoked"'), 5_000, 10);
    expect(Date.now() - revokedAt).toBeLessThan(3_000);
    expect(await connected('web-1')).toBe(false);

    // It keeps dialling; every hello is refused. web-2 is untouched, and it is the same coordinator process.
    await waitFor('a stream from web-1 refused before its hello is read', () => coordinator.output().split('\n').filter((l) => l.includes('refused a revoked certificate') && l.includes('"call":"Connect"')).length >= 1, 10_000);
    expect(await connected('web-1')).toBe(false);
    expect(await connected('web-2')).toBe(true);
    expect(coordinator.child.exitCode).toBe(null);

    // The refusal is in the audit log: who refused, whose certificate, which one.
    const entries = JSON.parse((await cli('audit', '--json')).stdout) as Entry[];
    const refusals = entries.filter((e) => e.action === 'refused revoked certificate');
    expect(refusals[0]).toMatchObject({ actor: 'coordinator', target: 'web-1', detail: { call: 'Connect (open stream)', role: 'agent', crl: 2 } });
    const serial = /serial ([0-9a-f]+)/.exec(revoked.stdout)![1];
    expect(refusals[0]!.detail.serial).toBe(serial);
    expect(refusals.every((e) => e.target === 'web-1')).toBe(true);

    // Revoking again changes nothing; a name the CA never issued is a usage error.
    const crlBefore = await readFile(join(ca, 'ca.crl'));
    const again = await runCli(['ca', 'revoke', ca, 'web-1']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^web-1 was already revoked \(serial [0-9a-f]+\): .*ca\.crl unchanged\n$/);
    expect(await readFile(join(ca, 'ca.crl'))).toEqual(crlBefore);
    const unknown = await runCli(['ca', 'revoke', ca, 'web-9']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^fleetswap: no certificate issued to "web-9" by the CA in \S+ \(see \S+index\.json\)\n$/);
  }, 60_000);

  it('a revocation list the CA did not sign is refused at start, and a forged or older one cannot un-revoke a host', async () => {
    dir = await tempDir();
    const ca = await aFleetCa(['web-1']);
    // Another CA (a stranger's) signs a list of its own.
    const other = join(dir, 'other-ca');
    expect((await runCli(['ca', 'init', other])).code).toBe(0);
    const address = `127.0.0.1:${await freePort()}`;
    const forged = await runCli(['coordinator', '--data', join(dir, 'data'), '--listen', address, '--allow-unsigned', ...tlsFlags(ca, 'coordinator'), '--crl', join(other, 'ca.crl')], { FLEETSWAP_INSECURE: '' });
    expect(forged.code).toBe(2);
    expect(forged.stderr).toMatch(/^fleetswap: --crl \S+other-ca\/ca\.crl is not signed by the fleet CA \(--ca\): refused\n$/);
    const garbage = await runCli(['coordinator', '--data', join(dir, 'data'), '--listen', address, '--allow-unsigned', ...tlsFlags(ca, 'coordinator'), '--crl', join(ca, 'ca.crt')], { FLEETSWAP_INSECURE: '' });
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toMatch(/^fleetswap: --crl \S+ca\.crt is not a certificate revocation list \([^\n]*\): give the ca\.crl that fleetswap ca revoke writes\n$/);

    // The coordinator reads its own copy of the list, as it would on its own machine.
    const crl = join(dir, 'coordinator.crl');
    const fresh = join(dir, 'fresh.crl');
    await copyFile(join(ca, 'ca.crl'), fresh);
    expect((await runCli(['ca', 'revoke', ca, 'web-1'])).code).toBe(0);
    await copyFile(join(ca, 'ca.crl'), crl);
    const coordinator = await aCoordinatorProcess(join(dir, 'data'), address, {}, [...tlsFlags(ca, 'coordinator'), '--crl', crl]);
    procs.push(coordinator);
    const web1 = anAgentProcess({ coordinator: address, id: 'web-1', root: join(dir, 'web-1'), extra: tlsFlags(ca, 'web-1') });
    procs.push(web1);
    await waitFor('web-1 refused', () => web1.output().includes('certificate revoked'));

    // Whoever can write the coordinator's copy swaps in another CA's empty list, then the CA's own older one.
    await copyFile(join(other, 'ca.crl'), crl);
    await waitFor('the forged list refused', () => coordinator.output().includes('revocation list refused; the one in force is kept'), 5_000);
    await copyFile(fresh, crl);
    await waitFor('the older list refused', () => coordinator.output().includes('revocation list older than the one in force refused'), 5_000);
    const refusedBefore = coordinator.output().split('\n').filter((l) => l.includes('refused a revoked certificate')).length;
    await waitFor('web-1 refused again after both', () => coordinator.output().split('\n').filter((l) => l.includes('refused a revoked certificate')).length > refusedBefore, 15_000);
    expect(coordinator.output()).not.toContain('agent connected');
    expect(coordinator.child.exitCode).toBe(null);
  }, 60_000);
});
