import type { RolloutKind, RolloutState } from '../../shared/domain.js';
import type { StagingStats__Output as StagingStats } from '../../shared/gen/fleetswap/v1/StagingStats.js';
import type { Db } from './db.js';
import type { DriftEventRow } from './drift-events.js';
import type { HostRow } from './hosts.js';
import { json } from './sql.js';

// What a /metrics scrape reads (coordinator/metrics.ts): aggregates and the
// few columns each figure is made of, never whole rows with their JSON, so
// a scrape at thousands of hosts stays a few milliseconds. Plain SQL both
// backends run; reached through the Store's Db, like every table module.

/** HostStanding is the part of a host's row its state is made of (drift.ts `stateOf`). */
export type HostStanding = Pick<HostRow, 'id' | 'live_release' | 'desired_release' | 'directive_generation' | 'last_generation'>;

export type OpenDrift = Pick<DriftEventRow, 'host' | 'kind' | 'action' | 'detected_at_ms'>;

/** What a host reported in one rollout: its staging figures, and when it was live. */
export interface HostReportFigures {
  host_id: string;
  /** The cohort's name as stored ('canary', 'wave2'; '' in a rollback). */
  cohort: string;
  stats: StagingStats | null;
  switched_at_ms: number;
}

export interface Counted {
  n: number;
}

/** Counted rows of an append-only table, with the largest id among them: what to count past next time. */
export interface CountedTo extends Counted {
  last: number;
}

const TERMINAL = `('complete', 'rolled_back', 'aborted', 'failed', 'superseded')`;

export class MetricsQueries {
  constructor(private readonly db: Db) {}

  hostStandings(): Promise<HostStanding[]> {
    return this.db.all<HostStanding>(`SELECT id, live_release, desired_release, directive_generation, last_generation FROM hosts`);
  }

  /** openDrift is every unresolved drift event (drift_events_open indexes them). */
  openDrift(): Promise<OpenDrift[]> {
    return this.db.all<OpenDrift>(`SELECT host, kind, action, detected_at_ms FROM drift_events WHERE resolved_at_ms IS NULL`);
  }

  /** liveReleases counts hosts by the release they serve, with its label (null: a release this coordinator was never pushed), most hosts first. */
  liveReleases(): Promise<({ release_id: string; label: string | null } & Counted)[]> {
    return this.db.all(
      `SELECT h.live_release AS release_id, r.label AS label, count(*) AS n FROM hosts h LEFT JOIN releases r ON r.id = h.live_release
       GROUP BY h.live_release, r.label ORDER BY n DESC, h.live_release`,
    );
  }

  async label(releaseId: string): Promise<string | undefined> {
    return (await this.db.get<{ label: string }>(`SELECT label FROM releases WHERE id = ?`, [releaseId]))?.label;
  }

  /** rolloutOutcomes counts the rollouts that ended, by kind and how they ended. */
  rolloutOutcomes(): Promise<({ kind: RolloutKind; state: RolloutState } & Counted)[]> {
    return this.db.all(`SELECT kind, state, count(*) AS n FROM rollouts WHERE state IN ${TERMINAL} GROUP BY kind, state`);
  }

  /** rolloutsFrom is every rollout from `id` on, oldest first: what happened since the last look. */
  rolloutsFrom(id: number): Promise<{ id: number; kind: RolloutKind; state: RolloutState; created_at_ms: number }[]> {
    return this.db.all(`SELECT id, kind, state, created_at_ms FROM rollouts WHERE id >= ? ORDER BY id`, [id]);
  }

  /** lastIds are the newest rollout's and verdict's ids (0: none yet). */
  async lastIds(): Promise<{ rollouts: number; verdicts: number }> {
    const r = await this.db.get<{ rollouts: number; verdicts: number }>(
      `SELECT (SELECT coalesce(max(id), 0) FROM rollouts) AS rollouts, (SELECT coalesce(max(id), 0) FROM verdicts) AS verdicts`,
    );
    return r ?? { rollouts: 0, verdicts: 0 };
  }

  /** driftEvents counts drift events by kind, among those with an id in (after, upTo]. */
  driftEvents(after: number, upTo: number): Promise<({ kind: DriftEventRow['kind'] } & CountedTo)[]> {
    return this.db.all(`SELECT kind, count(*) AS n, max(id) AS last FROM drift_events WHERE id > ? AND id <= ? GROUP BY kind`, [after, upTo]);
  }

  /** verdicts counts verdicts by phase ('judging', 'wave 2', ...) and outcome, among those with an id in (after, upTo]. */
  verdicts(after: number, upTo: number): Promise<({ phase: string; outcome: string } & CountedTo)[]> {
    return this.db.all(`SELECT phase, outcome, count(*) AS n, max(id) AS last FROM verdicts WHERE id > ? AND id <= ? GROUP BY phase, outcome`, [after, upTo]);
  }

  /** verdictTests is each verdict's per-test outcomes, for verdicts with an id above `afterId`, oldest first, at most `limit`. */
  async verdictTests(afterId: number, limit: number): Promise<{ id: number; tests: { metric: string; versus: string; outcome: string }[] }[]> {
    const rows = await this.db.all<{ id: number; evidence: string }>(`SELECT id, evidence FROM verdicts WHERE id > ? ORDER BY id LIMIT ?`, [afterId, limit]);
    return rows.map((r) => ({ id: r.id, tests: json<{ metrics?: { metric: string; versus: string; outcome: string }[] }>(r.evidence, {}).metrics ?? [] }));
  }

  /** reported counts a rollout's hosts that reported staging figures and that went live: both only grow. */
  async reported(rolloutId: number): Promise<{ staged: number; switched: number }> {
    const r = await this.db.get<{ staged: number | null; switched: number | null }>(
      `SELECT sum(CASE WHEN stats IS NOT NULL THEN 1 ELSE 0 END) AS staged, sum(CASE WHEN switched_at_ms > 0 THEN 1 ELSE 0 END) AS switched
       FROM rollout_hosts WHERE rollout_id = ?`,
      [rolloutId],
    );
    return { staged: r?.staged ?? 0, switched: r?.switched ?? 0 };
  }

  /** reports is what each host of a rollout reported: staging figures, when it went live. */
  async reports(rolloutId: number): Promise<HostReportFigures[]> {
    const rows = await this.db.all<{ host_id: string; cohort: string; stats: string | null; switched_at_ms: number }>(
      `SELECT host_id, cohort, stats, switched_at_ms FROM rollout_hosts WHERE rollout_id = ? AND (stats IS NOT NULL OR switched_at_ms > 0)`,
      [rolloutId],
    );
    return rows.map((r) => ({ ...r, stats: json<StagingStats | null>(r.stats, null) }));
  }

  /** leaseEpoch is the epoch of the leader's lease (0: nobody ever led, as on SQLite). */
  async leaseEpoch(): Promise<number> {
    return (await this.db.get<{ epoch: number }>(`SELECT epoch FROM leadership WHERE id = 1`))?.epoch ?? 0;
  }
}
