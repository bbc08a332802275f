import type { DirectiveKind } from '../../shared/domain.js';
import type { Directive__Output as Directive } from '../../shared/gen/fleetswap/v1/Directive.js';
import type { SlotInfo__Output as SlotInfo } from '../../shared/gen/fleetswap/v1/SlotInfo.js';
import type { StagingStats__Output as StagingStats } from '../../shared/gen/fleetswap/v1/StagingStats.js';
import type { Override } from '../../shared/override.js';
import { FleetswapError } from '../../shared/errors.js';
import type { Db } from './db.js';
import { greater, inChunks, json, marks, type Raw } from './sql.js';

export interface HostRow {
  id: string;
  tags: Record<string, string>;
  slot_count: number;
  slots: SlotInfo[];
  live_release: string;
  last_generation: number;
  first_seen_ms: number;
  last_seen_ms: number;
  last_staging: StagingStats | null;
  last_error: string;
  desired_release: string;
  directive_generation: number;
  directive_kind: DirectiveKind | '';
  directive_release: string;
  /** The stored directive's override (rollback --sign-key), sent again with it. */
  directive_override: Override | null;
  unsigned_allowed: boolean;
}

/**
 * Hosts is the `hosts` table (what each host says about itself, its desired
 * release and stored directive) and `host_releases` (every release a host
 * was ever directed to hold: the ones it may fetch).
 */
export class Hosts {
  constructor(private readonly db: Db) {}

  async get(id: string): Promise<HostRow | undefined> {
    const r = await this.db.get(`SELECT * FROM hosts WHERE id = ?`, [id]);
    return r ? hostFrom(r) : undefined;
  }

  async all(): Promise<HostRow[]> {
    return (await this.db.all(`SELECT * FROM hosts ORDER BY id`)).map(hostFrom);
  }

  /** upsertSeen records what a host says about itself; desired state is untouched. */
  async upsertSeen(h: Pick<HostRow, 'id' | 'tags' | 'slot_count' | 'slots' | 'live_release' | 'last_generation' | 'unsigned_allowed'> & { at_ms: number }): Promise<void> {
    await this.db.run(
      `INSERT INTO hosts(id, tags, slot_count, slots, live_release, last_generation, first_seen_ms, last_seen_ms, unsigned_allowed)
         VALUES (@id, @tags, @slot_count, @slots, @live_release, @last_generation, @at_ms, @at_ms, @unsigned_allowed)
         ON CONFLICT(id) DO UPDATE SET tags = excluded.tags, slot_count = excluded.slot_count, slots = excluded.slots,
           live_release = excluded.live_release, unsigned_allowed = excluded.unsigned_allowed,
           last_generation = ${greater('hosts.last_generation', 'excluded.last_generation')}, last_seen_ms = excluded.last_seen_ms`,
      { ...h, tags: JSON.stringify(h.tags), slots: JSON.stringify(h.slots), unsigned_allowed: h.unsigned_allowed ? 1 : 0 },
    );
  }

  async updateReport(h: { id: string; slots: SlotInfo[]; live_release: string; generation: number; at_ms: number; last_staging?: StagingStats | null; last_error: string }): Promise<void> {
    await this.db.run(
      `UPDATE hosts SET slots = @slots, live_release = @live_release, last_generation = ${greater('last_generation', '@generation')},
           last_seen_ms = @at_ms, last_error = @last_error, last_staging = coalesce(@last_staging, last_staging) WHERE id = @id`,
      {
        ...h,
        slots: JSON.stringify(h.slots),
        last_staging: h.last_staging ? JSON.stringify(h.last_staging) : null,
      },
    );
  }

  /** versionDriftCandidates are the hosts running another release than their desired one, with no directive in flight. */
  async versionDriftCandidates(): Promise<HostRow[]> {
    return (
      await this.db.all(`SELECT * FROM hosts WHERE desired_release != '' AND live_release != desired_release AND directive_generation <= last_generation ORDER BY id`)
    ).map(hostFrom);
  }

  /** updateLive records what a host says it serves now, outside a directive (a drift finding). */
  async updateLive(id: string, live: string, slots: SlotInfo[], atMs: number): Promise<void> {
    await this.db.run(`UPDATE hosts SET live_release = ?, slots = ?, last_seen_ms = ? WHERE id = ?`, [live, JSON.stringify(slots), atMs, id]);
  }

  async touch(id: string, atMs: number): Promise<void> {
    await this.db.run(`UPDATE hosts SET last_seen_ms = ? WHERE id = ?`, [atMs, id]);
  }

  /**
   * directAll stores one directive for many hosts at once (a cohort's switch,
   * a rollback; one host alike) and returns each host's generation. Counters
   * are per host: a generation a host claims (hello, report) can only move
   * its own counter, never the fleet's. Each host's next one is above both
   * what was issued and what the host says it applied, so that after a
   * restore from an older backup new directives are still newer than the
   * ones it remembers. The release becomes one the host may fetch.
   */
  async directAll(hostIds: readonly string[], d: Omit<Directive, 'generation'>, desired?: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const override = d.override ? JSON.stringify(d.override) : null;
    for (const ids of inChunks(hostIds)) {
      const rows = await this.db.all<{ id: string; directive_generation: number }>(
        `UPDATE hosts SET directive_generation = ${greater('directive_generation', 'last_generation')} + 1, directive_kind = ?, directive_release = ?,
           directive_override = ?, desired_release = coalesce(?, desired_release) WHERE id IN (${marks(ids.length)}) RETURNING id, directive_generation`,
        [d.kind, d.release_id, override, desired ?? null, ...ids],
      );
      for (const r of rows) out.set(r.id, r.directive_generation);
      if (d.release_id) await this.db.run(`INSERT INTO host_releases(host_id, release_id) VALUES ${marks(ids.length, '(?, ?)')} ON CONFLICT DO NOTHING`, ids.flatMap((id) => [id, d.release_id]));
    }
    const missing = hostIds.find((id) => !out.has(id));
    if (missing !== undefined) throw new FleetswapError('INTERNAL', `no host ${missing} to direct`);
    return out;
  }

  /** setDesiredRelease records a host's desired release with no directive: it runs it already, or drift puts it right. */
  async setDesiredRelease(hostId: string, releaseId: string): Promise<void> {
    await this.db.run(`UPDATE hosts SET desired_release = ? WHERE id = ?`, [releaseId, hostId]);
  }

  /** mayFetch says whether the coordinator ever directed `hostId` to hold `releaseId` (only those are served to it). */
  async mayFetch(hostId: string, releaseId: string): Promise<boolean> {
    return (await this.db.get(`SELECT 1 AS one FROM host_releases WHERE host_id = ? AND release_id = ?`, [hostId, releaseId])) !== undefined;
  }
}

/** storedDirective is the directive a host was last given, as it is sent again (on hello, resume, unhalt). */
export function storedDirective(h: HostRow): Directive {
  return { generation: h.directive_generation, kind: h.directive_kind as DirectiveKind, release_id: h.directive_release, override: h.directive_override };
}

function hostFrom(r: Raw): HostRow {
  return {
    ...(r as unknown as HostRow),
    unsigned_allowed: r.unsigned_allowed === 1,
    tags: json(r.tags, {}),
    slots: json(r.slots, []),
    last_staging: json(r.last_staging, null),
    directive_override: json(r.directive_override, null),
  };
}
