import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { aTree, cleanup, refusalOf, tempDir } from '../test/fixtures.js';
import { buildManifest, type Manifest } from '../shared/manifest.js';
import { walkTree } from '../shared/tree.js';
import type { DriftPath } from '../shared/drift.js';
import { checkPath, indexManifest, verifyTree, type ManifestIndex } from './verify.js';

// Drift detection answers "is the live tree still the release?" from the
// manifest alone. Every case builds a real tree, takes its manifest the way
// push does (walkTree + buildManifest), edits the tree by hand, and checks
// both the full pass and the per-path check a watcher would call: they must
// give the same answer for every path, or a watcher and the periodic pass
// would disagree about the same host.

const meta = { label: 'v1', owner: 'tests', notes: '', irreversible: '' };
const FAST = { bytesPerSecond: Infinity };
const MiB = 1024 * 1024;

const dirs: string[] = [];
afterAll(async () => {
  await cleanup(...dirs);
});

interface Release {
  dir: string;
  manifest: Manifest;
  index: ManifestIndex;
}

/** aRelease writes a tree (files, then symlinks and empty dirs) and takes its manifest as push would. */
async function aRelease(
  files: Parameters<typeof aTree>[1],
  links: Record<string, string> = {},
  emptyDirs: string[] = [],
): Promise<Release> {
  const dir = await tempDir('fleetswap-verify-');
  dirs.push(dir);
  await aTree(dir, files);
  for (const [path, target] of Object.entries(links)) await symlink(target, join(dir, path));
  for (const d of emptyDirs) await mkdir(join(dir, d), { recursive: true });
  const { manifest } = buildManifest(meta, (await walkTree(dir)).entries);
  return { dir, manifest, index: indexManifest(manifest) };
}

const site = (): Promise<Release> =>
  aRelease(
    {
      'index.html': '<html>hello</html>',
      'static/app.js': 'console.log(1)',
      'static/app.css': 'body{}',
      'static/img/logo.svg': '<svg/>',
      'bin/run.sh': ['#!/bin/sh\n', 0o755],
      'conf/secret.env': ['K=v', 0o600],
    },
    { 'latest.js': 'static/app.js', 'static/img/up': '..' },
    ['cache'],
  );

/**
 * expectDrift asserts verifyTree's drift, and that checkPath says the same
 * for every path of the manifest (entries and implied dirs), every drifted
 * path, and a path that is nowhere.
 */
async function expectDrift(r: Release, expected: DriftPath[]): Promise<void> {
  const result = await verifyTree(r.dir, r.manifest, FAST);
  expect(result.drift).toEqual(expected);
  expect(result.count).toBe(expected.length);
  expect(result.truncated).toBe(false);
  const paths = new Set([...r.index.entries.keys(), ...r.index.impliedDirs, ...expected.map((d) => d.path), 'nowhere/at/all']);
  for (const p of paths) {
    expect({ p, drift: await checkPath(r.dir, p, r.index, FAST) }).toEqual({ p, drift: expected.filter((d) => d.path === p) });
  }
}

const d = (path: string, change: DriftPath['change']): DriftPath => ({ path, change });

describe('verifyTree and checkPath find every kind of hand edit', () => {
  const cases: [string, (dir: string, outside: string) => Promise<unknown>, DriftPath[]][] = [
    ['nothing (a clean tree)', async () => undefined, []],
    ['content changed, same size', (dir) => writeFile(join(dir, 'static/app.js'), 'console.log(2)'), [d('static/app.js', 'changed')]],
    ['content changed, other size', (dir) => writeFile(join(dir, 'index.html'), '<html>hacked</html>\n'), [d('index.html', 'changed')]],
    ['an added file', (dir) => writeFile(join(dir, 'extra.txt'), 'x'), [d('extra.txt', 'added')]],
    ['an added empty dir', (dir) => mkdir(join(dir, 'newdir')), [d('newdir', 'added')]],
    [
      'a file inside a new dir (the dirs and the file)',
      (dir) => aTree(dir, { 'new/a/b.txt': 'x' }),
      [d('new', 'added'), d('new/a', 'added'), d('new/a/b.txt', 'added')],
    ],
    ['a file in an empty dir of the release', (dir) => writeFile(join(dir, 'cache/x'), 'x'), [d('cache/x', 'added')]],
    ['a removed file', (dir) => unlink(join(dir, 'index.html')), [d('index.html', 'removed')]],
    ['a removed empty dir', (dir) => rm(join(dir, 'cache'), { recursive: true }), [d('cache', 'removed')]],
    [
      'a removed dir (it and everything under it)',
      (dir) => rm(join(dir, 'static'), { recursive: true }),
      ['static', 'static/app.css', 'static/app.js', 'static/img', 'static/img/logo.svg', 'static/img/up'].map((p) => d(p, 'removed')),
    ],
    ['a chmod', (dir) => chmod(join(dir, 'bin/run.sh'), 0o644), [d('bin/run.sh', 'mode')]],
    ['a setuid bit (beyond 0777)', (dir) => chmod(join(dir, 'bin/run.sh'), 0o4755), [d('bin/run.sh', 'mode')]],
    [
      'content and mode changed (content wins)',
      async (dir) => {
        await writeFile(join(dir, 'conf/secret.env'), 'K=w');
        await chmod(join(dir, 'conf/secret.env'), 0o644);
      },
      [d('conf/secret.env', 'changed')],
    ],
    [
      'a file replaced by a symlink to a file with its content',
      async (dir, outside) => {
        await writeFile(join(outside, 'index.html'), '<html>hello</html>');
        await unlink(join(dir, 'index.html'));
        await symlink(join(outside, 'index.html'), join(dir, 'index.html'));
      },
      [d('index.html', 'changed')],
    ],
    [
      'a file replaced by a dir',
      async (dir) => {
        await unlink(join(dir, 'index.html'));
        await aTree(dir, { 'index.html/x': 'x' });
      },
      [d('index.html', 'changed'), d('index.html/x', 'added')],
    ],
    [
      'a dir replaced by a file',
      async (dir) => {
        await rm(join(dir, 'static/img'), { recursive: true });
        await writeFile(join(dir, 'static/img'), 'x');
      },
      [d('static/img', 'changed'), d('static/img/logo.svg', 'removed'), d('static/img/up', 'removed')],
    ],
    [
      'a dir replaced by a symlink to an identical copy outside (never followed)',
      async (dir, outside) => {
        await aTree(outside, { 'static/app.js': 'console.log(1)', 'static/app.css': 'body{}', 'static/img/logo.svg': '<svg/>' });
        await symlink('..', join(outside, 'static/img/up'));
        await rm(join(dir, 'static'), { recursive: true });
        await symlink(join(outside, 'static'), join(dir, 'static'));
      },
      [
        d('static', 'changed'),
        ...['static/app.css', 'static/app.js', 'static/img', 'static/img/logo.svg', 'static/img/up'].map((p) => d(p, 'removed')),
      ],
    ],
    [
      'a symlink retargeted inside the tree',
      async (dir) => {
        await unlink(join(dir, 'latest.js'));
        await symlink('static/app.css', join(dir, 'latest.js'));
      },
      [d('latest.js', 'changed')],
    ],
    [
      'a symlink retargeted outside the tree',
      async (dir) => {
        await unlink(join(dir, 'latest.js'));
        await symlink('/etc/passwd', join(dir, 'latest.js'));
      },
      [d('latest.js', 'changed')],
    ],
    [
      'a symlink replaced by the file it pointed at',
      async (dir) => {
        await unlink(join(dir, 'latest.js'));
        await writeFile(join(dir, 'latest.js'), 'console.log(1)');
      },
      [d('latest.js', 'changed')],
    ],
    ['an added symlink pointing outside', (dir) => symlink('/etc', join(dir, 'etc')), [d('etc', 'added')]],
    [
      'a file replaced by a fifo (not opened, so nothing hangs)',
      async (dir) => {
        await unlink(join(dir, 'static/app.css'));
        execFileSync('mkfifo', [join(dir, 'static/app.css')]);
      },
      [d('static/app.css', 'changed')],
    ],
    [
      'paths in UTF-8 byte order, not walk order',
      (dir) => aTree(dir, { 'static/new.js': 'x', 'static-old/a': 'y', 'stat': 'z' }),
      [d('stat', 'added'), d('static-old', 'added'), d('static-old/a', 'added'), d('static/new.js', 'added')],
    ],
  ];
  it.each(cases)('%s', async (_why, edit, expected) => {
    const r = await site();
    const outside = await tempDir('fleetswap-outside-');
    dirs.push(outside);
    await edit(r.dir, outside);
    await expectDrift(r, expected);
  });

  it('counts the files it read and their bytes', async () => {
    const r = await site();
    const result = await verifyTree(r.dir, r.manifest, FAST);
    const files = r.manifest.entries.filter((e) => e.type === 'file');
    expect(result.files).toBe(files.length);
    expect(result.bytes).toBe(files.reduce((n, e) => n + (e.type === 'file' ? e.size : 0), 0));
  });

  it('verifies through ROOT/current -> slots/N, as the agent calls it', async () => {
    const r = await site();
    const root = await tempDir('fleetswap-root-');
    dirs.push(root);
    await symlink(r.dir, join(root, 'current'));
    await writeFile(join(r.dir, 'extra'), 'x');
    expect((await verifyTree(join(root, 'current'), r.manifest, FAST)).drift).toEqual([d('extra', 'added')]);
    expect(await checkPath(join(root, 'current'), 'extra', r.index)).toEqual([d('extra', 'added')]);
  });

  it('checkPath refuses a path that is not a normalised relative path', async () => {
    const r = await site();
    for (const bad of ['../etc/passwd', '/etc/passwd', 'static/../../x', '']) {
      expect((await refusalOf(checkPath(r.dir, bad, r.index))).code).toBe('BAD_PATH');
    }
  });

  it('refuses bad options and a root that is not there', async () => {
    const r = await site();
    expect((await refusalOf(verifyTree(r.dir, r.manifest, { bytesPerSecond: 0 }))).code).toBe('BAD_USAGE');
    expect((await refusalOf(verifyTree(r.dir, r.manifest, { maxPaths: -1 }))).code).toBe('BAD_USAGE');
    expect((await refusalOf(verifyTree(join(r.dir, 'missing'), r.manifest))).code).toBe('UNREADABLE');
  });
});

describe('verifyTree bounds its report', () => {
  it('keeps the first maxPaths paths in order and counts them all', async () => {
    const r = await site();
    const names = Array.from({ length: 150 }, (_, i) => `extra-${String(i).padStart(3, '0')}`);
    // Written in reverse so the walk meets them out of order.
    for (const n of [...names].reverse()) await writeFile(join(r.dir, n), 'x');
    const result = await verifyTree(r.dir, r.manifest, { ...FAST, maxPaths: 5 });
    expect(result.drift).toEqual(names.slice(0, 5).map((p) => d(p, 'added')));
    expect(result).toMatchObject({ truncated: true, count: 150 });
    const none = await verifyTree(r.dir, r.manifest, { ...FAST, maxPaths: 0 });
    expect(none).toMatchObject({ drift: [], truncated: true, count: 150 });
  });
});

describe('verifyTree reads no faster than bytesPerSecond', () => {
  const bigTree = (): Promise<Release> =>
    aRelease(Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`blob-${i}`, randomBytes(MiB)])));

  it('takes at least ~2 s for 4 MiB at 2 MiB/s', async () => {
    const r = await bigTree();
    const result = await verifyTree(r.dir, r.manifest, { bytesPerSecond: 2 * MiB });
    expect(result.drift).toEqual([]);
    expect(result.bytes).toBe(4 * MiB);
    expect(result.durationMs).toBeGreaterThanOrEqual(1500);
  });

  it('rejects promptly when aborted, with the reason given', async () => {
    const r = await bigTree();
    const ac = new AbortController();
    const started = Date.now();
    const run = verifyTree(r.dir, r.manifest, { bytesPerSecond: MiB, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('host is switching')), 150);
    await expect(run).rejects.toThrow('host is switching');
    // Unaborted, this run would take ~4 s.
    expect(Date.now() - started).toBeLessThan(1000);

    const aborted = AbortSignal.abort();
    await expect(verifyTree(r.dir, r.manifest, { signal: aborted })).rejects.toMatchObject({ name: 'AbortError' });
    await expect(checkPath(r.dir, 'blob-0', r.index, { signal: aborted })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
