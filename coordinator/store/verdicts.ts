import type { Verdict } from '../../shared/wire.js';
import { json, type Raw, type Sql } from './sql.js';

/** Verdicts is the `verdicts` table: every verdict the judge gave a rollout, with its evidence. */
export class Verdicts {
  constructor(private readonly sql: Sql) {}

  insert(rolloutId: number, v: Verdict): void {
    this.sql
      .stmt(`INSERT INTO verdicts(rollout_id, at, phase, outcome, reason, evidence) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(rolloutId, v.at, v.phase, v.outcome, v.reason, JSON.stringify({ metrics: v.metrics, cohorts: v.cohorts }));
  }

  /** of is a rollout's verdicts, oldest first. */
  of(rolloutId: number): Verdict[] {
    return (this.sql.stmt(`SELECT * FROM verdicts WHERE rollout_id = ? ORDER BY id`).all(rolloutId) as Raw[]).map((r) => ({
      ...(r as unknown as Verdict),
      ...json(r.evidence, { metrics: [], cohorts: [] }),
      elapsed_ms: 0,
      bake_ms: 0,
    }));
  }
}
