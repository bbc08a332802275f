import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentServiceClient } from '../../shared/gen/fleetswap/v1/AgentService.js';
import { parseManifest } from '../../shared/manifest.js';
import { aCoordinator, aRelease, aTree, checkLive, deployAndWait, runCli, waitConnected } from '../fixtures.js';
import { aTlsFleet, drain, getManifest, type TlsFleet } from './tls-fleet.js';

// Only agents fetch code, and only their own: a release's files (config
// included) go to an agent certificate the coordinator directed to hold that
// release, and nothing else.

const fetchBlobs = (c: AgentServiceClient, release_id: string, hashes: string[]) => drain(c.FetchBlobs({ release_id, hashes }));

describe('attack: fetching code without being its host', () => {
  let fleet: TlsFleet;
  afterEach(() => fleet?.stop());

  async function deployedToWeb1() {
    fleet = await aTlsFleet();
    const admin = fleet.admin();
    const v1 = await aRelease(admin, await aTree(join(fleet.dir, 'b1'), { 'index.html': 'v1', 'config/db.json': '{"password":"v1-secret"}' }), 'v1');
    const v2 = await aRelease(admin, await aTree(join(fleet.dir, 'b2'), { 'index.html': 'v2', 'config/db.json': '{"password":"v2-secret"}' }), 'v2');
    await fleet.anAgent('web-1');
    await waitConnected(fleet.coordinator, 1);
    expect((await deployAndWait(admin, 'v1')).state).toBe('complete');
    expect(await checkLive(join(fleet.dir, 'web-1'))).toBe(v1.id);
    const blobOf = (m: Buffer, id: string, path: string) => {
      const e = parseManifest(m, id).entries.find((x) => x.path === path);
      if (e?.type !== 'file') throw new Error(`no file ${path}`);
      return e.sha256;
    };
    const own = await fleet.agentClient('web-1');
    const m1 = await getManifest(own, { release_id: v1.id, have: [] });
    if (!('ok' in m1)) throw m1.err;
    const v2Secret = blobOf((await fleet.coordinator.store.releases.byId(v2.id) as { manifest: Buffer }).manifest, v2.id, 'config/db.json');
    return { admin, v1, v2, own, v1Secret: blobOf(m1.ok.manifest, v1.id, 'config/db.json'), v2Secret };
  }

  it('a client with no certificate gets neither a manifest nor a blob, and is counted', async () => {
    const { admin, v1, v1Secret } = await deployedToWeb1();
    const stranger = await fleet.agentClient();
    const m = await getManifest(stranger, { release_id: v1.id, have: [] });
    expect('err' in m && m.err.code).toBe(7); // PERMISSION_DENIED
    expect('err' in m && m.err.details).toMatch(/^agents need a client certificate from the fleet CA/);
    const b = await fetchBlobs(stranger, v1.id, [v1Secret]);
    expect(b.err?.code).toBe(7);
    expect(b.chunks).toEqual([]);
    expect((await admin.call('Status', { rollout_id: 0 })).refusals.unauthenticated).toBe(2);
  });

  it("an agent certificate cannot fetch a release its host was never given, nor another host's", async () => {
    const { admin, v1, v2, v1Secret } = await deployedToWeb1();
    // web-2 has a valid agent certificate but was never directed to hold v1.
    const web2 = await fleet.agentClient('web-2');
    const m = await getManifest(web2, { release_id: v1.id, have: [] });
    expect('err' in m && m.err.code).toBe(7);
    expect('err' in m && m.err.details).toBe(`release ${v1.id.slice(0, 12)} was never assigned to web-2`);
    const b = await fetchBlobs(web2, v1.id, [v1Secret]);
    expect(b.err?.details).toBe(`release ${v1.id.slice(0, 12)} was never assigned to web-2`);
    expect(b.chunks).toEqual([]);
    // web-1 itself cannot get v2, which was pushed but never deployed to it.
    const own = await fleet.agentClient('web-1');
    const m2 = await getManifest(own, { release_id: v2.id, have: [v1.id] });
    expect('err' in m2 && m2.err.details).toBe(`release ${v2.id.slice(0, 12)} was never assigned to web-1`);
    expect((await admin.call('Status', { rollout_id: 0 })).refusals['fetch-denied']).toBe(3);
  });

  it("an agent cannot pull another release's blob by naming its own release", async () => {
    const { v1, v1Secret, v2Secret, own } = await deployedToWeb1();
    const theirs = await fetchBlobs(own, v1.id, [v1Secret, v2Secret]);
    expect(theirs.err?.code).toBe(7);
    expect(theirs.err?.details).toBe(`blob ${v2Secret} is not in release ${v1.id.slice(0, 12)}`);
    expect(theirs.chunks).toEqual([]);
    // Its own blob still comes, whole.
    const mine = await fetchBlobs(own, v1.id, [v1Secret]);
    expect(mine.err).toBeUndefined();
    expect(Buffer.concat(mine.chunks.map((c) => c.data)).toString()).toBe('{"password":"v1-secret"}');
  });

  it('a certificate of another role (the coordinator’s own) cannot fetch', async () => {
    const { v1 } = await deployedToWeb1();
    await fleet.files('ops', 'admin');
    const ops = await fleet.agentClient('ops');
    const m = await getManifest(ops, { release_id: v1.id, have: [] });
    expect('err' in m && m.err.details).toBe('certificate ops is for a admin role, not an agent');
  });
});

describe('plaintext coordinator', () => {
  it('says at start, in its log and in status, that anyone can fetch code', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const c = await aCoordinator(undefined, { log });
    try {
      expect(lines.some((l) => /PLAINTEXT: .*anyone can fetch code/.test(l))).toBe(true);
      const status = await runCli(['status', '--coordinator', c.address], { FLEETSWAP_INSECURE: '1' });
      expect(status.stdout).toMatch(/WARNING: the coordinator runs in plaintext \(--insecure\): .*anyone can fetch code/);
    } finally {
      await c.stop();
    }
  });
});
