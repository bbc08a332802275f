import type { HostReport } from '../../agent/apply.js';

// Messages between the benchmark and its fleet workers (child processes that
// each host many agents), over the IPC channel of child_process.fork.

export interface WorkerHost {
  id: string;
  root: string;
}

export type ToWorker =
  | { type: 'start'; coordinator: string; hosts: WorkerHost[]; backoff?: { baseMs: number; maxMs: number }; vitalsIntervalMs: number; driftWatch?: boolean; verifyIntervalMs?: number }
  | { type: 'live' }
  | { type: 'quiet' }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'started' }
  | { type: 'connected'; host: string; at: number }
  | { type: 'report'; host: string; at: number; report: HostReport }
  | { type: 'directive'; host: string; at: number }
  | { type: 'live'; releases: string[] }
  | { type: 'quiet'; taken: number; sent: number; dropped: number }
  | { type: 'stopped' };

/**
 * now is CLOCK_MONOTONIC in milliseconds: one clock for every process on the
 * machine, so an agent's timestamp in a worker and the benchmark's own
 * compare directly.
 */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
