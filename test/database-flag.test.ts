import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { aCoordinatorProcess, aTree, cleanup, freePort, runCli, tempDir } from './fixtures.js';

// --database (or FLEETSWAP_DATABASE) names the PostgreSQL a coordinator keeps
// its state in. Anything but a postgres:// URL is refused in one line before
// anything is opened or written: the driver would take other text for a host.

describe('coordinator --database', () => {
  let dir = '';
  afterEach(() => cleanup(dir));

  const start = (data: string, env: Record<string, string>, ...flags: string[]) =>
    runCli(['coordinator', '--data', data, '--listen', '127.0.0.1:0', '--insecure', '--allow-unsigned', ...flags], env);

  it.each([
    ['another database', ['--database', 'mysql://root@db/fleet'], {}, /^fleetswap: bad --database: mysql: is not postgres:\/\/ \(leave it out for SQLite under --data\)\n$/],
    ['not a URL', ['--database', 'db.internal:5432'], {}, /^fleetswap: bad --database: db.internal: is not postgres:\/\//],
    ['text that is no URL at all, from the environment', [], { FLEETSWAP_DATABASE: 'fleet db' }, /^fleetswap: bad --database: give a PostgreSQL URL, postgres:\/\/USER@HOST:PORT\/DB/],
  ] as [string, string[], Record<string, string>, RegExp][])('%s is refused in one line, and nothing is written', async (_what, flags, env, message) => {
    dir = await tempDir();
    const data = join(dir, 'data');
    const r = await start(data, env, ...flags);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(data)).toBe(false);
  });
});

// --blobs names a directory every coordinator mounts; a push lands there.
describe('coordinator --blobs', () => {
  let dir = '';
  afterEach(() => cleanup(dir));

  it.each([
    ['empty', () => '', /^fleetswap: bad --blobs "": give the directory every coordinator mounts, or leave it out\n$/],
    ['a file', (d: string) => join(d, 'a-file'), /^fleetswap: bad --blobs ".*\/a-file": not a directory\n$/],
  ] as [string, (d: string) => string, RegExp][])('%s is refused in one line, and nothing is written', async (_what, blobs, message) => {
    dir = await tempDir();
    await writeFile(join(dir, 'a-file'), 'not a directory');
    const data = join(dir, 'data');
    const r = await runCli(['coordinator', '--data', data, '--listen', '127.0.0.1:0', '--insecure', '--allow-unsigned', '--blobs', blobs(dir)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(data)).toBe(false);
  });

  it('a coordinator given --blobs keeps pushed blobs there and not under --data', async () => {
    dir = await tempDir();
    const address = `127.0.0.1:${await freePort()}`;
    const blobs = join(dir, 'mounted');
    const c = await aCoordinatorProcess(join(dir, 'data'), address, {}, ['--blobs', blobs]);
    try {
      const build = await aTree(join(dir, 'build'), { 'index.html': 'on the shared mount' });
      const r = await runCli(['push', build, '--version', 'v1', '--coordinator', address]);
      expect(r.code, r.stderr).toBe(0);
      const hash = createHash('sha256').update('on the shared mount').digest('hex');
      expect(await readFile(join(blobs, hash.slice(0, 2), hash), 'utf8')).toBe('on the shared mount');
      expect(existsSync(join(dir, 'data', 'blobs'))).toBe(false);
    } finally {
      c.child.kill('SIGKILL');
      await c.exited;
    }
  });
});
