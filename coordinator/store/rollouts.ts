import type { RolloutKind, RolloutState } from '../../shared/domain.js';
import type { RolloutPlan__Output as RolloutPlan } from '../../shared/gen/fleetswap/v1/RolloutPlan.js';
import type { Verdict__Output as Verdict } from '../../shared/gen/fleetswap/v1/Verdict.js';
import type { Db } from './db.js';
import { forget, memoized } from './memo.js';
import { json, type Raw } from './sql.js';

export interface RolloutRow {
  id: number;
  kind: RolloutKind;
  state: RolloutState;
  release_id: string;
  from_release: string;
  actor: string;
  reason: string;
  selector: Record<string, string>;
  message: string;
  created_at_ms: number;
  updated_at_ms: number;
  /** When the phase times out (moves.ts); 0: it has no deadline. */
  deadline_ms: number;
  switch_timeout_ms: number;
  plan: RolloutPlan;
  wave: number;
  /** When the judged phase began (its hosts all live); 0 while it is still switching. */
  phase_started_ms: number;
  paused_from: RolloutState | '';
  /** What a rolling_back rollout becomes once its hosts are back. */
  ends_as: RolloutState | '';
  verdict: Verdict | null;
}

export const NO_PLAN: RolloutPlan = { canary_hosts: 0, waves: [100], bake_ms: 0, wave_bake_ms: 0, watch_ms: 0, manual_promote: false, spread: '' };

export type RolloutChange = Partial<Pick<RolloutRow, 'state' | 'message' | 'deadline_ms' | 'wave' | 'phase_started_ms' | 'paused_from' | 'ends_as' | 'verdict'>> & {
  updated_at_ms: number;
};

const MEMO = 'rollouts:';

/** Rollouts is the `rollouts` table: one row per deploy or rollback, its state, plan, phase and last verdict. */
export class Rollouts {
  constructor(private readonly db: Db) {}

  async insert(r: Omit<RolloutRow, 'id' | 'wave' | 'phase_started_ms' | 'paused_from' | 'ends_as' | 'verdict'>): Promise<number> {
    forget(this.db, MEMO);
    const row = await this.db.get<{ id: number }>(
      `INSERT INTO rollouts(kind, state, release_id, from_release, actor, reason, selector, message, created_at_ms, updated_at_ms, deadline_ms, switch_timeout_ms, plan)
       VALUES (@kind, @state, @release_id, @from_release, @actor, @reason, @selector, @message, @created_at_ms, @updated_at_ms, @deadline_ms, @switch_timeout_ms, @plan)
       RETURNING id`,
      { ...r, selector: JSON.stringify(r.selector), plan: JSON.stringify(r.plan) },
    );
    return (row as { id: number }).id;
  }

  /** update sets the given columns; the statement is cached per set of columns (a handful of shapes). */
  async update(id: number, change: RolloutChange): Promise<void> {
    const cols = Object.keys(change).filter((k) => k !== 'updated_at_ms');
    const sets = [...cols.map((k) => `${k} = @${k}`), 'updated_at_ms = @updated_at_ms'].join(', ');
    const values: Raw = { ...change, id };
    if ('verdict' in change) values.verdict = change.verdict ? JSON.stringify(change.verdict) : null;
    forget(this.db, MEMO);
    await this.db.run(`UPDATE rollouts SET ${sets} WHERE id = @id`, values);
  }

  async setPlan(id: number, plan: RolloutPlan): Promise<void> {
    forget(this.db, MEMO);
    await this.db.run(`UPDATE rollouts SET plan = ? WHERE id = ?`, [JSON.stringify(plan), id]);
  }

  get(id: number): Promise<RolloutRow | undefined> {
    return this.one(`SELECT * FROM rollouts WHERE id = ?`, id);
  }

  latest(): Promise<RolloutRow | undefined> {
    return this.one(`SELECT * FROM rollouts ORDER BY id DESC LIMIT 1`);
  }

  active(): Promise<RolloutRow | undefined> {
    return this.one(`SELECT * FROM rollouts WHERE state NOT IN ('complete', 'rolled_back', 'aborted', 'failed', 'superseded') ORDER BY id DESC LIMIT 1`);
  }

  /** recent is up to `limit` rollouts with ids below `beforeId`, newest first: the dashboard's list, a page at a time. */
  async recent(limit: number, beforeId = Number.MAX_SAFE_INTEGER): Promise<RolloutRow[]> {
    return (await this.db.all(`SELECT * FROM rollouts WHERE id < ? ORDER BY id DESC LIMIT ?`, [beforeId, limit])).map(rolloutFrom);
  }

  /** completed is every rollout that ended complete, newest first: what the join rule reads. */
  async completed(): Promise<RolloutRow[]> {
    return (await this.db.all(`SELECT * FROM rollouts WHERE state = 'complete' ORDER BY id DESC`)).map(rolloutFrom);
  }

  /** newestCompleted is the id of the newest rollout that ended complete; 0 if none did. */
  async newestCompleted(): Promise<number> {
    return ((await this.db.get(`SELECT coalesce(max(id), 0) AS id FROM rollouts WHERE state = 'complete'`)) as { id: number }).id;
  }

  /** lastDeployOf finds the newest deploy that put `releaseId` out, for "roll back to the previous release". */
  lastDeployOf(releaseId: string): Promise<RolloutRow | undefined> {
    return this.one(`SELECT * FROM rollouts WHERE kind = 'deploy' AND release_id = ? AND state NOT IN ('staging') AND from_release != '' ORDER BY id DESC LIMIT 1`, releaseId);
  }

  /** one reads a rollout once per transaction (store/memo.ts): each host's report reads the active one. */
  private async one(sql: string, ...params: unknown[]): Promise<RolloutRow | undefined> {
    const r = await memoized(this.db, `${MEMO}${sql}\0${params.join('\0')}`, () => this.db.get(sql, params));
    return r ? rolloutFrom(r) : undefined;
  }
}

function rolloutFrom(r: Raw): RolloutRow {
  return {
    ...(r as unknown as RolloutRow),
    selector: json(r.selector, {}),
    plan: { ...NO_PLAN, ...json(r.plan, {}) },
    verdict: json(r.verdict, null),
  };
}
