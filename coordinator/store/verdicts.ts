import type { Verdict__Output as Verdict } from '../../shared/gen/fleetswap/v1/Verdict.js';
import type { Db } from './db.js';
import { json, type Raw } from './sql.js';

/** A verdict as kept: when it was given, and its evidence. */
export type VerdictRow = Pick<Verdict, 'phase' | 'outcome' | 'reason' | 'metrics' | 'cohorts'> & { at_ms: number };

/** Verdicts is the `verdicts` table: every verdict the judge gave a rollout, with its evidence. */
export class Verdicts {
  constructor(private readonly db: Db) {}

  async insert(rolloutId: number, v: VerdictRow): Promise<void> {
    await this.db.run(`INSERT INTO verdicts(rollout_id, at_ms, phase, outcome, reason, evidence) VALUES (?, ?, ?, ?, ?, ?)`, [
      rolloutId,
      v.at_ms,
      v.phase,
      v.outcome,
      v.reason,
      JSON.stringify({ metrics: v.metrics, cohorts: v.cohorts }),
    ]);
  }

  /** of is a rollout's verdicts, oldest first. */
  async of(rolloutId: number): Promise<VerdictRow[]> {
    return (await this.db.all(`SELECT at_ms, phase, outcome, reason, evidence FROM verdicts WHERE rollout_id = ? ORDER BY id`, [rolloutId])).map((r: Raw) => {
      const { evidence, ...rest } = r;
      return { ...(rest as unknown as Omit<VerdictRow, 'metrics' | 'cohorts'>), ...json(evidence, { metrics: [], cohorts: [] }) };
    });
  }
}
