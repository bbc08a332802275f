import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Coordinator } from '../coordinator/coordinator.js';
import { silentLogger } from '../shared/log.js';
import { openDatabase } from './database.js';
import { TEST_TOKEN, aCoordinator, cleanup, runCli, tempDir } from './fixtures.js';

// API tokens and roles: default deny, a per-method allowlist, tokens kept
// hashed; refusals exit 3 and say which role is needed.

describe('tokens and roles', () => {
  let dir = '';
  let coordinator: Coordinator | undefined;
  afterEach(async () => {
    await coordinator?.stop();
    coordinator = undefined;
    await cleanup(dir);
  });

  it('a new coordinator writes its first admin token, readable by its owner only, and it works', async () => {
    dir = await tempDir();
    coordinator = await Coordinator.start({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', log: silentLogger(), signing: { allowUnsigned: true }, transport: { insecure: true } });
    const file = join(dir, 'data', 'admin.token');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const token = (await readFile(file, 'utf8')).trim();
    expect(token).toMatch(/^fst_[A-Za-z0-9_-]{43}$/);
    const list = await runCli(['token', 'list', '--json', '--token-file', file, '--coordinator', coordinator.address], { FLEETSWAP_TOKEN: '' });
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: 'bootstrap-admin', role: 'admin', revoked_at: '' })]);
  });

  it('viewers read, deployers deploy, admins halt; refusals exit 3 and name the role; revoked and unknown tokens are refused', async () => {
    dir = await tempDir();
    coordinator = await aCoordinator(join(dir, 'data'));
    const as = (token: string, ...args: string[]) => runCli([...args, '--coordinator', coordinator!.address], { FLEETSWAP_TOKEN: token });
    const make = async (name: string, role: string) => {
      const res = await as(TEST_TOKEN, 'token', 'create', '--name', name, '--role', role);
      expect(res.code, res.stderr).toBe(0);
      return res.stdout.trim();
    };
    const viewer = await make('dash', 'viewer');
    const deployer = await make('ci', 'deployer');

    const status = await as(viewer, 'status');
    expect(status.code).toBe(0);
    // Test coordinators run in plaintext (--insecure): everyone is told.
    expect(status.stdout).toMatch(/^WARNING: the coordinator runs in plaintext \(--insecure\)/m);
    const refused = await as(viewer, 'deploy', 'v1');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toBe('fleetswap: deploy needs the deployer role; token dash is a viewer\n');
    expect((await as(deployer, 'releases')).code).toBe(0);
    const halt = await as(deployer, 'halt', '--reason', 'x');
    expect(halt.code).toBe(3);
    expect(halt.stderr).toBe('fleetswap: halt needs the admin role; token ci is a deployer\n');
    expect((await as(deployer, 'token', 'list')).code).toBe(3);
    expect((await as(TEST_TOKEN, 'halt', '--reason', 'drill')).code).toBe(0);
    expect((await as(TEST_TOKEN, 'unhalt')).code).toBe(0);

    const none = await as('', 'status');
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/^fleetswap: no API token: set FLEETSWAP_TOKEN or --token-file[^\n]*\n$/);
    expect((await as('fst_guess', 'status')).stderr).toBe('fleetswap: unknown API token\n');

    expect((await as(TEST_TOKEN, 'token', 'revoke', 'ci')).code).toBe(0);
    const revoked = await as(deployer, 'releases');
    expect(revoked.code).toBe(3);
    expect(revoked.stderr).toMatch(/^fleetswap: token ci was revoked at /);
    expect((await as(TEST_TOKEN, 'token', 'create', '--name', 'x', '--role', 'root')).stderr).toBe('fleetswap: bad role "root": viewer, deployer or admin\n');

    // Only hashes are kept.
    const db = await openDatabase(join(dir, 'data'));
    try {
      const dump = JSON.stringify(await db.all('SELECT * FROM tokens'));
      for (const t of [viewer, deployer, TEST_TOKEN]) expect(dump).not.toContain(t);
    } finally {
      await db.close();
    }
    const list = JSON.parse((await as(TEST_TOKEN, 'token', 'list', '--json')).stdout) as Record<string, string>[];
    expect(list.map((t) => [t.name, t.role, t.revoked_at !== ''])).toEqual([
      ['bootstrap-admin', 'admin', false],
      ['dash', 'viewer', false],
      ['ci', 'deployer', true],
    ]);
    expect(list.every((t) => !('hash' in t) && !('token' in t))).toBe(true);
  });
});
