import type { VitalsSample__Output as VitalsSample } from '../../shared/gen/fleetswap/v1/VitalsSample.js';
import type { Raw, Sql } from './sql.js';

/** Vitals is the `vitals` table: hosts' samples, kept for a judging window and pruned by age. */
export class Vitals {
  constructor(private readonly sql: Sql) {}

  /** insert writes a batch in one transaction: one commit for thousands of samples. */
  insert(rows: { host: string; s: VitalsSample }[]): void {
    const st = this.sql.stmt(
      `INSERT INTO vitals(ts_ms, host, release, load1, cpu, mem, errors, probed, probe_ok, probe_ms, interval_ms, incidents, error_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.sql.tx(() => {
      for (const { host, s } of rows) {
        st.run(
          s.ts_ms, host, s.release_id, s.load1, s.cpu_pct, s.mem_pct, s.error_lines, s.probed ? 1 : 0, s.probe_ok ? 1 : 0, s.probe_latency_ms,
          s.interval_ms ?? 0, s.error_incidents ?? 0, s.error_seconds ?? 0,
        );
      }
    });
  }

  /** since reads back recent samples, oldest first: a restarted coordinator's judging window. */
  since(fromMs: number): { host: string; s: VitalsSample }[] {
    return (this.sql.stmt(`SELECT * FROM vitals WHERE ts_ms >= ? ORDER BY ts_ms, rowid`).all(fromMs) as Raw[]).map(sampleFrom);
  }

  /** of reads one host's samples in [from, to), oldest first. */
  of(host: string, from: number, to: number): VitalsSample[] {
    return (this.sql.stmt(`SELECT * FROM vitals WHERE ts_ms >= ? AND ts_ms < ? AND host = ? ORDER BY ts_ms, rowid`).all(from, to, host) as Raw[]).map((r) => sampleFrom(r).s);
  }

  deleteBefore(beforeMs: number): number {
    return this.sql.stmt(`DELETE FROM vitals WHERE ts_ms < ?`).run(beforeMs).changes;
  }

  count(host?: string): number {
    const r = (host === undefined ? this.sql.stmt(`SELECT count(*) AS n FROM vitals`).get() : this.sql.stmt(`SELECT count(*) AS n FROM vitals WHERE host = ?`).get(host)) as {
      n: number;
    };
    return r.n;
  }
}

function sampleFrom(r: Raw): { host: string; s: VitalsSample } {
  return {
    host: r.host as string,
    s: {
      ts_ms: r.ts_ms as number,
      release_id: r.release as string,
      load1: r.load1 as number,
      cpu_pct: r.cpu as number,
      mem_pct: r.mem as number,
      error_lines: r.errors as number,
      probed: r.probed === 1,
      probe_ok: r.probe_ok === 1,
      probe_latency_ms: r.probe_ms as number,
      interval_ms: r.interval_ms as number,
      error_incidents: r.incidents as number,
      error_seconds: r.error_seconds as number,
    },
  };
}
