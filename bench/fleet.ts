import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Agent } from '../agent/agent.js';
import { AdminClient } from '../cli/admin-client.js';
import { Coordinator } from '../coordinator/coordinator.js';
import { silentLogger } from '../shared/log.js';
import type { Report, ReportKind, Rollout } from '../shared/wire.js';
import { TERMINAL_ROLLOUT_STATES } from '../shared/wire.js';

/** Ack is one host's report, stamped with performance.now() when the agent sent it. */
export interface Ack {
  host: string;
  at: number;
  report: Report;
}

interface Waiter {
  offer(host: string, at: number, report: Report): void;
  cancel(err: Error): void;
}

const CONNECT_TIMEOUT_MS = 60_000;
const POLL_MS = 10;

/**
 * BenchFleet is a coordinator and N in-process agents in one temp dir. Every
 * agent, the coordinator and the benchmark share one clock, so a time taken
 * in an agent's callback and one taken around an admin call compare directly.
 */
export class BenchFleet {
  private readonly waiters = new Set<Waiter>();
  private readonly agents: Agent[] = [];
  readonly client: AdminClient;

  private constructor(
    readonly dir: string,
    readonly coordinator: Coordinator,
  ) {
    this.client = new AdminClient(coordinator.address);
  }

  static async start(n: number): Promise<BenchFleet> {
    const dir = await mkdtemp(join(tmpdir(), 'fleetswap-bench-'));
    const coordinator = await Coordinator.start({ dataDir: join(dir, 'coordinator'), listen: '127.0.0.1:0', log: silentLogger() }).catch(
      async (err: unknown) => {
        await rm(dir, { recursive: true, force: true });
        throw err;
      },
    );
    const fleet = new BenchFleet(dir, coordinator);
    try {
      for (let i = 1; i <= n; i++) {
        const id = `web-${String(i).padStart(4, '0')}`;
        const agent = new Agent({ id, root: join(dir, 'hosts', id), coordinator: coordinator.address, tags: { role: 'web' }, log: silentLogger() });
        agent.onDirectiveDone = (r) => fleet.offer(id, performance.now(), r);
        fleet.agents.push(agent);
      }
      await Promise.all(fleet.agents.map((a) => a.start()));
      await until(`${n} agents connected`, () => coordinator.fleet.connectedCount() >= n, CONNECT_TIMEOUT_MS);
    } catch (err) {
      await fleet.stop();
      throw err;
    }
    return fleet;
  }

  /** liveEverywhere says whether every agent's live slot holds `releaseId`, as the agents themselves see it. */
  liveEverywhere(releaseId: string): boolean {
    return this.agents.every((a) => a.liveRelease() === releaseId);
  }

  /**
   * expect resolves with every host's first `kind` report for `releaseId`.
   * Call it before the admin call that causes them, so that no early report
   * is missed. A FAILED or REVERTED report for the release rejects at once:
   * a benchmark of a broken rollout would only measure a timeout.
   */
  expect(kind: ReportKind, releaseId: string, timeoutMs: number): Promise<Ack[]> {
    return new Promise((resolve, reject) => {
      const acks = new Map<string, Ack>();
      const finish = (err?: Error) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        if (err) reject(err);
        else resolve([...acks.values()]);
      };
      const waiter: Waiter = {
        offer: (host, at, report) => {
          if (report.release_id !== releaseId) return;
          if (report.kind === 'FAILED' || report.kind === 'REVERTED') {
            finish(new Error(`${host} reported ${report.kind} for ${releaseId.slice(0, 12)}: ${report.error_code} ${report.error}`));
          } else if (report.kind === kind && !acks.has(host)) {
            acks.set(host, { host, at, report });
            if (acks.size === this.agents.length) finish();
          }
        },
        cancel: finish,
      };
      const timer = setTimeout(
        () => finish(new Error(`only ${acks.size} of ${this.agents.length} hosts reported ${kind} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.add(waiter);
    });
  }

  /** waitRollout polls Status until the rollout ends; anything but complete is an error. */
  async waitRollout(id: number, timeoutMs: number): Promise<Rollout> {
    let last: Rollout | undefined;
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

  private offer(host: string, at: number, report: Report): void {
    for (const w of this.waiters) w.offer(host, at, report);
  }

  /** stop ends everything this fleet started and removes its temp dir, so the process can exit on its own. */
  async stop(): Promise<void> {
    for (const w of this.waiters) w.cancel(new Error('benchmark fleet stopped'));
    this.client.close();
    await Promise.all(this.agents.map((a) => a.stop()));
    await this.coordinator.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

export async function until(what: string, fn: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await fn())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
