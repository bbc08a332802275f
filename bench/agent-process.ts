import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

// From dist/bench/ up to the checkout: the agent is started the way users start it.
const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'fleetswap.js');
const STOP_GRACE_MS = 10_000;

export interface AgentProcess {
  id: string;
  pid: number;
  logFile: string;
  running(): boolean;
  /** stop sends SIGTERM, as systemd does; it says whether the agent exited on its own within the grace period. */
  stop(): Promise<boolean>;
}

/**
 * spawnAgent runs `fleetswap agent` as its own OS process, with `flags`
 * added to its command line and its log (one JSON object a line) going to
 * `logFile`.
 */
export async function spawnAgent(opts: { coordinator: string; id: string; root: string; flags: string[]; logFile: string }): Promise<AgentProcess> {
  if (!existsSync(BIN)) throw new Error(`${BIN} not found: run the benchmark from the checkout's dist/ (npx tsc -p .)`);
  const log = await open(opts.logFile, 'a');
  const child = spawn(process.execPath, [BIN, 'agent', '--coordinator', opts.coordinator, '--id', opts.id, '--root', opts.root, '--allow-unsigned', '--insecure', ...opts.flags], {
    stdio: ['ignore', log.fd, log.fd],
  });
  await log.close();
  const exited = new Promise<void>((done) => {
    child.once('exit', () => done());
    child.once('error', () => done());
  });
  if (child.pid === undefined) {
    await exited;
    throw new Error(`could not start ${process.execPath} ${BIN}`);
  }
  return {
    id: opts.id,
    pid: child.pid,
    logFile: opts.logFile,
    running: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return true;
      child.kill('SIGTERM');
      // The grace timer is cancelled once the agent has exited, or it alone would keep the benchmark alive.
      const grace = new AbortController();
      const clean = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS, false, { signal: grace.signal }).catch(() => false)]);
      grace.abort();
      if (!clean) {
        child.kill('SIGKILL');
        await exited;
      }
      return clean;
    },
  };
}
