import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { round, summarize } from './stats.js';

/** ProcSample is one look at another process through /proc. */
export interface ProcSample {
  /** performance.now() when it was taken. */
  at: number;
  /** VmRSS, in bytes. */
  rss: number;
  /** utime + stime, in clock ticks. */
  ticks: number;
}

export interface PhaseFigures {
  seconds: number;
  samples: number;
  rss_bytes: { median: number; p99: number; max: number };
  /** VmHWM, reset when the phase began: the true peak, which sampling can miss. */
  peak_rss_bytes: number;
  /** CPU time over wall time for the whole phase, in % of one core. */
  cpu_percent_mean: number;
  /** The busiest interval between two samples, in % of one core. */
  cpu_percent_max: number;
}

/** clockTicks is what /proc counts CPU time in: sysconf(_SC_CLK_TCK), which Node does not expose. */
export function clockTicks(): number {
  const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  if (!Number.isInteger(hz) || hz <= 0) throw new Error(`getconf CLK_TCK gave ${JSON.stringify(hz)}`);
  return hz;
}

export async function procSample(pid: number): Promise<ProcSample> {
  const at = performance.now();
  const [status, stat] = await Promise.all([readFile(`/proc/${pid}/status`, 'utf8'), readFile(`/proc/${pid}/stat`, 'utf8')]);
  // The command name (field 2) may hold spaces and parentheses: count fields from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15; the slice starts at field 3.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { at, rss: statusKiB(status, 'VmRSS') * 1024, ticks };
}

/**
 * samplePhase samples `pid` when `work` starts, every `everyMs` while it
 * runs, and when it ends, and sums the phase up. VmHWM is reset first
 * (clear_refs 5), so that the peak is this phase's own.
 */
export async function samplePhase(pid: number, everyMs: number, hz: number, work: () => Promise<void>): Promise<PhaseFigures> {
  await writeFile(`/proc/${pid}/clear_refs`, '5');
  const samples = [await procSample(pid)];
  const stop = new AbortController();
  const sampling = (async () => {
    for (let due = samples[0]!.at + everyMs; ; due += everyMs) {
      // Sleeping to the next due time, not for a fixed interval, keeps reads from drifting later.
      await sleep(Math.max(0, due - performance.now()), undefined, { signal: stop.signal }).catch(() => undefined);
      if (stop.signal.aborted) return;
      samples.push(await procSample(pid));
    }
  })();
  try {
    await work();
  } finally {
    stop.abort();
    await sampling;
  }
  samples.push(await procSample(pid));
  const peak = statusKiB(await readFile(`/proc/${pid}/status`, 'utf8'), 'VmHWM') * 1024;
  return phaseFigures(samples, peak, hz, everyMs);
}

function phaseFigures(samples: ProcSample[], peak: number, hz: number, everyMs: number): PhaseFigures {
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const percent = (a: ProcSample, b: ProcSample) => round(((b.ticks - a.ticks) / hz / ((b.at - a.at) / 1000)) * 100);
  // One tick over a sliver of an interval (the end sample just after a
  // periodic one) would read as a spike of hundreds of %: such slivers count
  // in the mean only.
  const intervals = samples.slice(1).flatMap((s, i) => (s.at - samples[i]!.at >= everyMs / 2 ? [percent(samples[i]!, s)] : []));
  const rss = summarize(samples.map((s) => s.rss));
  return {
    seconds: round((last.at - first.at) / 1000),
    samples: samples.length,
    rss_bytes: { median: rss.median, p99: rss.p99, max: rss.max },
    peak_rss_bytes: peak,
    cpu_percent_mean: percent(first, last),
    cpu_percent_max: intervals.length > 0 ? Math.max(...intervals) : percent(first, last),
  };
}

function statusKiB(status: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!m?.[1]) throw new Error(`/proc status has no ${field}`);
  return Number(m[1]);
}
