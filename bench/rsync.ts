import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports.js';

const READY_TIMEOUT_MS = 10_000;
const READY_POLL_MS = 50;

/** RsyncDaemon is `rsync --daemon` on loopback, serving directories as read-only modules. */
export interface RsyncDaemon {
  url(module: string): string;
  stop(): Promise<void>;
}

/** One client's transfer, as its --stats put it. */
export interface RsyncRun {
  ms: number;
  /** "Total bytes received": what crossed the wire to this client. */
  received: number;
  /** "Total bytes sent": the file list request and, for a delta, the client's block checksums. */
  sent: number;
  /** "Number of regular files transferred": the files it wrote. */
  files: number;
}

/**
 * startRsyncDaemon writes a config into `dir` and starts the daemon in the
 * foreground (--no-detach), so that it is this process's child and dies
 * with stop(). The port is picked free just before; another process taking
 * it in between makes the daemon exit, which is reported with its log.
 */
export async function startRsyncDaemon(dir: string, modules: Record<string, string>): Promise<RsyncDaemon> {
  const config = join(dir, 'rsyncd.conf');
  const log = join(dir, 'rsyncd.log');
  // Run as whoever runs the benchmark: as root the daemon would otherwise
  // drop to nobody, who cannot read a mkdtemp (0700) directory.
  const lines = [
    `uid = ${process.getuid?.() ?? 0}`,
    `gid = ${process.getgid?.() ?? 0}`,
    // chroot needs root; the modules are read only and on loopback, so it would guard nothing here.
    'use chroot = no',
    `log file = ${log}`,
    ...Object.entries(modules).flatMap(([name, path]) => [`[${name}]`, `  path = ${path}`, '  read only = yes']),
  ];
  await writeFile(config, `${lines.join('\n')}\n`);
  const port = await freePort();
  const child = spawn('rsync', ['--daemon', '--no-detach', '--config', config, '--port', String(port), '--address', '127.0.0.1'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // 'exit' need not follow a failed spawn, so 'error' ends the daemon's life too.
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (err) => {
      spawnError = err;
      resolve();
    });
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && !spawnError) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitListening(child, port, log, () => spawnError);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: (module) => `rsync://127.0.0.1:${port}/${module}/`, stop };
}

/**
 * rsyncAll runs one `rsync -a --stats` client per destination, all at once,
 * and returns the wall time from the first start to the last exit.
 */
export async function rsyncAll(url: string, dests: readonly string[]): Promise<{ wallMs: number; runs: RsyncRun[] }> {
  const started = performance.now();
  const runs = await Promise.all(dests.map((d) => rsyncOne(url, d)));
  return { wallMs: performance.now() - started, runs };
}

function rsyncOne(url: string, dest: string): Promise<RsyncRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('rsync', ['-a', '--stats', url, `${dest}/`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`rsync ${url} ${dest} exited ${code}: ${err.trim()}`));
      try {
        resolve({
          ms: performance.now() - started,
          received: statsField(out, 'Total bytes received'),
          sent: statsField(out, 'Total bytes sent'),
          files: statsField(out, 'Number of regular files transferred'),
        });
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** statsField reads one number of --stats output; rsync groups digits with commas. */
function statsField(out: string, name: string): number {
  const m = new RegExp(`^${name}: ([\\d,]+)`, 'm').exec(out);
  if (!m?.[1]) throw new Error(`rsync --stats printed no "${name}":\n${out}`);
  return Number(m[1].replaceAll(',', ''));
}

async function waitListening(child: ChildProcess, port: number, log: string, spawnError: () => Error | undefined): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (!(await accepts(port))) {
    const failed = spawnError();
    if (failed) throw new Error(`cannot run rsync (${failed.message}): install it (Debian: apt-get install rsync)`);
    if (child.exitCode !== null) {
      const logged = await readFile(log, 'utf8').catch(() => '');
      throw new Error(`rsync --daemon exited ${child.exitCode}: ${(stderr + logged).trim()}`);
    }
    if (performance.now() > deadline) throw new Error(`rsync --daemon did not listen on 127.0.0.1:${port} within ${READY_TIMEOUT_MS} ms`);
    await sleep(READY_POLL_MS);
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}
