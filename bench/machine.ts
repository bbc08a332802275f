import { availableParallelism, cpus, release, totalmem, type } from 'node:os';

export interface Machine {
  /** What `nproc` says: the CPUs this process may run on. */
  nproc: number;
  cpu_model: string;
  total_memory_bytes: number;
  os: string;
  node: string;
}

export function machine(): Machine {
  return {
    nproc: availableParallelism(),
    cpu_model: cpus()[0]?.model.trim() ?? 'unknown',
    total_memory_bytes: totalmem(),
    os: `${type()} ${release()}`,
    node: process.version,
  };
}
