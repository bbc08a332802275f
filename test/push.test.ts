import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Coordinator } from '../coordinator/coordinator.js';
import { buildManifest, type Entry } from '../shared/manifest.js';
import type { BlobChunk } from '../shared/gen/fleetswap/v1/BlobChunk.js';
import type { Release__Output as Release } from '../shared/gen/fleetswap/v1/Release.js';
import { push } from '../cli/push.js';
import { storedBlobs, unfinishedUploads } from './blob-state.js';
import { AdminClient, aCoordinator, aRelease, aTree, cleanup, refusalOf, runCli, tempDir } from './fixtures.js';

// `fleetswap push` against a real coordinator, as an operator runs it. The
// promise under test: a release is pushed whole or not at all, a label names
// one content forever, and nothing refused leaves a trace on the coordinator.

const ACTOR = 'alice@build-box';
// Who pushed is the name of the token that did (every test coordinator's first admin token), not what the CLI claims.
const PUSHER = 'token:bootstrap-admin';
const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

let work: string;
let data: string;
let coordinator: Coordinator;
let client: AdminClient;

beforeAll(async () => {
  work = await tempDir('fleetswap-push-');
  data = join(work, 'data');
  coordinator = await aCoordinator(data);
  client = new AdminClient(coordinator.address);
});
afterAll(async () => {
  client.close();
  await coordinator.stop();
  await cleanup(work);
});

const cli = (...args: string[]) => runCli([...args, '--coordinator', coordinator.address], { FLEETSWAP_ACTOR: ACTOR });

let trees = 0;
const aBuild = (files: Parameters<typeof aTree>[1]) => aTree(join(work, `build-${trees++}`), files);

/** blobs lists what the blob store holds, whatever the coordinator's own view of it. */
const blobs = () => storedBlobs(data);

async function releases(): Promise<Release[]> {
  return (await client.call('ListReleases', {})).releases;
}

/** coordinatorState is what a refused push must leave exactly as it was. */
async function coordinatorState(): Promise<{ releases: Release[]; blobs: string[]; tmp: string[] }> {
  return { releases: await releases(), blobs: await blobs(), tmp: await unfinishedUploads(data) };
}

function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l !== '');
  expect(lines, `stderr: ${stderr}`).toHaveLength(1);
  return lines[0] as string;
}


describe('push', () => {
  it('registers the release with its label, owner, notes and who pushed it', async () => {
    const dir = await aBuild({ 'index.html': '<h1>one</h1>', 'static/app.js': ['console.log(1)', 0o755] });
    const res = await cli('push', dir, '--version', 'v1.0', '--owner', 'web-team <web@example.com>', '--notes', 'first cut');
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('');
    expect(res.stdout).toMatch(/^pushed v1\.0 as [0-9a-f]{12}: 2 files, 26 B; uploaded 2 new blobs \(26 B\)\n$/);

    const listed = await cli('releases', '--json');
    expect(listed.code).toBe(0);
    const all = JSON.parse(listed.stdout) as Release[];
    const r = all.find((x) => x.label === 'v1.0');
    expect(r).toMatchObject({ label: 'v1.0', owner: 'web-team <web@example.com>', notes: 'first cut', irreversible: '', pushed_by: PUSHER, files: 2, bytes: 26 });
    expect(res.stdout).toContain(r?.id.slice(0, 12));
  });

  it('pushing the same content under the same label again does nothing, from any directory', async () => {
    const files = { 'index.html': 'same', 'a/b.css': 'body{}' };
    expect((await cli('push', await aBuild(files), '--version', 'v-same')).code).toBe(0);
    const before = await coordinatorState();

    const again = await cli('push', await aBuild(files), '--version', 'v-same', '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ created: false, uploadedBlobs: 0, uploadedBytes: 0 });
    const text = await cli('push', await aBuild(files), '--version', 'v-same');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^v-same \([0-9a-f]{12}\) is already pushed with this content: nothing to do\n$/);
    expect(await coordinatorState()).toEqual(before);
  });

  it('refuses the same label with different content, before uploading a byte', async () => {
    expect((await cli('push', await aBuild({ 'index.html': 'original' }), '--version', 'v-taken')).code).toBe(0);
    const before = await coordinatorState();

    const res = await cli('push', await aBuild({ 'index.html': 'changed', 'new-file.js': 'never uploaded' }), '--version', 'v-taken');
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(oneLine(res.stderr)).toMatch(
      new RegExp(`^fleetswap: version v-taken already names release [0-9a-f]{12} \\(pushed by ${PUSHER} at .*\\) with different content; push under a new --version$`),
    );
    expect(await coordinatorState()).toEqual(before);
  });

  // Every refused tree also holds a file the coordinator has never seen, so
  // that "nothing was uploaded" is something the test can observe.
  const refusedTrees: [string, (dir: string) => Promise<void>, RegExp][] = [
    ['an absolute symlink', (d) => symlink('/etc/passwd', join(d, 'passwd')), /symlink "passwd" -> "\/etc\/passwd" is absolute; make it relative to the tree$/],
    ['a symlink escaping the tree', (d) => symlink('../../outside', join(d, 'static/escape')), /symlink "static\/escape" -> "\.\.\/\.\.\/outside" points outside the release tree$/],
    [
      'a symlink escaping through d/up -> ..',
      async (d) => {
        await symlink('..', join(d, 'static/up'));
        await symlink('static/up/..', join(d, 'x'));
      },
      /symlink "x" -> "static\/up\/\.\." points outside the release tree$/,
    ],
    ['a fifo', async (d) => void execFileSync('mkfifo', [join(d, 'static/pipe')]), /"static\/pipe" is a fifo; a release holds only files, symlinks and directories$/],
    ['a non-UTF-8 file name', (d) => writeFile(Buffer.concat([Buffer.from(`${d}/static/caf`), Buffer.from([0xe9])]), 'x'), /is not valid UTF-8; rename it$/],
  ];
  it.each(refusedTrees)('refuses a tree with %s: exit 2, one line, coordinator unchanged', async (why, spoil, message) => {
    const dir = await aBuild({ 'index.html': `fresh content for ${why}`, 'static/app.js': `more fresh content for ${why}` });
    await spoil(dir);
    const before = await coordinatorState();

    const res = await cli('push', dir, '--version', `v-bad-${trees}`);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(oneLine(res.stderr)).toMatch(message);
    expect(res.stderr).toMatch(/^fleetswap: /);
    expect(await coordinatorState()).toEqual(before);
  });

  it.each([
    ['a directory that does not exist', 'no-such-dir', ['--version', 'v-x'], /is not a directory: push takes the build directory$/],
    ['a bad version label', '.', ['--version', '../v1'], /bad version label "\.\.\/v1"/],
  ])('refuses %s with exit 2', async (_why, dir, flags, message) => {
    const before = await coordinatorState();
    const res = await cli('push', join(work, dir), ...flags);
    expect(res.code).toBe(2);
    expect(oneLine(res.stderr)).toMatch(message);
    expect(await coordinatorState()).toEqual(before);
  });

  it('holds one upload to the coordinator\'s upload rate', async () => {
    const slow = await aCoordinator(join(work, 'slow-data'), { uploadBytesPerSecond: 1024 * 1024 });
    const slowClient = new AdminClient(slow.address);
    try {
      const dir = await aBuild({ 'big.bin': randomBytes(2 * 1024 * 1024) });
      const started = Date.now();
      const res = await push(slowClient, dir, { label: 'rate-capped', owner: '', notes: '', irreversible: '' }, false);
      // 2 MiB at 1 MiB/s: about two seconds, however fast the loopback is.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
      expect(res).toMatchObject({ created: true, uploadedBlobs: 1, uploadedBytes: 2 * 1024 * 1024 });
    } finally {
      slowClient.close();
      await slow.stop();
    }
  });

  it('uploads only what changed: 1 of 100 files edited is 1 blob', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 100; i++) files[`assets/file-${String(i).padStart(3, '0')}.txt`] = `content of file ${i} in the hundred`;
    const dir = await aBuild(files);
    const first = await cli('push', dir, '--version', 'v-hundred-1', '--json');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ created: true, uploadedBlobs: 100 });
    const before = await blobs();

    await writeFile(join(dir, 'assets/file-042.txt'), 'edited');
    const second = await cli('push', dir, '--version', 'v-hundred-2', '--json');
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ created: true, uploadedBlobs: 1, uploadedBytes: 6, release: { files: 100 } });
    expect(await blobs()).toEqual([...before, sha('edited')].sort());
  });
});

describe('the coordinator checks what it is sent, whoever sends it', () => {
  const blob = (content: string, claimed = sha(content)): BlobChunk[] => [
    { hash: claimed, data: Buffer.from(content), last: false },
    { hash: claimed, data: Buffer.alloc(0), last: true },
  ];
  async function* stream(...blobsToSend: BlobChunk[][]): AsyncGenerator<BlobChunk> {
    for (const b of blobsToSend) yield* b;
  }

  // A refusal that arrives while the client is still sending must not become
  // an unhandled rejection: in the CLI that is a crash with a stack trace.
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  beforeAll(() => void process.on('unhandledRejection', onUnhandled));
  afterAll(() => void process.off('unhandledRejection', onUnhandled));
  afterEach(() => {
    expect(unhandled.splice(0)).toEqual([]);
  });

  it('refuses a blob whose bytes do not match its hash, and keeps none of the stream', async () => {
    const before = await coordinatorState();
    const good = ['good blob one', 'good blob two'];
    const err = await refusalOf(client.upload(stream(blob(good[0] as string), blob(good[1] as string), blob('actual bytes', sha('claimed bytes')))));
    expect(err.code).toBe('HASH_MISMATCH');
    expect(err.message).toMatch(new RegExp(`^blob ${sha('claimed bytes').slice(0, 12)} does not match its hash`));
    expect(await coordinatorState()).toEqual(before);
    const { missing } = await client.call('MissingBlobs', { hashes: good.map((g) => sha(g)) });
    expect(missing.sort()).toEqual(good.map((g) => sha(g)).sort());
  });

  it('refuses a stream that ends in the middle of a blob', async () => {
    const before = await coordinatorState();
    const cut = blob('cut short').slice(0, 1);
    const err = await refusalOf(client.upload(stream(blob('whole one'), cut)));
    expect(err.code).toBe('HASH_MISMATCH');
    expect(err.message).toMatch(/upload ended in the middle of blob/);
    expect(await coordinatorState()).toEqual(before);
  });

  it('stops sending once the coordinator has refused, instead of hanging or crashing', async () => {
    const before = await coordinatorState();
    // 64 MiB after the bad blob: far more than the stream buffers, so the
    // client waits for drain on a call the coordinator has already ended.
    async function* bigAfterBad(): AsyncGenerator<BlobChunk> {
      yield* blob('actual bytes', sha('claimed bytes'));
      await new Promise((r) => setTimeout(r, 100));
      const chunk = Buffer.alloc(256 * 1024, 7);
      for (let i = 0; i < 256; i++) yield { hash: sha('large'), data: chunk, last: false };
      yield { hash: sha('large'), data: Buffer.alloc(0), last: true };
    }
    const hung = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('upload still pending 5 s after the refusal')), 5_000).unref());
    const err = await refusalOf(Promise.race([client.upload(bigAfterBad()), hung]));
    expect(err.code).toBe('HASH_MISMATCH');
    expect(await coordinatorState()).toEqual(before);
  });

  it('refuses to register a release whose blobs were never uploaded', async () => {
    const before = await coordinatorState();
    const { bytes } = buildManifest({ label: 'v-no-blobs', owner: '', notes: '', irreversible: '' }, [
      { path: 'index.html', type: 'file', mode: 0o644, size: 5, sha256: sha('never') },
    ]);
    const err = await refusalOf(client.call('RegisterRelease', { manifest: bytes, pushed_by: ACTOR, dry_run: false, signatures: [] }));
    expect(err.code).toBe('MISSING_BLOB');
    expect(err.message).toMatch(/^blob for index\.html \([0-9a-f]{12}\) was not uploaded; push again$/);
    expect(await coordinatorState()).toEqual(before);
  });

  describe('refuses a manifest that did not come from buildManifest', () => {
    let canonical: Buffer;
    beforeAll(async () => {
      // Blobs present, so that only the manifest itself can be the reason for a refusal.
      const dir = await aBuild({ 'index.html': 'tamper target' });
      await aRelease(client, dir, 'v-tamper-base');
      canonical = buildManifest({ label: 'v-tampered', owner: '', notes: '', irreversible: '' }, [
        { path: 'index.html', type: 'file', mode: 0o644, size: 13, sha256: sha('tamper target') },
      ]).bytes;
    });
    const obj = () => JSON.parse(canonical.toString()) as { entries: Entry[] } & Record<string, unknown>;
    const withEntry = (e: Entry) => Buffer.from(JSON.stringify({ ...obj(), entries: [...obj().entries, e] }));

    const cases: [string, () => Buffer, string, RegExp][] = [
      ['with extra white space', () => Buffer.from(JSON.stringify(obj(), null, 2)), 'BAD_MANIFEST', /not in canonical form/],
      [
        'with reordered keys',
        () => {
          const { entries, ...rest } = obj();
          return Buffer.from(JSON.stringify({ entries, ...rest }));
        },
        'BAD_MANIFEST',
        /not in canonical form/,
      ],
      ['with an absolute symlink', () => withEntry({ path: 'passwd', type: 'symlink', target: '/etc/passwd' }), 'BAD_SYMLINK', /is absolute/],
      ['with an escaping symlink', () => withEntry({ path: 'up', type: 'symlink', target: '../..' }), 'BAD_SYMLINK', /points outside/],
      ['with an absolute path', () => Buffer.from(JSON.stringify({ ...obj(), entries: [{ path: '/etc', type: 'dir' }, ...obj().entries] })), 'BAD_PATH', /absolute/],
      ['with a .. path', () => Buffer.from(JSON.stringify({ ...obj(), entries: [{ path: '../etc', type: 'dir' }, ...obj().entries] })), 'BAD_PATH', /"\.\." segment/],
    ];
    it.each(cases)('%s', async (_why, make, code, message) => {
      const before = await coordinatorState();
      for (const dryRun of [true, false]) {
        const err = await refusalOf(client.call('RegisterRelease', { manifest: make(), pushed_by: ACTOR, dry_run: dryRun, signatures: [] }));
        expect(err.code).toBe(code);
        expect(err.message).toMatch(message);
      }
      expect(await coordinatorState()).toEqual(before);
    });

    it('accepts the untampered bytes, to show the refusals above are about the tampering', async () => {
      const res = await client.call('RegisterRelease', { manifest: canonical, pushed_by: ACTOR, dry_run: false, signatures: [] });
      expect(res.created).toBe(true);
      expect(res.release?.id).toBe(sha(canonical));
    });
  });
});

describe('a build still being written', () => {
  it('is refused naming the file that changed, and nothing is stored', async () => {
    const dir = await aBuild({ 'index.html': 'stable', 'app.log': 'start\n' });
    const before = await coordinatorState();
    // A writer that never stops: the bytes uploaded cannot be the bytes hashed.
    const { spawn } = await import('node:child_process');
    const writer = spawn('/bin/sh', ['-c', `while :; do echo more >> "${join(dir, 'app.log')}"; done`], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const res = await cli('push', dir, '--version', 'v-moving');
      expect(res.code).toBe(2);
      expect(oneLine(res.stderr)).toMatch(/"app.log" changed while it was being pushed; push again/);
    } finally {
      writer.kill('SIGKILL');
    }
    expect(await coordinatorState()).toEqual(before);
  });
});
