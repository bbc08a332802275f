import type { StageState, SwitchState } from '../../shared/domain.js';
import type { StagingStats__Output as StagingStats } from '../../shared/gen/fleetswap/v1/StagingStats.js';
import { cohortName, parseCohort, type Cohort } from '../cohorts.js';
import type { Db } from './db.js';
import { inChunks, json, marks, type Raw } from './sql.js';

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
  constructor(private readonly db: Db) {}

  /** insert adds hosts to a rollout, many to a statement. */
  async insert(rows: readonly RolloutHostRow[]): Promise<void> {
    for (const chunk of inChunks(rows)) {
      await this.db.run(
        `INSERT INTO rollout_hosts(rollout_id, host_id, stage, switch, error, stats, cohort, prev_release, switched_at_ms, target)
         VALUES ${marks(chunk.length, `(${marks(10)})`)}`,
        chunk.flatMap((h) => [h.rollout_id, h.host_id, h.stage, h.switch, h.error, h.stats ? JSON.stringify(h.stats) : null, cohortName(h.cohort), h.prev_release, h.switched_at_ms, h.target]),
      );
    }
  }

  /** setSwitch sets many hosts' switch state at once (a cohort told to switch, hosts told to go back). */
  async setSwitch(rolloutId: number, hostIds: readonly string[], state: SwitchState): Promise<void> {
    for (const ids of inChunks(hostIds)) {
      await this.db.run(`UPDATE rollout_hosts SET switch = ? WHERE rollout_id = ? AND host_id IN (${marks(ids.length)})`, [state, rolloutId, ...ids]);
    }
  }

  /** update sets what is given and keeps the rest (one statement: a missing field is NULL, and coalesce keeps the column). */
  async update(rolloutId: number, hostId: string, change: Partial<Pick<RolloutHostRow, 'stage' | 'switch' | 'error' | 'stats' | 'switched_at_ms'>>): Promise<void> {
    await this.db.run(
      `UPDATE rollout_hosts SET stage = coalesce(@stage, stage), switch = coalesce(@switch, switch),
         error = coalesce(@error, error), stats = coalesce(@stats, stats), switched_at_ms = coalesce(@switched_at_ms, switched_at_ms)
       WHERE rollout_id = @rolloutId AND host_id = @hostId`,
      {
        stage: change.stage ?? null,
        switch: change.switch ?? null,
        error: change.error ?? null,
        stats: change.stats ? JSON.stringify(change.stats) : null,
        switched_at_ms: change.switched_at_ms ?? null,
        rolloutId,
        hostId,
      },
    );
  }

  async get(rolloutId: number, hostId: string): Promise<RolloutHostRow | undefined> {
    const r = await this.db.get(`SELECT * FROM rollout_hosts WHERE rollout_id = ? AND host_id = ?`, [rolloutId, hostId]);
    return r ? rolloutHostFrom(r) : undefined;
  }

  /** of is every host in a rollout, by host id. */
  async of(rolloutId: number): Promise<RolloutHostRow[]> {
    return (await this.db.all(`SELECT * FROM rollout_hosts WHERE rollout_id = ? ORDER BY host_id`, [rolloutId])).map(rolloutHostFrom);
  }

  /** counts counts the hosts taking part (not skipped) by stage and by switch state. */
  async counts(rolloutId: number): Promise<{ total: number; stage: Partial<Record<StageState, number>>; switch: Partial<Record<SwitchState, number>> }> {
    const rows = await this.db.all<{ stage: StageState; switch: SwitchState; n: number }>(
      `SELECT stage, switch, count(*) AS n FROM rollout_hosts WHERE rollout_id = ? AND stage != 'skipped' GROUP BY stage, switch`,
      [rolloutId],
    );
    const out = { total: 0, stage: {} as Partial<Record<StageState, number>>, switch: {} as Partial<Record<SwitchState, number>> };
    for (const r of rows) {
      out.total += r.n;
      out.stage[r.stage] = (out.stage[r.stage] ?? 0) + r.n;
      out.switch[r.switch] = (out.switch[r.switch] ?? 0) + r.n;
    }
    return out;
  }

  /** switchCounts counts taking-part hosts by cohort and switch state: what a phase waits on. */
  async switchCounts(rolloutId: number): Promise<CohortCounts[]> {
    const rows = await this.db.all<{ cohort: string; switch: SwitchState; n: number }>(
      `SELECT cohort, switch, count(*) AS n FROM rollout_hosts WHERE rollout_id = ? AND stage != 'skipped' GROUP BY cohort, switch ORDER BY cohort, switch`,
      [rolloutId],
    );
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
