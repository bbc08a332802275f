import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Agent } from '../agent/agent.js';
import type { Coordinator } from '../coordinator/coordinator.js';
import { loadTrustedKey } from '../shared/signing.js';
import type { Host__Output as Host } from '../shared/gen/fleetswap/v1/Host.js';
import type { Release__Output as Release } from '../shared/gen/fleetswap/v1/Release.js';
import { storedBlobs } from './blob-state.js';
import { AdminClient, aCoordinator, aTree, anAgent, checkLive, cleanup, deployAndWait, runCli, tempDir, waitFor } from './fixtures.js';

// Signed releases: push signs the release id with an ed25519 key; the
// coordinator refuses what it should not take; every agent stages only what
// a key it trusts signed, so a coordinator taken over cannot put code of its
// choosing on the fleet.

describe('signed releases', () => {
  let dir = '';
  let coordinator: Coordinator | undefined;
  let client: AdminClient | undefined;
  const agents: Agent[] = [];
  afterEach(async () => {
    for (const a of agents.splice(0)) await a.stop();
    client?.close();
    await coordinator?.stop();
    coordinator = undefined;
    await cleanup(dir);
  });

  const keys = async (name: string) => {
    const res = await runCli(['keys', 'generate', join(dir, 'keys', name)]);
    expect(res.code, res.stderr).toBe(0);
    return { key: join(dir, 'keys', `${name}.key`), pub: join(dir, 'keys', `${name}.pub`) };
  };
  const push = (label: string, ...flags: string[]) =>
    aTree(join(dir, 'builds', label), { 'index.html': label }).then((build) => runCli(['push', build, '--version', label, '--json', ...flags, '--coordinator', coordinator!.address]));

  it('keys generate writes a private key only its owner reads and a public key, and never overwrites one', async () => {
    dir = await tempDir();
    const { key, pub } = await keys('release');
    expect((await stat(key)).mode & 0o777).toBe(0o600);
    expect(await readFile(key, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect((await loadTrustedKey(pub)).id).toMatch(/^[0-9a-f]{16}$/);
    const before = await readFile(key, 'utf8');
    const again = await runCli(['keys', 'generate', join(dir, 'keys', 'release')]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^fleetswap: .*release\.key exists: a release key is never overwritten[^\n]*\n$/);
    expect(await readFile(key, 'utf8')).toBe(before);
  });

  it('the coordinator refuses unsigned pushes and signatures by keys it does not trust, storing nothing; takes signed ones', async () => {
    dir = await tempDir();
    const ours = await keys('ours');
    const theirs = await keys('theirs');
    coordinator = await aCoordinator(join(dir, 'data'), { signing: { trusted: [await loadTrustedKey(ours.pub)], allowUnsigned: false } });

    const unsigned = await push('v1');
    expect(unsigned.code).toBe(3);
    expect(unsigned.stderr).toMatch(/^fleetswap: release v1 is unsigned and this coordinator accepts only signed releases: push with --sign-key FILE[^\n]*\n$/);
    const forged = await push('v1', '--sign-key', theirs.key);
    expect(forged.code).toBe(3);
    expect(forged.stderr).toMatch(/release v1 is signed by key\(s\) [0-9a-f]{16}, and none verifies against a key this coordinator trusts/);
    // Refused at the dry run: not a blob was uploaded.
    expect(await storedBlobs(join(dir, 'data'))).toEqual([]);
    expect(JSON.parse((await runCli(['releases', '--json', '--coordinator', coordinator.address])).stdout)).toEqual([]);

    const signed = await push('v1', '--sign-key', ours.key);
    expect(signed.code, signed.stderr).toBe(0);
    const release = (JSON.parse(signed.stdout) as { release: Release }).release;
    expect(release.signed_by).toEqual([(await loadTrustedKey(ours.pub)).id]);
    // The key can come from the environment too.
    const byEnv = await aTree(join(dir, 'builds', 'v2'), { 'index.html': 'v2' }).then((b) =>
      runCli(['push', b, '--version', 'v2', '--coordinator', coordinator!.address], { FLEETSWAP_SIGN_KEY: ours.key }),
    );
    expect(byEnv.code, byEnv.stderr).toBe(0);
  });

  it('an agent stages only what a key it trusts signed, whatever the coordinator says', async () => {
    dir = await tempDir();
    const ours = await keys('ours');
    const theirs = await keys('theirs');
    // A coordinator taken over: it takes anything.
    coordinator = await aCoordinator(join(dir, 'data'), { signing: { allowUnsigned: true } });
    client = new AdminClient(coordinator.address);
    const root = join(dir, 'host');
    agents.push(await anAgent(coordinator.address, root, { allowUnsigned: false, trustKeys: [await loadTrustedKey(ours.pub)] }));
    await waitFor('agent', () => coordinator!.fleet.connectedCount() === 1);

    expect((await push('good', '--sign-key', ours.key)).code).toBe(0);
    const good = await deployAndWait(client, 'good');
    expect(good.state).toBe('complete');

    for (const [label, flags, why] of [
      ['evil-unsigned', [], /BAD_SIGNATURE: release [0-9a-f]{12} is unsigned, not by a key this host trusts/],
      ['evil-forged', ['--sign-key', theirs.key], /BAD_SIGNATURE: release [0-9a-f]{12} is signed by key\(s\) [0-9a-f]{16}, not by a key this host trusts/],
    ] as const) {
      expect((await push(label, ...flags)).code).toBe(0);
      const r = await deployAndWait(client, label);
      expect(r.state).toBe('failed');
      expect(r.hosts[0]?.error).toMatch(why);
      expect(await checkLive(root)).toBe(good.release_id);
    }
    const hosts = JSON.parse((await runCli(['hosts', '--json', '--coordinator', coordinator.address])).stdout) as Host[];
    expect(hosts[0]?.unsigned_allowed).toBe(false);
  });

  it('the coordinator refuses a push signed for another fleet at the dry run, before a byte is uploaded', async () => {
    dir = await tempDir();
    const ours = await keys('ours');
    coordinator = await aCoordinator(join(dir, 'data'), { signing: { trusted: [await loadTrustedKey(ours.pub)], allowUnsigned: false, fleet: 'prod' } });
    const other = await push('v1', '--sign-key', ours.key, '--fleet', 'staging');
    expect(other.code).toBe(3);
    expect(other.stderr).toBe('fleetswap: release v1 is signed for fleet "staging", and this coordinator is in fleet "prod": push it signed for this fleet (push --fleet prod, or FLEETSWAP_FLEET)\n');
    expect(await storedBlobs(join(dir, 'data'))).toEqual([]);
    const byEnv = await aTree(join(dir, 'builds', 'v1'), { 'index.html': 'v1' }).then((b) =>
      runCli(['push', b, '--version', 'v1', '--sign-key', ours.key, '--coordinator', coordinator!.address], { FLEETSWAP_FLEET: 'prod' }),
    );
    expect(byEnv.code, byEnv.stderr).toBe(0);
    expect((await runCli(['push', dir, '--version', 'v9', '--fleet', 'Prod\nfleet=x', '--coordinator', coordinator.address])).stderr).toMatch(/^fleetswap: bad --fleet "Prod\\nfleet=x": 1-63 lowercase letters/);
  });

  it('rollback --force-irreversible --sign-key takes hosts below their irreversible release; without --sign-key they refuse and say what to do', async () => {
    dir = await tempDir();
    const ours = await keys('ours');
    const trusted = [await loadTrustedKey(ours.pub)];
    coordinator = await aCoordinator(join(dir, 'data'), { signing: { trusted, allowUnsigned: false } });
    client = new AdminClient(coordinator.address);
    const root = join(dir, 'host');
    agents.push(await anAgent(coordinator.address, root, { allowUnsigned: false, trustKeys: trusted }));
    await waitFor('agent', () => coordinator!.fleet.connectedCount() === 1);
    const cli = (...args: string[]) => runCli([...args, '--coordinator', coordinator!.address]);

    expect((await push('v1', '--sign-key', ours.key)).code).toBe(0);
    expect((await push('v2-migration', '--sign-key', ours.key, '--irreversible', 'drops the carts table')).code).toBe(0);
    const v1 = (await deployAndWait(client, 'v1')).release_id;
    const v2 = (await deployAndWait(client, 'v2-migration')).release_id;
    expect(await checkLive(root)).toBe(v2);

    // The coordinator takes an unsigned force; the host, holding its floor, does not.
    const unsigned = await cli('rollback', '--to', 'v1', '--force-irreversible', '--reason', 'carts restored from backup');
    expect(unsigned.code).toBe(1);
    expect(unsigned.stdout).toMatch(/BELOW_FLOOR: release v1 \([0-9a-f]{12}\) was signed before irreversible release v2-migration .*: fleetswap rollback --to v1 --force-irreversible --sign-key KEY --reason TEXT/);
    expect(await checkLive(root)).toBe(v2);

    expect((await cli('rollback', '--to', 'v1', '--sign-key', ours.key, '--reason', 'x')).stderr).toMatch(/^fleetswap: --sign-key signs an override to go back past an irreversible release: give it with --force-irreversible --reason TEXT\n$/);
    expect((await cli('rollback', '--to', '1h', '--force-irreversible', '--sign-key', ours.key, '--reason', 'x')).stderr).toMatch(/^fleetswap: --sign-key signs an override for one release: name it with --to LABEL or --to ID\n$/);
    const otherFleet = await cli('rollback', '--to', 'v1', '--force-irreversible', '--sign-key', ours.key, '--reason', 'x', '--fleet', 'staging');
    expect(otherFleet.code).toBe(3);
    expect(otherFleet.stderr).toMatch(/the override is signed for fleet "staging", and this coordinator serves fleet "default"/);

    const signed = await cli('rollback', '--to', 'v1', '--force-irreversible', '--sign-key', ours.key, '--reason', 'carts restored from backup');
    expect(signed.code, signed.stdout + signed.stderr).toBe(0);
    expect(signed.stderr).toContain(`signed an override for fleet default: to ${v1}, below ${v2}, until `);
    expect(await checkLive(root)).toBe(v1);
    const audit = JSON.parse((await cli('audit', '--json')).stdout) as { actor: string; action: string; reason: string; detail: { override?: { key_id: string; crosses: string } } }[];
    expect(audit.filter((e) => e.action === 'rollback').at(-1)?.detail.override).toMatchObject({ key_id: trusted[0]!.id, crosses: v2 });
    expect(audit.find((e) => e.action === 'failed' && /BELOW_FLOOR/.test(e.reason))).toBeDefined();
  });

  it('an agent with no key to trust refuses to start unless told to allow unsigned releases, which it reports', async () => {
    dir = await tempDir();
    coordinator = await aCoordinator(join(dir, 'data'));
    const refused = await runCli(['agent', '--coordinator', coordinator.address, '--id', 'web-1', '--root', join(dir, 'host'), '--insecure']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^fleetswap: no release key to trust: give --trust-key FILE[^\n]*--allow-unsigned[^\n]*\n$/);
    await writeFile(join(dir, 'not-a-key.pub'), 'hello');
    const bad = await runCli(['agent', '--coordinator', coordinator.address, '--id', 'web-1', '--root', join(dir, 'host'), '--trust-key', join(dir, 'not-a-key.pub'), '--insecure']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not-a-key\.pub is not a public key/);

    agents.push(await anAgent(coordinator.address, join(dir, 'host'), { id: 'web-1', allowUnsigned: true }));
    await waitFor('agent', () => coordinator!.fleet.connectedCount() === 1);
    const hosts = JSON.parse((await runCli(['hosts', '--json', '--coordinator', coordinator.address])).stdout) as Host[];
    expect(hosts[0]?.unsigned_allowed).toBe(true);
  });
});
