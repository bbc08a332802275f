import { execFile } from 'node:child_process';
import { mkdir, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../agent/agent.js';
import type { Coordinator } from '../../coordinator/coordinator.js';
import type { Rollout__Output as Rollout } from '../../shared/gen/fleetswap/v1/Rollout.js';
import { AdminClient, InvariantSampler, aCoordinator, aRelease, aTree, anAgent, checkLive, cleanup, runCli, tempDir, TWO_PHASE } from '../fixtures.js';
import { leftovers, seededBytes } from './support.js';

// CONTRACT invariant 1 on a full disk: a host whose disk fills up while it
// stages must fail that staging loudly, clean up the partial slot, and keep
// serving the live release untouched; with room again, the same deploy works.

const run = promisify(execFile);
const MiB = 1024 * 1024;
const FILE = 256 * 1024;

/** files makes `mib` MiB of content unique to `seed`, so nothing can be reused from another release. */
const files = (seed: number, mib: number): Record<string, Buffer> =>
  Object.fromEntries(Array.from({ length: (mib * MiB) / FILE }, (_, i) => [`static/${i}.bin`, seededBytes(seed * 10_000 + i, FILE)]));

/** fillDisk writes `path` until the filesystem refuses even one more page. */
async function fillDisk(path: string): Promise<void> {
  const fh = await open(path, 'w');
  try {
    for (const size of [MiB, 4096]) {
      const chunk = Buffer.alloc(size, 0x61);
      for (;;) {
        try {
          await fh.write(chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    await fh.close();
  }
}

describe('a host whose disk is full', () => {
  let coordinator: Coordinator;
  let client: AdminClient;
  let agent: Agent | undefined;
  let sampler: InvariantSampler;
  let dir = '';
  let root = '';
  let mounted = false;

  const deploy = (label: string) => runCli(['deploy', label, ...TWO_PHASE, '--watch', '--coordinator', coordinator.address]);

  beforeAll(async () => {
    dir = await tempDir();
    root = join(dir, 'host');
    await mkdir(root);
    try {
      await run('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', root]);
    } catch (err) {
      // CI runs as root: a missing permission is a broken environment, not a reason to skip.
      throw new Error(`this test mounts an 8 MiB tmpfs as the host's root and needs root to do so: ${(err as Error).message.trim()}`);
    }
    mounted = true;
    coordinator = await aCoordinator(join(dir, 'data'));
    client = new AdminClient(coordinator.address);
    agent = await anAgent(coordinator.address, root, { id: 'web-1', slots: 3 });
    sampler = new InvariantSampler([root]).start();
  });

  afterAll(async () => {
    sampler.stop();
    await agent?.stop();
    client.close();
    await coordinator.stop();
    if (mounted) await run('umount', [root]);
    await cleanup(dir);
  });

  it('fails the staging of a release that does not fit, says so in one line, and keeps serving the live one', async () => {
    const v1 = await aRelease(client, await aTree(join(dir, 'v1'), files(1, 3)), 'v1');
    const first = await deploy('v1');
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect(await checkLive(root)).toBe(v1.id);

    // 3 MiB live plus 6 MiB more does not fit in 8 MiB.
    const v2 = await aRelease(client, await aTree(join(dir, 'v2'), files(2, 6)), 'v2');
    const second = await deploy('v2');
    expect(second.code, second.stderr + second.stdout).toBe(1);
    expect(second.stdout).toMatch(/staging failed on 1 host.*nothing was switched/);
    const status = JSON.parse((await runCli(['status', '--json', '--coordinator', coordinator.address])).stdout) as { rollout: Rollout };
    const [host] = status.rollout.hosts;
    console.log(`[disk-full] the operator sees: ${host?.error}`);
    expect(host?.stage).toBe('failed');
    // One line that says where, how much, and what to do.
    expect(host?.error).toMatch(
      new RegExp(`^NO_SPACE: no space left on the disk holding ${root} to stage release ${v2.id.slice(0, 12)} \\(6\\.0 MiB needed, \\d+\\.\\d MiB free\\): free space there, then deploy again$`),
    );
    expect(host?.error.split('\n')).toHaveLength(1);

    // The partial slot is gone, and the live tree is whole.
    expect(await leftovers(root)).toEqual({ unmarkedSlots: [], tmp: [] });
    expect(await checkLive(root)).toBe(v1.id);
    const [listed] = (await client.call('ListHosts', {})).hosts;
    expect(listed?.slots.map((s) => s.release_id)).toEqual([v1.id]);
  });

  it('deploys the same release once there is room', async () => {
    await run('mount', ['-o', 'remount,size=64m', root]);
    const v2 = await client.call('ListReleases', {}).then((r) => r.releases.find((x) => x.label === 'v2'));
    const res = await deploy('v2');
    expect(res.code, res.stderr + res.stdout).toBe(0);
    expect(await checkLive(root)).toBe(v2?.id);
    expect(await leftovers(root)).toEqual({ unmarkedSlots: [], tmp: [] });
  });

  it('fails promptly and recovers when something else filled the disk to the last byte', async () => {
    // A runaway log on the same disk: nothing the agent writes fits any more, not even its own state.
    const filler = join(root, 'app.log');
    await fillDisk(filler);
    const v2 = await checkLive(root);
    await aRelease(client, await aTree(join(dir, 'v3'), files(3, 1)), 'v3');
    const started = Date.now();
    const res = await runCli(['deploy', 'v3', ...TWO_PHASE, '--watch', '--stage-timeout', '30s', '--coordinator', coordinator.address]);
    expect(res.code, res.stderr + res.stdout).toBe(1);
    // The host's own verdict, not the staging deadline.
    expect(res.stdout).toMatch(/web-1: NO_SPACE: no space left on the disk holding .* to stage release [0-9a-f]{12} \(.*0\.0 MiB free\): free space there, then deploy again/);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await checkLive(root)).toBe(v2);

    await rm(filler);
    const again = await runCli(['deploy', 'v3', ...TWO_PHASE, '--watch', '--stage-timeout', '30s', '--coordinator', coordinator.address]);
    expect(again.code, again.stderr + again.stdout).toBe(0);
    expect(await leftovers(root)).toEqual({ unmarkedSlots: [], tmp: [] });
    expect((await readdir(join(root, '.fleetswap'), { recursive: true })).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('never let current point at a missing or incomplete slot', () => {
    expect(sampler.stop()).toEqual([]);
  });
});
