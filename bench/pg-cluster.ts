import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './ports.js';

// A throwaway PostgreSQL cluster for a test or a benchmark run of its own: initdb into a temp dir,
// pg_ctl on a free loopback port, never the system's service. PostgreSQL
// refuses to run as root, so as root (CI) the cluster belongs to the
// `postgres` user Debian's package creates.

const run = promisify(execFile);

/** pgBin finds PostgreSQL's server programs: on PATH, or where Debian puts them (not on PATH). */
export function pgBin(name: 'initdb' | 'pg_ctl' | 'postgres' | 'pg_dump' | 'pg_restore'): string {
  const onPath = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return onPath;
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const p = join(base, v, 'bin', name);
    if (existsSync(p)) return p;
  }
  throw new Error(`PostgreSQL's ${name} is not installed (Debian package postgresql; .ci/run installs it)`);
}

interface RunAs {
  uid: number;
  gid: number;
}

function serverUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  if (!Number.isInteger(uid) || uid <= 0) throw new Error('running as root and there is no postgres user to run PostgreSQL as');
  return { uid, gid: id('-g') };
}

export interface PgCluster {
  /** A connection string for the cluster's `postgres` database, as the superuser `fleetswap`. */
  url: string;
  port: number;
  dir: string;
  /** aDatabase creates an empty database and returns its connection string. */
  aDatabase(prefix?: string): Promise<string>;
  /** stop shuts the server down (fast mode); start brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** destroy stops the server and removes its files. */
  destroy(): Promise<void>;
  log(): Promise<string>;
}

/** createDatabase creates database `name` (a copy of `template`, if given) in the cluster `adminUrl` reaches, and returns its URL. */
export async function createDatabase(adminUrl: string, name: string, template?: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function startPostgres(): Promise<PgCluster> {
  const user = serverUser();
  const dir = await mkdtemp(join(tmpdir(), 'fleetswap-pg-'));
  if (user) await chown(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  await run(pgBin('initdb'), ['-D', data, '-U', 'fleetswap', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C'], as);
  // fsync off: a throwaway cluster; the socket lives in the temp dir so no
  // system directory is needed; a few hundred connections for multi-coordinator tests.
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
  const start = async () => {
    await run(pgBin('pg_ctl'), ['-D', data, '-l', logFile, '-o', opts, '-w', '-t', '30', 'start'], as);
  };
  const stop = async () => {
    await run(pgBin('pg_ctl'), ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop'], as);
  };
  await start();
  const url = `postgres://fleetswap@127.0.0.1:${port}/postgres`;
  let n = 0;
  return {
    url,
    port,
    dir,
    aDatabase(prefix = 't') {
      return createDatabase(url, `${prefix}_${process.pid}_${++n}`);
    },
    stop,
    start,
    async destroy() {
      await stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
    log: () => readFile(logFile, 'utf8').catch(() => ''),
  };
}
