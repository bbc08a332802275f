import type { StageState, SwitchState } from '../../shared/domain.js';
import type { StagingStats__Output as StagingStats } from '../../shared/gen/fleetswap/v1/StagingStats.js';
import { cohortName, parseCohort, type Cohort } from '../cohorts.js';
import { json, type Raw, type Sql } from './sql.js';

export interface RolloutHostRow {
  rollout_id: number;
  host_id: string;
  stage: StageState;
  switch: SwitchState;
  error: string;
  stats: StagingStats | null;
  /** The host's turn in a deploy; null in a rollback. Stored as its name (cohortName). */
  cohort: Cohort | null;
  prev_release: string;
  switched_at_ms: number;
  /** A rollback to a past moment sends each host to its own release; '' means the rollout's. */
  target: string;
}

/** How many of a cohort's taking-part hosts are in each switch state. */
export interface CohortCounts {
  cohort: Cohort | null;
  switch: Partial<Record<SwitchState, number>>;
}

/** RolloutHosts is the `rollout_hosts` table: each host's part in a rollout (its stage, switch state, cohort, target). */
export class RolloutHosts {
  constructor(private readonly sql: Sql) {}

  insert(h: RolloutHostRow): void {
    this.sql
      .stmt(
        `INSERT INTO rollout_hosts(rollout_id, host_id, stage, switch, error, stats, cohort, prev_release, switched_at_ms, target)
         VALUES (@rollout_id, @host_id, @stage, @switch, @error, @stats, @cohort, @prev_release, @switched_at_ms, @target)`,
      )
      .run({ ...h, stats: h.stats ? JSON.stringify(h.stats) : null, cohort: cohortName(h.cohort) });
  }

  /** update sets what is given and keeps the rest (one statement: a missing field is NULL, and coalesce keeps the column). */
  update(rolloutId: number, hostId: string, change: Partial<Pick<RolloutHostRow, 'stage' | 'switch' | 'error' | 'stats' | 'switched_at_ms'>>): void {
    this.sql
      .stmt(
        `UPDATE rollout_hosts SET stage = coalesce(@stage, stage), switch = coalesce(@switch, switch),
         error = coalesce(@error, error), stats = coalesce(@stats, stats), switched_at_ms = coalesce(@switched_at_ms, switched_at_ms)
       WHERE rollout_id = @rolloutId AND host_id = @hostId`,
      )
      .run({
        stage: change.stage ?? null,
        switch: change.switch ?? null,
        error: change.error ?? null,
        stats: change.stats ? JSON.stringify(change.stats) : null,
        switched_at_ms: change.switched_at_ms ?? null,
        rolloutId,
        hostId,
      });
  }

  get(rolloutId: number, hostId: string): RolloutHostRow | undefined {
    const r = this.sql.stmt(`SELECT * FROM rollout_hosts WHERE rollout_id = ? AND host_id = ?`).get(rolloutId, hostId) as Raw | undefined;
    return r ? rolloutHostFrom(r) : undefined;
  }

  /** of is every host in a rollout, by host id. */
  of(rolloutId: number): RolloutHostRow[] {
    return (this.sql.stmt(`SELECT * FROM rollout_hosts WHERE rollout_id = ? ORDER BY host_id`).all(rolloutId) as Raw[]).map(rolloutHostFrom);
  }

  /** counts counts the hosts taking part (not skipped) by stage and by switch state. */
  counts(rolloutId: number): { total: number; stage: Partial<Record<StageState, number>>; switch: Partial<Record<SwitchState, number>> } {
    const rows = this.sql
      .stmt(`SELECT stage, switch, count(*) AS n FROM rollout_hosts WHERE rollout_id = ? AND stage != 'skipped' GROUP BY stage, switch`)
      .all(rolloutId) as { stage: StageState; switch: SwitchState; n: number }[];
    const out = { total: 0, stage: {} as Partial<Record<StageState, number>>, switch: {} as Partial<Record<SwitchState, number>> };
    for (const r of rows) {
      out.total += r.n;
      out.stage[r.stage] = (out.stage[r.stage] ?? 0) + r.n;
      out.switch[r.switch] = (out.switch[r.switch] ?? 0) + r.n;
    }
    return out;
  }

  /** switchCounts counts taking-part hosts by cohort and switch state: what a phase waits on. */
  switchCounts(rolloutId: number): CohortCounts[] {
    const rows = this.sql
      .stmt(`SELECT cohort, switch, count(*) AS n FROM rollout_hosts WHERE rollout_id = ? AND stage != 'skipped' GROUP BY cohort, switch`)
      .all(rolloutId) as { cohort: string; switch: SwitchState; n: number }[];
    const out = new Map<string, CohortCounts>();
    for (const r of rows) {
      const c = out.get(r.cohort) ?? { cohort: parseCohort(r.cohort), switch: {} };
      c.switch[r.switch] = r.n;
      out.set(r.cohort, c);
    }
    return [...out.values()];
  }
}

function rolloutHostFrom(r: Raw): RolloutHostRow {
  return { ...(r as unknown as RolloutHostRow), stats: json(r.stats, null), cohort: parseCohort(r.cohort as string) };
}
