import type { Verdict__Output as Verdict } from '../../shared/gen/fleetswap/v1/Verdict.js';
import { json, type Raw, type Sql } from './sql.js';

/** A verdict as kept: when it was given, and its evidence. */
export type VerdictRow = Pick<Verdict, 'phase' | 'outcome' | 'reason' | 'metrics' | 'cohorts'> & { at_ms: number };

/** Verdicts is the `verdicts` table: every verdict the judge gave a rollout, with its evidence. */
export class Verdicts {
  constructor(private readonly sql: Sql) {}

  insert(rolloutId: number, v: VerdictRow): void {
    this.sql
      .stmt(`INSERT INTO verdicts(rollout_id, at_ms, phase, outcome, reason, evidence) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(rolloutId, v.at_ms, v.phase, v.outcome, v.reason, JSON.stringify({ metrics: v.metrics, cohorts: v.cohorts }));
  }

  /** of is a rollout's verdicts, oldest first. */
  of(rolloutId: number): VerdictRow[] {
    return (this.sql.stmt(`SELECT at_ms, phase, outcome, reason, evidence FROM verdicts WHERE rollout_id = ? ORDER BY id`).all(rolloutId) as Raw[]).map((r) => {
      const { evidence, ...rest } = r;
      return { ...(rest as unknown as Omit<VerdictRow, 'metrics' | 'cohorts'>), ...json(evidence, { metrics: [], cohorts: [] }) };
    });
  }
}
