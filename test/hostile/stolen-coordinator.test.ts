import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Agent } from '../../agent/agent.js';
import type { AgentOptions } from '../../agent/agent.js';
import { signOverride, type Override } from '../../shared/override.js';
import type { Report__Output as Report } from '../../shared/gen/fleetswap/v1/Report.js';
import { anAgent, checkLive, cleanup, tempDir, waitFor } from '../fixtures.js';
import { FakeCoordinator, aFakeRelease, aReleaseKey, type FakeRelease, type ReleaseKey } from './fake-coordinator.js';

// A stolen coordinator against a real agent. The coordinator here is a fake
// (a real gRPC server implementing AgentService) that holds every release
// and every signature ever pushed, and sends whatever it likes. Each test
// performs one attack and shows the agent refuse it with a one-line reason
// in its report, and its live release and slots untouched.

const FLEET = 'prod';
const HOUR = 3_600_000;

describe('a stolen coordinator', () => {
  let dir = '';
  let fake: FakeCoordinator | undefined;
  let agent: Agent | undefined;
  const fifos: string[] = [];
  afterEach(async () => {
    // An agent blocked on opening a fifo for reading is let go: open it for writing, then close.
    for (const f of fifos.splice(0)) {
      try {
        closeSync(openSync(f, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        // ENXIO: nobody is reading it.
      }
    }
    await agent?.stop();
    agent = undefined;
    await fake?.stop();
    fake = undefined;
    await cleanup(dir);
  });

  const ours = aReleaseKey('ours');
  const start = Date.now() - HOUR;
  const signed = (label: string, at: number, irreversible = '', key: ReleaseKey = ours, fleet = FLEET): FakeRelease =>
    aFakeRelease(label, { 'index.html': `<h1>${label}</h1>`, 'app.js': `console.log(${JSON.stringify(label)})` }, [{ key, fleet, signedAtMs: start + at }], irreversible);

  const offer = (...releases: FakeRelease[]) => {
    for (const r of releases) fake!.releases.set(r.id, r);
  };

  const startAgent = async (root: string, opts: Partial<AgentOptions> = {}) => {
    agent = await anAgent(fake!.address, root, { allowUnsigned: false, trustKeys: [ours.trusted], fleet: FLEET, ...opts });
    await waitFor('agent connected to the fake coordinator', () => fake!.connected());
  };

  const restartAgent = async (root: string, opts: Partial<AgentOptions> = {}) => {
    await agent?.stop();
    await waitFor('old stream gone', () => !fake!.connected());
    await startAgent(root, opts);
  };

  const activate = (r: FakeRelease | string, override?: Override) =>
    fake!.directive({ kind: 'ACTIVATE', release_id: typeof r === 'string' ? r : r.id, ...(override ? { override } : {}) });

  /** refused asserts a report says no in one line, with the code given, and that the host still runs `live`. */
  const refused = async (report: Report, code: string, why: RegExp, root: string, live: FakeRelease) => {
    expect(report.kind).toBe('FAILED');
    expect(report.error_code).toBe(code);
    expect(report.error).toMatch(why);
    expect(report.error).not.toContain('\n');
    expect(report.live_release).toBe(live.id);
    expect(await checkLive(root)).toBe(live.id);
  };

  it('cannot run a release signed for another fleet', async () => {
    dir = await tempDir();
    fake = await FakeCoordinator.start();
    const root = join(dir, 'host');
    const v1 = signed('v1', 1000);
    // Signed by a key this host trusts, but for the staging fleet: replayed into prod.
    const staging = signed('v2-staging', 2000, '', ours, 'staging');
    offer(v1, staging);
    await startAgent(root);
    expect((await activate(v1)).kind).toBe('ACTIVATED');

    await refused(await activate(staging), 'WRONG_FLEET', /release [0-9a-f]{12} is signed for fleet "staging", and this host is in fleet "prod"/, root, v1);
    expect(fake.fetchCalls).toHaveLength(1); // v1's blobs only: nothing of the refused release was fetched
  });

  it('cannot take a host below its irreversible release, not even to an old release the host never ran, nor after a restart', async () => {
    dir = await tempDir();
    fake = await FakeCoordinator.start();
    const root = join(dir, 'host');
    const v0 = signed('v0', 500);
    const v1 = signed('v1', 1000);
    const v2 = signed('v2-migration', 2000, 'drops the legacy_orders table');
    const v3 = signed('v3', 3000);
    offer(v0, v1, v2, v3);
    await startAgent(root);
    expect((await activate(v1)).kind).toBe('ACTIVATED');
    expect((await activate(v2)).kind).toBe('ACTIVATED');
    expect(JSON.parse(await readFile(join(root, '.fleetswap', 'floor.json'), 'utf8'))).toMatchObject({ release_id: v2.id, why: 'irreversible' });

    const below = /release (v1|v0) \([0-9a-f]{12}\) was signed before irreversible release v2-migration \([0-9a-f]{12}\), this host's floor since .*--force-irreversible --sign-key KEY/;
    // v1 is in a slot: the switch alone is refused.
    await refused(await activate(v1), 'BELOW_FLOOR', below, root, v2);
    // v0 was never on this host: refused before a blob is fetched.
    const fetches = fake.fetchCalls.length;
    await refused(await activate(v0), 'BELOW_FLOOR', below, root, v2);
    expect(fake.fetchCalls).toHaveLength(fetches);
    // Nor staged for later.
    await refused(await fake.directive({ kind: 'STAGE', release_id: v0.id }), 'BELOW_FLOOR', below, root, v2);

    await restartAgent(root);
    await refused(await activate(v1), 'BELOW_FLOOR', below, root, v2);
    // A release signed after the floor goes ahead as ever.
    expect((await activate(v3)).kind).toBe('ACTIVATED');
    expect(await checkLive(root)).toBe(v3.id);
  });

  it('takes a host below its floor only with an unexpired override a release key signed for that release', async () => {
    dir = await tempDir();
    fake = await FakeCoordinator.start();
    const root = join(dir, 'host');
    const v0 = signed('v0', 500);
    const v1 = signed('v1', 1000);
    const v2 = signed('v2-migration', 2000, 'drops the legacy_orders table');
    offer(v0, v1, v2);
    await startAgent(root);
    expect((await activate(v1)).kind).toBe('ACTIVATED');
    expect((await activate(v2)).kind).toBe('ACTIVATED');

    const now = Date.now();
    const theirs = aReleaseKey('theirs');
    const terms = { fleet: FLEET, target: v1.id, crosses: v2.id, expires_ms: now + 10 * 60_000 };
    for (const [override, why] of [
      [signOverride({ ...terms, expires_ms: now - 1000 }, ours.key), /the override is refused: it expired at .*: sign a new one/],
      [signOverride({ ...terms, target: v0.id }, ours.key), /the override is refused: it allows release [0-9a-f]{12}, not [0-9a-f]{12}/],
      [signOverride(terms, theirs.key), /the override is refused: it is not signed by a key this host trusts/],
      [signOverride({ ...terms, fleet: 'staging' }, ours.key), /the override is refused: it is for fleet "staging", and this host is in fleet "prod"/],
      [signOverride({ ...terms, crosses: v0.id }, ours.key), /the override is refused: it goes below [0-9a-f]{12}, and this host's floor is [0-9a-f]{12}/],
      [signOverride({ ...terms, expires_ms: now + 48 * HOUR }, ours.key), /the override is refused: it is valid until .*more than 24 h ahead/],
      // Terms changed after signing (the coordinator holds every override): the signature no longer verifies.
      [{ ...signOverride(terms, ours.key), expires_ms: now + 20 * 60_000 }, /the override is refused: it is not signed by a key this host trusts/],
    ] as const) {
      await refused(await activate(v1, override), 'BELOW_FLOOR', why, root, v2);
    }

    const ok = await activate(v1, signOverride(terms, ours.key));
    expect(ok.kind, ok.error).toBe('ACTIVATED');
    expect(await checkLive(root)).toBe(v1.id);
    // The override's release is the floor now: the host stays there, and can go forward again.
    expect(JSON.parse(await readFile(join(root, '.fleetswap', 'floor.json'), 'utf8'))).toMatchObject({ release_id: v1.id, why: 'override' });
    await refused(await activate(v0, signOverride({ ...terms, target: v0.id, crosses: v2.id }, ours.key)), 'BELOW_FLOOR', /it goes below [0-9a-f]{12}, and this host's floor is [0-9a-f]{12}/, root, v1);
    expect((await activate(v2)).kind).toBe('ACTIVATED');
  });

  it('cannot switch a host to a release on its disk whose key the host no longer trusts', async () => {
    dir = await tempDir();
    fake = await FakeCoordinator.start();
    const root = join(dir, 'host');
    const retired = aReleaseKey('retired');
    const v1 = signed('v1', 1000);
    const v2 = signed('v2', 2000, '', retired);
    offer(v1, v2);
    await startAgent(root, { trustKeys: [ours.trusted, retired.trusted] });
    expect((await activate(v1)).kind).toBe('ACTIVATED');
    expect((await fake.directive({ kind: 'STAGE', release_id: v2.id })).kind).toBe('STAGED');

    // The retired key is dropped from --trust-key; v2 is still on disk, staged and verified.
    await restartAgent(root, { trustKeys: [ours.trusted] });
    expect(fake.hello?.slots.map((s) => s.release_id)).toContain(v2.id);
    await refused(await activate(v2), 'BAD_SIGNATURE', /release [0-9a-f]{12} is signed by key\(s\) [0-9a-f]{16}, not by a key this host trusts/, root, v1);
    await refused(await fake.directive({ kind: 'STAGE', release_id: v2.id }), 'BAD_SIGNATURE', /not by a key this host trusts/, root, v1);
  });

  it('cannot make an agent open ../../../../dev/zero through a release id', async () => {
    dir = await tempDir();
    fake = await FakeCoordinator.start();
    // ROOT/.fleetswap/manifests/../../../../dev/zero is DIR/x/dev/zero: a fifo, which blocks whoever opens it to read.
    const root = join(dir, 'x', 'a', 'host');
    await mkdir(join(dir, 'x', 'dev'), { recursive: true });
    execFileSync('mkfifo', [join(dir, 'x', 'dev', 'zero')]);
    fifos.push(join(dir, 'x', 'dev', 'zero'));
    const v1 = signed('v1', 1000);
    offer(v1);
    await startAgent(root);
    expect((await activate(v1)).kind).toBe('ACTIVATED');
    const before = await snapshot(root);
    const asked = fake.manifestCalls.length;

    for (const kind of ['ACTIVATE', 'STAGE', 'REPAIR'] as const) {
      const report = await fake.directive({ kind, release_id: '../../../../dev/zero' }, 5_000);
      await refused(report, 'BAD_DIRECTIVE', /^the coordinator named release "\.\.\/\.\.\/\.\.\/\.\.\/dev\/zero", which is not a release id \(64 lowercase hex digits\); refused$/, root, v1);
    }
    expect(fake.manifestCalls).toHaveLength(asked);
    expect(await snapshot(root)).toEqual(before);
  });

  it('cannot make an agent act on a directive kind it does not know: none at all, or a newer proto\'s', async () => {
    dir = await tempDir();
    fake = await FakeCoordinator.start();
    const root = join(dir, 'host');
    const v1 = signed('v1', 1000);
    const v2 = signed('v2', 2000);
    offer(v1, v2);
    await startAgent(root);
    expect((await activate(v1)).kind).toBe('ACTIVATED');
    const before = await snapshot(root);
    const asked = fake.manifestCalls.length;

    // The proto's zero value, and a number this proto has no name for: neither is taken for an ACTIVATE.
    for (const [kind, shown] of [['DIRECTIVE_KIND_UNSPECIFIED', '"DIRECTIVE_KIND_UNSPECIFIED"'], [7, '7']] as const) {
      const report = await fake.directive({ kind, release_id: v2.id }, 5_000);
      const why = new RegExp(`^the coordinator sent directive kind ${shown}, which this agent does not know \\(STAGE, ACTIVATE, REPAIR, CLEAN\\); refused$`);
      await refused(report, 'BAD_DIRECTIVE', why, root, v1);
    }
    expect(fake.manifestCalls).toHaveLength(asked);
    expect(await snapshot(root)).toEqual(before);
    // Still taking the directives it knows.
    expect((await activate(v2)).kind).toBe('ACTIVATED');
  });

  it('cannot make an agent open a path of its choosing through the base of a manifest delta', async () => {
    dir = await tempDir();
    fake = await FakeCoordinator.start();
    const root = join(dir, 'x', 'a', 'host');
    await mkdir(join(dir, 'x', 'dev'), { recursive: true });
    execFileSync('mkfifo', [join(dir, 'x', 'dev', 'zero')]);
    fifos.push(join(dir, 'x', 'dev', 'zero'));
    const v1 = signed('v1', 1000);
    const v2 = signed('v2', 2000);
    offer(v1, v2);
    await startAgent(root);
    expect((await activate(v1)).kind).toBe('ACTIVATED');
    fake.onManifest = (req, honest) =>
      req.have.length > 0 ? { manifest: Buffer.alloc(0), delta: Buffer.from('{}'), delta_base: '../../../../dev/zero', signatures: honest().signatures } : honest();

    // The bad base is not a file name: the agent asks for the whole manifest instead, and stages as ever.
    const report = await activate(v2);
    expect(report.kind, report.error).toBe('ACTIVATED');
    expect(fake.manifestCalls.filter((c) => c.release_id === v2.id).map((c) => c.have)).toEqual([[v1.id], []]);
  });

  it('cannot make an agent take more bytes for a blob than its manifest says', async () => {
    dir = await tempDir();
    fake = await FakeCoordinator.start();
    const root = join(dir, 'host');
    const v1 = signed('v1', 1000);
    const big = Buffer.alloc(100 * 1024, 7);
    const v2 = aFakeRelease('v2', { 'index.html': 'v2', 'big.bin': big }, [{ key: ours, fleet: FLEET, signedAtMs: start + 2000 }]);
    offer(v1, v2);
    await startAgent(root);
    expect((await activate(v1)).kind).toBe('ACTIVATED');
    const slotsBefore = await readdir(join(root, '.fleetswap', 'slot-meta'));

    // The right bytes, then up to 64 MiB more, as fast as the agent takes them.
    let sent = 0;
    fake.onBlob = async function* (_hash, honest, call) {
      yield honest;
      sent += honest.length;
      const junk = Buffer.alloc(256 * 1024, 1);
      while (sent < 64 * 1024 * 1024 && !call.cancelled) {
        sent += junk.length;
        yield junk;
      }
    };
    const report = await activate(v2);
    await refused(report, 'OVERSIZED_BLOB', /^blob [0-9a-f]{12} came with more than the \d+ bytes its manifest entry says; fetch aborted$/, root, v1);
    // Cut off at once, not fetched again, and nothing of it kept.
    expect(fake.fetchCalls.filter((c) => c.length > 0)).toHaveLength(2);
    expect(sent).toBeLessThan(16 * 1024 * 1024);
    expect(await readdir(join(root, '.fleetswap', 'slot-meta'))).toEqual(slotsBefore);
    expect(await readdir(join(root, '.fleetswap', 'tmp'))).toEqual([]);
  });
});

/** snapshot lists every path under root, files with size and mtime; not the generation the agent records after each directive. */
async function snapshot(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = relative(root, p);
      if (rel === join('.fleetswap', 'state.json')) continue;
      if (e.isDirectory()) {
        // A directory's mtime moves with every file renamed into it (state.json); its entries are listed instead.
        out.push(`${rel}/`);
        await walk(p);
      } else {
        const s = await stat(p);
        out.push(`${rel} ${s.size} ${s.mtimeMs}`);
      }
    }
  };
  await walk(root);
  return out.sort();
}
