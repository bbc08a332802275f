import { readFileSync } from 'node:fs';
import { clockTicks } from '../proc.js';

// Resource use of another process, read from /proc the way `top` does.

export interface Usage {
  rss_bytes: number;
  /** CPU time (user + system) the process has used since it started. */
  cpu_ms: number;
}

export function usage(pid: number): Usage {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
  // Fields after the command name (which may hold spaces) start at state: utime and stime are the 12th and 13th of those.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuTicks = Number(fields[11]) + Number(fields[12]);
  return { rss_bytes: rssKb * 1024, cpu_ms: (cpuTicks * 1000) / clockTicks() };
}

/** cpuPercent is the share of one core `pid` used between two readings `wallMs` apart. */
export function cpuPercent(before: Usage, after: Usage, wallMs: number): number {
  return Number((((after.cpu_ms - before.cpu_ms) / wallMs) * 100).toFixed(1));
}
