import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, runCli, tempDir } from './fixtures.js';

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
