import type { VitalsSample__Output as VitalsSample } from '../../shared/gen/fleetswap/v1/VitalsSample.js';
import type { Db } from './db.js';
import type { Raw } from './sql.js';

const COLUMNS = 'ts_ms, host, release, load1, cpu, mem, errors, probed, probe_ok, probe_ms, interval_ms, incidents, error_seconds';

/** Vitals is the `vitals` table: hosts' samples, kept for a judging window and pruned by age. */
export class Vitals {
  constructor(private readonly db: Db) {}

  /**
   * insert writes a batch in one transaction: one commit for thousands of
   * samples. A sample already kept (same host and time: an agent sends its
   * last samples again to a new leader) is skipped. It returns how many were new.
   */
  async insert(rows: { host: string; s: VitalsSample }[]): Promise<number> {
    if (rows.length === 0) return 0;
    const values = rows.map(({ host, s }) => [
      s.ts_ms, host, s.release_id, s.load1, s.cpu_pct, s.mem_pct, s.error_lines, s.probed ? 1 : 0, s.probe_ok ? 1 : 0, s.probe_latency_ms,
      s.interval_ms ?? 0, s.error_incidents ?? 0, s.error_seconds ?? 0,
    ]);
    if (this.db.dialect === 'postgres') {
      // One statement for the whole batch: a round trip per sample would
      // cost more than the samples are worth. Each column goes as an array.
      const types = ['bigint', 'text', 'text', 'float8', 'float8', 'float8', 'int', 'int', 'int', 'float8', 'bigint', 'int', 'int'];
      const columns = types.map((_, i) => values.map((v) => v[i]));
      return (await this.db.run(`INSERT INTO vitals(${COLUMNS}) SELECT * FROM unnest(${types.map((t) => `?::${t}[]`).join(', ')}) ON CONFLICT (host, ts_ms) DO NOTHING`, columns)).changes;
    }
    return this.db.tx(async () => {
      let added = 0;
      for (const v of values) added += (await this.db.run(`INSERT INTO vitals(${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (host, ts_ms) DO NOTHING`, v)).changes;
      return added;
    });
  }

  /** since reads back recent samples, oldest first: a restarted coordinator's judging window. */
  async since(fromMs: number): Promise<{ host: string; s: VitalsSample }[]> {
    return (await this.db.all(`SELECT * FROM vitals WHERE ts_ms >= ? ORDER BY ts_ms, host`, [fromMs])).map(sampleFrom);
  }

  /** of reads one host's samples in [from, to), oldest first. */
  async of(host: string, from: number, to: number): Promise<VitalsSample[]> {
    return (await this.db.all(`SELECT * FROM vitals WHERE ts_ms >= ? AND ts_ms < ? AND host = ? ORDER BY ts_ms`, [from, to, host])).map((r) => sampleFrom(r).s);
  }

  async deleteBefore(beforeMs: number): Promise<number> {
    return (await this.db.run(`DELETE FROM vitals WHERE ts_ms < ?`, [beforeMs])).changes;
  }

  async count(host?: string): Promise<number> {
    const r = host === undefined ? await this.db.get<{ n: number }>(`SELECT count(*) AS n FROM vitals`) : await this.db.get<{ n: number }>(`SELECT count(*) AS n FROM vitals WHERE host = ?`, [host]);
    return (r as { n: number }).n;
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
