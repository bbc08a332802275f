import { fork, spawn, type ChildProcess } from 'node:child_process';
import { bootstrapToken } from '../coordinator/auth.js';
import { existsSync } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdminClient } from '../cli/admin-client.js';
import type { HostReport } from '../agent/apply.js';
import { TERMINAL_ROLLOUT_STATES, type ReportKind } from '../shared/domain.js';
import type { Rollout__Output } from '../shared/gen/fleetswap/v1/Rollout.js';
import { ALL_AT_ONCE } from '../shared/plan.js';
import { now, type FromWorker, type ToWorker } from './sim/protocol.js';
import { startPostgres, type PgCluster } from './pg-cluster.js';

/** Ack is one host's report, stamped (sim/protocol.ts `now`) when its agent sent it. */
export interface Ack {
  host: string;
  at: number;
  report: HostReport;
}

export interface FleetOptions {
  /** Worker processes hosting the agents. @default one per 250 agents, at most 4 */
  workers?: number;
  /** Directory under which the fleet's temp dir (roots, coordinator data) is made. @default os.tmpdir() */
  base?: string;
  /** Agents' reconnect backoff. @default the agent's own (500 ms base, 30 s cap) */
  backoff?: { baseMs: number; maxMs: number };
  /** Vitals interval of every agent (synthetic metrics); 0 is off. @default 0 */
  vitalsIntervalMs?: number;
  /** Agents watch their live trees for drift. @default false */
  driftWatch?: boolean;
  verifyIntervalMs?: number;
  /** Coordinators beside the first, on the same database (needs --database postgres); agents and the client get every address. @default 0 */
  standbys?: number;
  /** More flags for every coordinator (e.g. --http-listen 127.0.0.1:0: see dashboardUrl). @default none */
  coordinatorArgs?: string[];
}

interface Waiter {
  offer(host: string, at: number, report: HostReport): void;
  cancel(err: Error): void;
}

interface Worker {
  child: ChildProcess;
  hosts: number;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const BIN = resolve(HERE, '..', '..', 'bin', 'fleetswap.js');
const CONNECT_TIMEOUT_MS = 120_000;
const POLL_MS = 10;
const AGENTS_PER_WORKER = 250;

/**
 * Where every fleet's coordinator keeps its state, for the whole run
 * (`--database`): the embedded SQLite file, or a PostgreSQL cluster started
 * for the fleet and removed with it.
 */
let database: 'sqlite' | 'postgres' = 'sqlite';
export function useDatabase(kind: 'sqlite' | 'postgres'): void {
  database = kind;
}

/** databaseKind is the run's --database, for a scenario that opens a store itself (metrics). */
export function databaseKind(): 'sqlite' | 'postgres' {
  return database;
}
const MAX_WORKERS = 4;

/**
 * BenchFleet is the fleet simulator: a real coordinator in its own process
 * (so its RSS and CPU are its own) and N real agents hosted many per worker
 * process, each agent with its own root and gRPC channel, over loopback.
 */
export class BenchFleet {
  private readonly waiters = new Set<Waiter>();
  private readonly workers: Worker[] = [];
  /** When each host last had its hello accepted. */
  readonly connectedAt = new Map<string, number>();
  /** Every accepted hello, in order: reconnect storms are read from here. */
  readonly connections: { host: string; at: number }[] = [];
  /** When each directive reached an agent (its host and the monotonic time), in order. */
  readonly directives: { host: string; at: number }[] = [];
  /** When the first worker was told to start its agents. */
  agentsStartedAt = 0;
  client: AdminClient;
  address = '';
  /** The first coordinator's dashboard, when it was started with --http-listen. */
  dashboardUrl = '';
  private coordinatorArgs: string[] = [];
  private coordinator: ChildProcess | undefined;
  /** Every coordinator process started, standbys included: stop ends them all. */
  private readonly children: ChildProcess[] = [];
  private postgres: { cluster: PgCluster; url: string } | undefined;

  private constructor(
    readonly dir: string,
    readonly agents: number,
  ) {
    this.client = new AdminClient('127.0.0.1:1', '', { insecure: true });
  }

  static async start(n: number, opts: FleetOptions = {}): Promise<BenchFleet> {
    const dir = await mkdtemp(join(opts.base ?? tmpdir(), 'fleetswap-bench-'));
    const fleet = new BenchFleet(dir, n);
    fleet.coordinatorArgs = opts.coordinatorArgs ?? [];
    try {
      if (database === 'postgres') {
        const cluster = await startPostgres();
        fleet.postgres = { cluster, url: await cluster.aDatabase('bench') };
      }
      await fleet.startCoordinator('127.0.0.1:0');
      if (opts.standbys) {
        if (!fleet.postgres) throw new Error('standby coordinators share a PostgreSQL database: run with --database postgres');
        const addresses = [fleet.address];
        for (let i = 1; i <= opts.standbys; i++) addresses.push((await fleet.launchCoordinator('127.0.0.1:0', i)).address);
        fleet.address = addresses.join(',');
        fleet.client.close();
        fleet.client = new AdminClient(fleet.address, await bootstrapToken(join(dir, 'coordinator')), { insecure: true });
      }
      const count = opts.workers ?? Math.min(MAX_WORKERS, Math.ceil(n / AGENTS_PER_WORKER));
      const ids = Array.from({ length: n }, (_, i) => `web-${String(i + 1).padStart(4, '0')}`);
      fleet.agentsStartedAt = now();
      await Promise.all(
        Array.from({ length: count }, (_, w) => {
          const mine = ids.filter((_, i) => i % count === w);
          return fleet.startWorker(mine.map((id) => ({ id, root: join(dir, 'hosts', id) })), opts);
        }),
      );
      await until(`${n} agents connected`, () => fleet.connectedAt.size >= n, CONNECT_TIMEOUT_MS);
    } catch (err) {
      await fleet.stop();
      throw err;
    }
    return fleet;
  }

  /** startCoordinator runs the fleet's (first) coordinator and points the client at it. */
  private async startCoordinator(listen: string): Promise<void> {
    const { child, address, dashboardUrl } = await this.launchCoordinator(listen, 0);
    this.coordinator = child;
    this.address = address;
    this.dashboardUrl = dashboardUrl;
    this.client.close();
    this.client = new AdminClient(address, await bootstrapToken(join(this.dir, 'coordinator')), { insecure: true });
  }

  /**
   * launchCoordinator runs `fleetswap coordinator` number `n` (0: the
   * fleet's own; others are standbys on the same database, named cN) with
   * its log in a file, and waits until it listens.
   */
  private async launchCoordinator(listen: string, n: number): Promise<{ child: ChildProcess; address: string; dashboardUrl: string }> {
    const suffix = n === 0 ? '' : `-${n}`;
    const logPath = join(this.dir, `coordinator${suffix}.log`);
    const log = await open(logPath, 'a');
    // The log is appended across restarts: wait for one more "listening" line than there was.
    const listening = async () => (await readFile(logPath, 'utf8')).split('\n').filter((l) => l.includes('"coordinator listening"'));
    const before = (await listening()).length;
    const named = this.postgres ? ['--name', `c${n}`] : [];
    const child = spawn(process.execPath, [BIN, 'coordinator', '--data', join(this.dir, `coordinator${suffix}`), '--listen', listen, ...named, '--allow-unsigned', '--insecure', ...this.coordinatorArgs], {
      stdio: ['ignore', log.fd, log.fd],
      env: this.postgres ? { ...process.env, FLEETSWAP_DATABASE: this.postgres.url } : process.env,
    });
    await log.close();
    this.children.push(child);
    let address = '';
    await until('the coordinator to listen', async () => {
      if (child.exitCode !== null) throw new Error(`coordinator exited ${child.exitCode}: ${await readFile(logPath, 'utf8')}`);
      const lines = await listening();
      if (lines.length > before) address = (JSON.parse(lines.at(-1) as string) as { address: string }).address;
      return address !== '';
    }, 30_000);
    // The dashboard, when asked for, starts before the coordinator says it listens.
    const dashboard = (await readFile(logPath, 'utf8')).split('\n').filter((l) => l.includes('"dashboard listening"')).at(-1);
    return { child, address, dashboardUrl: dashboard ? (JSON.parse(dashboard) as { url: string }).url : '' };
  }

  /** killFirst SIGKILLs the fleet's first coordinator (the leader when standbys started after it) and says when. */
  async killFirst(): Promise<number> {
    const child = this.coordinator;
    if (!child) throw new Error('no coordinator running');
    const exited = new Promise((r) => child.once('exit', r));
    const killedAt = now();
    child.kill('SIGKILL');
    await exited;
    return killedAt;
  }

  private startWorker(hosts: { id: string; root: string }[], opts: FleetOptions): Promise<void> {
    const child = fork(join(HERE, 'sim', 'worker.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.workers.push({ child, hosts: hosts.length });
    child.on('message', (m: FromWorker) => {
      if (m.type === 'connected') {
        this.connectedAt.set(m.host, m.at);
        this.connections.push({ host: m.host, at: m.at });
      }
      else if (m.type === 'directive') this.directives.push({ host: m.host, at: m.at });
      else if (m.type === 'report') for (const w of this.waiters) w.offer(m.host, m.at, m.report);
    });
    return new Promise((res, rej) => {
      child.once('exit', (code) => rej(new Error(`fleet worker exited ${code} while starting`)));
      child.on('message', (m: FromWorker) => m.type === 'started' && res());
      child.send({ type: 'start', coordinator: this.address, hosts, backoff: opts.backoff, vitalsIntervalMs: opts.vitalsIntervalMs ?? 0, driftWatch: opts.driftWatch, verifyIntervalMs: opts.verifyIntervalMs } satisfies ToWorker);
    });
  }

  /** coordinatorPid is for resource sampling (bench/sim/usage.ts). */
  coordinatorPid(): number {
    if (!this.coordinator?.pid) throw new Error('no coordinator running');
    return this.coordinator.pid;
  }

  /** restartCoordinator SIGKILLs the coordinator and starts it again on the same address and data. */
  async restartCoordinator(): Promise<{ killedAt: number; listeningAt: number }> {
    const killedAt = await this.killFirst();
    await this.startCoordinator(this.address);
    return { killedAt, listeningAt: now() };
  }

  /** quietVitals stops every agent's vitals and sums what they took, sent and dropped. */
  async quietVitals(): Promise<{ taken: number; sent: number; dropped: number }> {
    const answers = await Promise.all(this.workers.map((w) => this.ask(w, { type: 'quiet' }, 'quiet')));
    return answers.reduce((t, a) => ({ taken: t.taken + a.taken, sent: t.sent + a.sent, dropped: t.dropped + a.dropped }), { taken: 0, sent: 0, dropped: 0 });
  }

  /** ask sends a worker a request and resolves with its first answer of the given type. */
  private ask<T extends FromWorker['type']>(w: Worker, req: ToWorker, type: T): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((res) => {
      const on = (m: FromWorker) => {
        if (m.type !== type) return;
        w.child.off('message', on);
        res(m as Extract<FromWorker, { type: T }>);
      };
      w.child.on('message', on);
      w.child.send(req);
    });
  }

  /** liveEverywhere says whether every agent's live slot holds `releaseId`, as the agents themselves see it. */
  async liveEverywhere(releaseId: string): Promise<boolean> {
    const answers = await Promise.all(this.workers.map((w) => this.ask(w, { type: 'live' }, 'live')));
    return answers.flatMap((a) => a.releases).every((r) => r === releaseId);
  }

  /**
   * expect resolves with every host's first `kind` report for `releaseId`.
   * Call it before the admin call that causes them, so that no early report
   * is missed. A FAILED or REVERTED report for the release rejects at once:
   * a benchmark of a broken rollout would only measure a timeout. `onAck`
   * is told of each first report as it comes.
   */
  expect(kind: ReportKind, releaseId: string, timeoutMs: number, onAck?: (at: number) => void): Promise<Ack[]> {
    return new Promise((resolvePromise, reject) => {
      const acks = new Map<string, Ack>();
      const finish = (err?: Error) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        if (err) reject(err);
        else resolvePromise([...acks.values()]);
      };
      const waiter: Waiter = {
        offer: (host, at, report) => {
          if (report.release_id !== releaseId) return;
          if (report.kind === 'FAILED' || report.kind === 'REVERTED') {
            finish(new Error(`${host} reported ${report.kind} for ${releaseId.slice(0, 12)}: ${report.error_code} ${report.error}`));
          } else if (report.kind === kind && !acks.has(host)) {
            acks.set(host, { host, at, report });
            onAck?.(at);
            if (acks.size === this.agents) finish();
          }
        },
        cancel: finish,
      };
      const timer = setTimeout(() => finish(new Error(`only ${acks.size} of ${this.agents} hosts reported ${kind} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** startDeploy asks for a two-phase deploy of every host (no canary) and returns the rollout id. */
  async startDeploy(releaseId: string, stageTimeoutMs: number, switchTimeoutMs: number): Promise<number> {
    const rollout = await this.client.rollout('Deploy', {
      release: releaseId,
      select: {},
      ...ALL_AT_ONCE,
      skip_offline: false,
      actor: 'bench',
      reason: 'benchmark',
      stage_timeout_ms: stageTimeoutMs,
      switch_timeout_ms: switchTimeoutMs,
    });
    return rollout.id;
  }

  /** waitRollout polls Status until the rollout ends; anything but complete is an error. */
  async waitRollout(id: number, timeoutMs: number): Promise<Rollout__Output> {
    let last: Rollout__Output | undefined;
    await until(
      `rollout #${id} to end`,
      async () => {
        last = (await this.client.call('Status', { rollout_id: id })).rollout ?? undefined;
        return last !== undefined && TERMINAL_ROLLOUT_STATES.has(last.state);
      },
      timeoutMs,
    );
    if (last?.state !== 'complete') throw new Error(`rollout #${id} ended ${last?.state}: ${last?.message}`);
    return last;
  }

  /** stop ends everything this fleet started and removes its temp dir, so the process can exit on its own. */
  async stop(): Promise<void> {
    for (const w of this.waiters) w.cancel(new Error('benchmark fleet stopped'));
    this.client.close();
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((res) => {
            if (w.child.exitCode !== null || !w.child.connected) return res();
            w.child.once('exit', () => res());
            w.child.send({ type: 'stop' } satisfies ToWorker);
          }),
      ),
    );
    for (const c of this.children) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await exited;
    }
    await this.postgres?.cluster.destroy();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** tmpfsBase is /dev/shm when it exists: roots for hundreds of simulated hosts, without one disk's fsyncs standing in for hundreds. */
export function tmpfsBase(): string | undefined {
  return existsSync('/dev/shm') ? '/dev/shm' : undefined;
}

export async function until(what: string, fn: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = now() + timeoutMs;
  while (!(await fn())) {
    if (now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
