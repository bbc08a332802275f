import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, aTree, cleanup, refusalOf, tempDir } from '../test/fixtures.js';
import type { ErrorCode } from './errors.js';
import { sha256 } from './hash.js';
import { buildManifest, type Entry } from './manifest.js';
import { walkTree } from './tree.js';

// walkTree is where a build directory on disk becomes a release: it must
// describe the tree exactly (modes, symlinks, empty dirs) and refuse, loudly
// and in one line, anything a release cannot hold.

const meta = { label: 'v1', owner: '', notes: '', irreversible: '' };
const byPath = (entries: Entry[]) => [...entries].sort((a, b) => (a.path < b.path ? -1 : 1));


const dirs: string[] = [];
async function aDir(): Promise<string> {
  const d = await tempDir('fleetswap-tree-');
  dirs.push(d);
  return d;
}
afterAll(async () => {
  await cleanup(...dirs);
});

describe('walkTree on a real build directory', () => {
  it('lists files with their permission bits, size and sha256, and empty dirs; not the root or non-empty dirs', async () => {
    const dir = await aDir();
    await aTree(dir, {
      'index.html': ['<html>', 0o644],
      'bin/run.sh': ['#!/bin/sh\n', 0o755],
      'conf/secret.env': ['K=v', 0o600],
      'conf/ro.txt': ['', 0o400],
      'same-a': 'twin',
      'same-b': 'twin',
    });
    await mkdir(join(dir, 'cache'));
    await mkdir(join(dir, 'deep/er/empty'), { recursive: true });

    const { entries, sources } = await walkTree(dir);
    expect(byPath(entries)).toEqual([
      { path: 'bin/run.sh', type: 'file', mode: 0o755, size: 10, sha256: sha256('#!/bin/sh\n') },
      { path: 'cache', type: 'dir' },
      { path: 'conf/ro.txt', type: 'file', mode: 0o400, size: 0, sha256: sha256('') },
      { path: 'conf/secret.env', type: 'file', mode: 0o600, size: 3, sha256: sha256('K=v') },
      { path: 'deep/er/empty', type: 'dir' },
      { path: 'index.html', type: 'file', mode: 0o644, size: 6, sha256: sha256('<html>') },
      { path: 'same-a', type: 'file', mode: 0o644, size: 4, sha256: sha256('twin') },
      { path: 'same-b', type: 'file', mode: 0o644, size: 4, sha256: sha256('twin') },
    ]);
    // Identical contents are one blob, uploaded once.
    expect(sources.size).toBe(5);
    expect(sources.get(sha256('twin'))).toMatch(/same-[ab]$/);
  });

  it('drops setuid, setgid and sticky bits: a release carries permission bits only', async () => {
    const dir = await aDir();
    await aTree(dir, { tool: ['x', 0o4755], shared: ['y', 0o2775], t: ['z', 0o1777] });
    const { entries } = await walkTree(dir);
    expect(byPath(entries).map((e) => [e.path, e.type === 'file' ? e.mode : -1])).toEqual([
      ['shared', 0o775],
      ['t', 0o777],
      ['tool', 0o755],
    ]);
    expect(() => buildManifest(meta, entries)).not.toThrow();
  });

  it('keeps relative symlinks that stay inside, including d/up -> .. and dangling ones', async () => {
    const dir = await aTree(await aDir(), { 'a/b.txt': 'b', 'd/f': 'f' });
    await symlink('a/b.txt', join(dir, 'link'));
    await symlink('..', join(dir, 'd/up'));
    await symlink('d/up/a', join(dir, 'via-up'));
    await symlink('not-built-yet', join(dir, 'dangling'));
    await symlink('a', join(dir, 'dir-link'));

    const { entries } = await walkTree(dir);
    const links = entries.filter((e) => e.type === 'symlink');
    expect(byPath(links)).toEqual([
      { path: 'd/up', type: 'symlink', target: '..' },
      { path: 'dangling', type: 'symlink', target: 'not-built-yet' },
      { path: 'dir-link', type: 'symlink', target: 'a' },
      { path: 'link', type: 'symlink', target: 'a/b.txt' },
      { path: 'via-up', type: 'symlink', target: 'd/up/a' },
    ]);
    // A symlink to a directory is a symlink, not a second copy of the directory.
    expect(entries.some((e) => e.path.startsWith('dir-link/'))).toBe(false);
    expect(() => buildManifest(meta, entries)).not.toThrow();
  });

  // Symlinks are read as they are; refusing the ones that leave the tree is
  // buildManifest's job, before anything is uploaded.
  const badLinks: [string, Record<string, string>, RegExp][] = [
    ['an absolute symlink', { abs: '/etc/passwd' }, /"abs" -> "\/etc\/passwd" is absolute/],
    ['a symlink to ../ at the top', { esc: '../outside' }, /"esc" -> "\.\.\/outside" points outside/],
    ['a symlink through d/up to above the root', { 'd/up': '..', x: 'd/up/..' }, /"x" -> "d\/up\/\.\." points outside/],
    ['a symlink loop', { a: 'b', b: 'a' }, /"a" -> "b" points outside/],
  ];
  it.each(badLinks)('%s is refused with BAD_SYMLINK', async (_why, links, message) => {
    const dir = await aTree(await aDir(), { 'd/f': 'f' });
    for (const [path, target] of Object.entries(links)) await symlink(target, join(dir, path));
    const { entries } = await walkTree(dir);
    const err = await refusalOf(Promise.resolve().then(() => buildManifest(meta, entries)));
    expect(err.code).toBe('BAD_SYMLINK');
    expect(err.message).toMatch(message);
  });

  it('refuses a symlink whose target is not UTF-8, rather than pushing a different target', async () => {
    const dir = await aTree(await aDir(), { f: 'f' });
    await symlink(Buffer.from([0x66, 0xff]), join(dir, 'latin1-link'));
    const err = await refusalOf(walkTree(dir).then((t) => buildManifest(meta, t.entries)));
    expect(err.code).toBe('BAD_SYMLINK');
    expect(err.message).toContain('latin1-link');
  });
});

describe('walkTree refuses what a release cannot hold', () => {
  let socketServer: Server | undefined;
  afterAll(async () => {
    await new Promise((r) => (socketServer ? socketServer.close(r) : r(undefined)));
  });

  const special: [string, (path: string) => Promise<void>, ErrorCode, RegExp][] = [
    ['a fifo', async (p) => void execFileSync('mkfifo', [p]), 'BAD_FILE_TYPE', /is a fifo/],
    [
      'a unix socket',
      (p) =>
        new Promise<void>((ready) => {
          socketServer = createServer().listen(p, ready);
        }),
      'BAD_FILE_TYPE',
      /is a socket/,
    ],
    // We run as root, so mknod works; it is the kind of file a careless `cp -a /dev` leaves.
    ['a device file', async (p) => void execFileSync('mknod', [p, 'c', '1', '3']), 'BAD_FILE_TYPE', /is a device file/],
  ];
  it.each(special)('%s, naming it', async (_why, make, code, message) => {
    const dir = await aTree(await aDir(), { 'index.html': 'x' });
    await mkdir(join(dir, 'run'));
    await make(join(dir, 'run', 'thing'));
    const err = await refusalOf(walkTree(dir));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(err.message).toContain('run/thing');
  });

  it('keeps the error to one line even when the odd file name holds a newline', async () => {
    const dir = await aDir();
    execFileSync('mkfifo', [join(dir, 'evil\nname')]);
    const err = await refusalOf(walkTree(dir));
    expect(err.code).toBe('BAD_FILE_TYPE');
    expect(err.message).not.toContain('\n');
    expect(err.message).toContain('evil\\nname');
  });

  it('refuses a file name that is not UTF-8 with BAD_PATH', async () => {
    const dir = await aTree(await aDir(), { 'ok.txt': 'x' });
    // Linux names are bytes; 0xE9 is "é" in Latin-1, which is how such names usually arrive.
    await writeFile(Buffer.concat([Buffer.from(`${dir}/caf`), Buffer.from([0xe9]), Buffer.from('.txt')]), 'x');
    const err = await refusalOf(walkTree(dir));
    expect(err.code).toBe('BAD_PATH');
    expect(err.message).toMatch(/not valid UTF-8; rename it/);
    expect(err.message).toContain('caf');
  });

  it('refuses something that is not a directory with BAD_USAGE', async () => {
    const dir = await aTree(await aDir(), { 'file.txt': 'x' });
    for (const p of [join(dir, 'file.txt'), join(dir, 'missing')]) {
      const err = await refusalOf(walkTree(p));
      expect(err.code).toBe('BAD_USAGE');
      expect(err.message).toMatch(/is not a directory/);
    }
  });
});

// Root reads everything, so permissions are tested the way a user meets
// them: the CLI run as `nobody` on a tree it cannot fully read. The push
// must stop before contacting the coordinator (port 1 has none).
describe('push of a tree the user cannot read', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await aDir();
  });

  const cases: [string, Record<string, [string, number]>, string, RegExp][] = [
    ['an unreadable file', { 'index.html': ['ok', 0o644], 'conf/secret.env': ['K=v', 0o600] }, 'conf', /^fleetswap: cannot read "conf\/secret\.env": EACCES; fix its permissions$/],
    ['an unreadable directory', { 'index.html': ['ok', 0o644], 'private/key': ['k', 0o644] }, 'private', /^fleetswap: cannot read directory ".*\/private": EACCES; fix its permissions$/],
  ];
  it.each(cases)('%s: exit 2 and one line naming it', async (name, files, lockedDir, message) => {
    const tree = join(dir, name.replace(/ /g, '-'));
    await aTree(tree, files);
    // mkdtemp makes 0700 dirs; open the path up so that only the file or dir under test is locked.
    for (const d of [dir, tree, join(tree, lockedDir)]) await chmod(d, 0o755);
    if (lockedDir === 'private') await chmod(join(tree, lockedDir), 0o700);

    const asNobody = await runAsNobody(['push', tree, '--version', 'v1', '--coordinator', '127.0.0.1:1']);
    expect(asNobody.code).toBe(2);
    expect(asNobody.stdout).toBe('');
    const lines = asNobody.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });
});

function runAsNobody(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args], {
      env: { ...process.env, HOME: '/nonexistent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // 'close', not 'exit': at exit the pipes may still hold output not yet read.
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
