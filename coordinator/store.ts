import Database from 'better-sqlite3';
import type { Database as DB, Statement } from 'better-sqlite3';
import type {
  DesiredChange,
  Directive,
  DirectiveKind,
  Release,
  RolloutKind,
  RolloutState,
  SlotInfo,
  StageState,
  StagingStats,
  SwitchState,
  Verdict,
  VitalsSample,
  HaltState,
  RolloutPlan,
  AuditEntryWire,
} from '../shared/wire.js';
import type { DriftPath } from '../shared/drift.js';
import type { ReleaseSignature } from '../shared/signing.js';
import type { Override } from '../shared/override.js';
import { FleetswapError } from '../shared/errors.js';
import { MIGRATIONS } from './migrations.js';
import { cohortName, parseCohort, type Cohort } from './cohorts.js';

// store.ts is the only module that speaks SQL. Everything durable (releases,
// hosts, desired state and its history, rollouts) goes through it, so a
// shared database could replace SQLite behind the same methods (docs/CONTRACT.md:
// "the coordinator's storage is behind one module").

export interface HostRow {
  id: string;
  tags: Record<string, string>;
  slot_count: number;
  slots: SlotInfo[];
  live_release: string;
  last_generation: number;
  first_seen: string;
  last_seen: string;
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
  created_at: string;
  updated_at: string;
  deadline_at: number;
  switch_timeout_ms: number;
  plan: RolloutPlan;
  wave: number;
  /** When the judged phase began (its hosts all live); 0 while it is still switching. */
  phase_started_at: number;
  paused_from: RolloutState | '';
  /** What a rolling_back rollout becomes once its hosts are back. */
  ends_as: RolloutState | '';
  verdict: Verdict | null;
}

export const NO_PLAN: RolloutPlan = { canary_hosts: 0, waves: [100], bake_ms: 0, wave_bake_ms: 0, watch_ms: 0, manual_promote: false, spread: '' };

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
  switched_at: number;
  /** A rollback to a past moment sends each host to its own release; '' means the rollout's. */
  target: string;
}

/** How many of a cohort's taking-part hosts are in each switch state. */
export interface CohortCounts {
  cohort: Cohort | null;
  switch: Partial<Record<SwitchState, number>>;
}

export type RolloutChange = Partial<Pick<RolloutRow, 'state' | 'message' | 'deadline_at' | 'wave' | 'phase_started_at' | 'paused_from' | 'ends_as' | 'verdict'>> & {
  updated_at: string;
};

export interface TokenRow {
  name: string;
  role: 'viewer' | 'deployer' | 'admin';
  /** sha256 of the token: the token itself is never stored. */
  hash: string;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
}

/** An audit entry is stored as it goes on the wire: detail is JSON text, so its hash is over exactly what is kept. */
export type AuditEntry = AuditEntryWire;

export interface DriftEventRow {
  id: number;
  host: string;
  kind: 'content-drift' | 'version-drift' | 'symlink-moved';
  release_id: string;
  paths: DriftPath[];
  path_count: number;
  detail: string;
  detected_at: string;
  action: string;
  resolved_at: string | null;
}

export interface StoredRelease extends Omit<Release, 'signed_by'> {
  manifest: Buffer;
  signatures: ReleaseSignature[];
}

type Raw = Record<string, unknown>;

const json = <T>(text: unknown, fallback: T): T => (typeof text === 'string' ? (JSON.parse(text) as T) : fallback);

export class Store {
  private readonly db: DB;
  // better-sqlite3 does not cache statements; preparing once matters when
  // every host's report runs several queries.
  private readonly statements = new Map<string, Statement>();
  private depth = 0;
  private committed: (() => void)[] = [];

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
  }

  close(): void {
    this.db.close();
  }

  private stmt(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private migrate(): void {
    const have = this.schemaVersion();
    if (have > MIGRATIONS.length) {
      throw new FleetswapError('BAD_USAGE', `database schema ${have} is newer than this fleetswap knows (${MIGRATIONS.length}): upgrade fleetswap`);
    }
    for (let v = have; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v] as string);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  /**
   * tx runs fn in one transaction: all of its writes land, or none. Nested
   * calls join the outermost one; what was registered with afterCommit runs
   * once that commits, and is dropped if it rolls back.
   */
  tx<T>(fn: () => T): T {
    this.depth++;
    let out: T;
    try {
      out = this.db.transaction(fn)();
    } catch (err) {
      if (this.depth === 1) this.committed = [];
      throw err;
    } finally {
      this.depth--;
    }
    if (this.depth === 0) {
      const run = this.committed;
      this.committed = [];
      for (const f of run) f();
    }
    return out;
  }

  /**
   * afterCommit runs fn once the transaction in progress has committed, or at
   * once outside one. Sending a directive goes through here: nothing leaves
   * the coordinator that the database could still forget (CONTRACT invariant 7).
   */
  afterCommit(fn: () => void): void {
    if (this.depth === 0) fn();
    else this.committed.push(fn);
  }

  // ---- generations ----

  /**
   * nextGeneration hands out the host's next directive generation. Counters
   * are per host: a generation a host claims (hello, report) can only move
   * its own counter, never the fleet's. The next one is above both what was
   * issued and what the host says it applied, so that after a restore from
   * an older backup new directives are still newer than the ones it remembers.
   */
  nextGeneration(hostId: string): number {
    const row = this.stmt(`UPDATE hosts SET directive_generation = max(directive_generation, last_generation) + 1 WHERE id = ? RETURNING directive_generation`).get(hostId) as Raw | undefined;
    if (!row) throw new FleetswapError('INTERNAL', `no host ${hostId} to direct`);
    return row.directive_generation as number;
  }

  // ---- which releases a host may fetch ----

  /** mayFetch says whether the coordinator ever directed `hostId` to hold `releaseId` (only those are served to it). */
  mayFetch(hostId: string, releaseId: string): boolean {
    return this.stmt(`SELECT 1 FROM host_releases WHERE host_id = ? AND release_id = ?`).get(hostId, releaseId) !== undefined;
  }

  // ---- releases ----

  insertRelease(r: StoredRelease): void {
    this.stmt(
      `INSERT INTO releases(id, label, manifest, owner, notes, irreversible, pushed_by, pushed_at, files, bytes, signatures)
       VALUES (@id, @label, @manifest, @owner, @notes, @irreversible, @pushed_by, @pushed_at, @files, @bytes, @signatures)`,
    ).run({ ...r, signatures: JSON.stringify(r.signatures) });
  }

  /** addSignatures records more signatures of a release (pushed again, signed by another key). */
  addSignatures(id: string, signatures: ReleaseSignature[]): void {
    this.stmt(`UPDATE releases SET signatures = ? WHERE id = ?`).run(JSON.stringify(signatures), id);
  }

  releaseById(id: string): StoredRelease | undefined {
    const r = this.stmt(`SELECT * FROM releases WHERE id = ?`).get(id) as Raw | undefined;
    return r ? releaseFrom(r) : undefined;
  }

  releaseByLabel(label: string): StoredRelease | undefined {
    const r = this.stmt(`SELECT * FROM releases WHERE label = ?`).get(label) as Raw | undefined;
    return r ? releaseFrom(r) : undefined;
  }

  releasesByIdPrefix(prefix: string): StoredRelease[] {
    return (this.stmt(`SELECT * FROM releases WHERE id >= ? AND id < ? LIMIT 2`).all(prefix, `${prefix}g`) as Raw[]).map(releaseFrom);
  }

  listReleases(): Release[] {
    return (
      this.stmt(`SELECT id, label, owner, notes, irreversible, pushed_by, pushed_at, files, bytes, signatures FROM releases ORDER BY pushed_at, rowid`).all() as Raw[]
    ).map((r) => {
      const { signatures, ...rest } = releaseFrom(r);
      return { ...rest, signed_by: signatures.map((x) => x.key_id) };
    });
  }

  releaseLabels(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const r of this.stmt(`SELECT id, label FROM releases`).all() as Raw[]) out[r.id as string] = r.label as string;
    return out;
  }

  // ---- hosts ----

  private hostFrom(r: Raw): HostRow {
    return {
      ...(r as unknown as HostRow),
      unsigned_allowed: r.unsigned_allowed === 1,
      tags: json(r.tags, {}),
      slots: json(r.slots, []),
      last_staging: json(r.last_staging, null),
      directive_override: json(r.directive_override, null),
    };
  }

  host(id: string): HostRow | undefined {
    const r = this.stmt(`SELECT * FROM hosts WHERE id = ?`).get(id) as Raw | undefined;
    return r ? this.hostFrom(r) : undefined;
  }

  hosts(): HostRow[] {
    return (this.stmt(`SELECT * FROM hosts ORDER BY id`).all() as Raw[]).map((r) => this.hostFrom(r));
  }

  /** upsertHostSeen records what a host says about itself; desired state is untouched. */
  upsertHostSeen(h: Pick<HostRow, 'id' | 'tags' | 'slot_count' | 'slots' | 'live_release' | 'last_generation' | 'unsigned_allowed'> & { at: string }): void {
    this.db
      .prepare(
        `INSERT INTO hosts(id, tags, slot_count, slots, live_release, last_generation, first_seen, last_seen, unsigned_allowed)
         VALUES (@id, @tags, @slot_count, @slots, @live_release, @last_generation, @at, @at, @unsigned_allowed)
         ON CONFLICT(id) DO UPDATE SET tags = excluded.tags, slot_count = excluded.slot_count, slots = excluded.slots,
           live_release = excluded.live_release, unsigned_allowed = excluded.unsigned_allowed,
           last_generation = max(hosts.last_generation, excluded.last_generation), last_seen = excluded.last_seen`,
      )
      .run({ ...h, tags: JSON.stringify(h.tags), slots: JSON.stringify(h.slots), unsigned_allowed: h.unsigned_allowed ? 1 : 0 });
  }

  updateHostReport(h: {
    id: string;
    slots: SlotInfo[];
    live_release: string;
    generation: number;
    at: string;
    last_staging?: StagingStats | null;
    last_error: string;
  }): void {
    this.db
      .prepare(
        `UPDATE hosts SET slots = @slots, live_release = @live_release, last_generation = max(last_generation, @generation),
           last_seen = @at, last_error = @last_error, last_staging = coalesce(@last_staging, last_staging) WHERE id = @id`,
      )
      .run({
        ...h,
        slots: JSON.stringify(h.slots),
        last_staging: h.last_staging ? JSON.stringify(h.last_staging) : null,
      });
  }

  /** versionDriftCandidates are the hosts running another release than their desired one, with no directive in flight. */
  versionDriftCandidates(): HostRow[] {
    return (
      this.stmt(`SELECT * FROM hosts WHERE desired_release != '' AND live_release != desired_release AND directive_generation <= last_generation ORDER BY id`).all() as Raw[]
    ).map((r) => this.hostFrom(r));
  }

  /** updateHostLive records what a host says it serves now, outside a directive (a drift finding). */
  updateHostLive(id: string, live: string, slots: SlotInfo[], at: string): void {
    this.stmt(`UPDATE hosts SET live_release = ?, slots = ?, last_seen = ? WHERE id = ?`).run(live, JSON.stringify(slots), at, id);
  }

  touchHost(id: string, at: string): void {
    this.stmt(`UPDATE hosts SET last_seen = ? WHERE id = ?`).run(at, id);
  }

  setDirective(hostId: string, d: Directive, desired?: string): void {
    this.stmt(
      `UPDATE hosts SET directive_generation = @generation, directive_kind = @kind, directive_release = @release_id,
         directive_override = @override, desired_release = coalesce(@desired, desired_release) WHERE id = @hostId`,
    ).run({ generation: d.generation, kind: d.kind, release_id: d.release_id, override: d.override ? JSON.stringify(d.override) : null, hostId, desired: desired ?? null });
    if (d.release_id) this.stmt(`INSERT OR IGNORE INTO host_releases(host_id, release_id) VALUES (?, ?)`).run(hostId, d.release_id);
  }

  /** setDesiredRelease records a host's desired release with no directive: it runs it already, or drift puts it right. */
  setDesiredRelease(hostId: string, releaseId: string): void {
    this.stmt(`UPDATE hosts SET desired_release = ? WHERE id = ?`).run(releaseId, hostId);
  }

  // ---- desired-state history ----

  recordDesiredChange(c: Omit<DesiredChange, 'id'>): number {
    const info = this.db
      .prepare(
        `INSERT INTO desired_changes(at, actor, reason, action, from_release, to_release, hosts)
         VALUES (@at, @actor, @reason, @action, @from_release, @to_release, @hosts)`,
      )
      .run({ ...c, hosts: JSON.stringify(c.hosts) });
    return Number(info.lastInsertRowid);
  }

  desiredChanges(): DesiredChange[] {
    return (this.stmt(`SELECT * FROM desired_changes ORDER BY id`).all() as Raw[]).map((r) => ({
      ...(r as unknown as DesiredChange),
      hosts: json(r.hosts, []),
    }));
  }

  // ---- vitals ----

  /** insertVitals writes a batch in one transaction: one commit for thousands of samples. */
  insertVitals(rows: { host: string; s: VitalsSample }[]): void {
    const st = this.stmt(
      `INSERT INTO vitals(ts, host, release, load1, cpu, mem, errors, probed, probe_ok, probe_ms, interval_ms, incidents, error_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const { host, s } of rows) {
        st.run(
          s.ts_ms, host, s.release_id, s.load1, s.cpu_pct, s.mem_pct, s.error_lines, s.probed ? 1 : 0, s.probe_ok ? 1 : 0, s.probe_latency_ms,
          s.interval_ms ?? 0, s.error_incidents ?? 0, s.error_seconds ?? 0,
        );
      }
    })();
  }

  /** vitalsSince reads back recent samples, oldest first: a restarted coordinator's judging window. */
  vitalsSince(ts: number): { host: string; s: VitalsSample }[] {
    return (this.stmt(`SELECT * FROM vitals WHERE ts >= ? ORDER BY ts, rowid`).all(ts) as Raw[]).map(sampleFrom);
  }

  vitalsOf(host: string, from: number, to: number): VitalsSample[] {
    return (this.stmt(`SELECT * FROM vitals WHERE ts >= ? AND ts < ? AND host = ? ORDER BY ts, rowid`).all(from, to, host) as Raw[]).map((r) => sampleFrom(r).s);
  }

  deleteVitalsBefore(ts: number): number {
    return this.stmt(`DELETE FROM vitals WHERE ts < ?`).run(ts).changes;
  }

  countVitals(host?: string): number {
    const r = (host === undefined ? this.stmt(`SELECT count(*) AS n FROM vitals`).get() : this.stmt(`SELECT count(*) AS n FROM vitals WHERE host = ?`).get(host)) as { n: number };
    return r.n;
  }

  // ---- tokens ----

  insertToken(t: TokenRow): void {
    this.stmt(`INSERT INTO tokens(name, role, hash, created_at, created_by, revoked_at) VALUES (@name, @role, @hash, @created_at, @created_by, @revoked_at)`).run(t);
  }

  tokenByHash(hash: string): TokenRow | undefined {
    return this.stmt(`SELECT * FROM tokens WHERE hash = ?`).get(hash) as TokenRow | undefined;
  }

  tokenByName(name: string): TokenRow | undefined {
    return this.stmt(`SELECT * FROM tokens WHERE name = ?`).get(name) as TokenRow | undefined;
  }

  tokens(): TokenRow[] {
    return this.stmt(`SELECT * FROM tokens ORDER BY created_at, name`).all() as TokenRow[];
  }

  revokeToken(name: string, at: string): void {
    this.stmt(`UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL`).run(at, name);
  }

  // ---- audit (append-only: no update, no delete) ----

  appendAudit(e: AuditEntry): void {
    this.stmt(`INSERT INTO audit(id, at, actor, action, target, reason, detail, prev, hash) VALUES (@id, @at, @actor, @action, @target, @reason, @detail, @prev, @hash)`).run(e);
  }

  auditPage(after: number, limit: number): AuditEntry[] {
    return this.stmt(`SELECT * FROM audit WHERE id > ? ORDER BY id LIMIT ?`).all(after, limit) as AuditEntry[];
  }

  lastAudit(): AuditEntry | undefined {
    return this.stmt(`SELECT * FROM audit ORDER BY id DESC LIMIT 1`).get() as AuditEntry | undefined;
  }

  /** auditEntries reads the log in order, in pages, so a long log is never one array. */
  *auditEntries(pageSize = 1000): Generator<AuditEntry> {
    let after = 0;
    for (;;) {
      const page = this.stmt(`SELECT * FROM audit WHERE id > ? ORDER BY id LIMIT ?`).all(after, pageSize) as AuditEntry[];
      yield* page;
      if (page.length < pageSize) return;
      after = (page.at(-1) as AuditEntry).id;
    }
  }

  // ---- drift ----

  insertDriftEvent(e: Omit<DriftEventRow, 'id'>): number {
    const info = this.stmt(
      `INSERT INTO drift_events(host, kind, release_id, paths, path_count, detail, detected_at, action, resolved_at)
       VALUES (@host, @kind, @release_id, @paths, @path_count, @detail, @detected_at, @action, @resolved_at)`,
    ).run({ ...e, paths: JSON.stringify(e.paths) });
    return Number(info.lastInsertRowid);
  }

  updateDriftEvent(id: number, change: Partial<Pick<DriftEventRow, 'paths' | 'path_count' | 'action' | 'resolved_at' | 'detail'>>): void {
    const cols = Object.keys(change);
    if (cols.length === 0) return;
    const values: Raw = { ...change, id };
    if (change.paths) values.paths = JSON.stringify(change.paths);
    this.stmt(`UPDATE drift_events SET ${cols.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id`).run(values);
  }

  openDriftEvents(host?: string): DriftEventRow[] {
    const rows = (host === undefined
      ? this.stmt(`SELECT * FROM drift_events WHERE resolved_at IS NULL ORDER BY id`).all()
      : this.stmt(`SELECT * FROM drift_events WHERE resolved_at IS NULL AND host = ? ORDER BY id`).all(host)) as Raw[];
    return rows.map(driftFrom);
  }

  /** recentDriftEvents is each host's newest events (open or resolved), newest first. */
  recentDriftEvents(perHost: number): DriftEventRow[] {
    return (
      this.stmt(
        `SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY host ORDER BY id DESC) AS n FROM drift_events) WHERE n <= ? ORDER BY host, id DESC`,
      ).all(perHost) as Raw[]
    ).map(driftFrom);
  }

  meta<T>(key: string, fallback: T): T {
    return json(this.rawMeta(key), fallback);
  }

  setMeta(key: string, value: unknown): void {
    this.stmt(`INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(key, JSON.stringify(value));
  }

  // ---- rollouts ----

  private rolloutFrom(r: Raw): RolloutRow {
    return {
      ...(r as unknown as RolloutRow),
      selector: json(r.selector, {}),
      plan: { ...NO_PLAN, ...json(r.plan, {}) },
      verdict: json(r.verdict, null),
    };
  }

  insertRollout(r: Omit<RolloutRow, 'id' | 'wave' | 'phase_started_at' | 'paused_from' | 'ends_as' | 'verdict'>): number {
    const info = this.db
      .prepare(
        `INSERT INTO rollouts(kind, state, release_id, from_release, actor, reason, selector, message, created_at, updated_at, deadline_at, switch_timeout_ms, plan)
         VALUES (@kind, @state, @release_id, @from_release, @actor, @reason, @selector, @message, @created_at, @updated_at, @deadline_at, @switch_timeout_ms, @plan)`,
      )
      .run({ ...r, selector: JSON.stringify(r.selector), plan: JSON.stringify(r.plan) });
    return Number(info.lastInsertRowid);
  }

  updateRollout(id: number, change: RolloutChange): void {
    const cols = Object.keys(change).filter((k) => k !== 'updated_at');
    const sets = [...cols.map((k) => `${k} = @${k}`), 'updated_at = @updated_at'].join(', ');
    const values: Raw = { ...change, id };
    if ('verdict' in change) values.verdict = change.verdict ? JSON.stringify(change.verdict) : null;
    this.stmt(`UPDATE rollouts SET ${sets} WHERE id = @id`).run(values);
  }

  setRolloutPlan(id: number, plan: RolloutPlan): void {
    this.stmt(`UPDATE rollouts SET plan = ? WHERE id = ?`).run(JSON.stringify(plan), id);
  }

  insertVerdict(rolloutId: number, v: Verdict): void {
    this.stmt(`INSERT INTO verdicts(rollout_id, at, phase, outcome, reason, evidence) VALUES (?, ?, ?, ?, ?, ?)`).run(
      rolloutId,
      v.at,
      v.phase,
      v.outcome,
      v.reason,
      JSON.stringify({ metrics: v.metrics, cohorts: v.cohorts }),
    );
  }

  verdicts(rolloutId: number): Verdict[] {
    return (this.stmt(`SELECT * FROM verdicts WHERE rollout_id = ? ORDER BY id`).all(rolloutId) as Raw[]).map((r) => ({
      ...(r as unknown as Verdict),
      ...json(r.evidence, { metrics: [], cohorts: [] }),
      elapsed_ms: 0,
      bake_ms: 0,
    }));
  }

  // ---- the kill switch ----

  halt(): HaltState {
    return this.meta('halt', { halted: false, reason: '', actor: '', at: '' });
  }

  setHalt(h: HaltState): void {
    this.setMeta('halt', h);
  }

  private rawMeta(key: string): string | undefined {
    return (this.stmt(`SELECT value FROM meta WHERE key = ?`).get(key) as { value: string } | undefined)?.value;
  }

  rollout(id: number): RolloutRow | undefined {
    const r = this.stmt(`SELECT * FROM rollouts WHERE id = ?`).get(id) as Raw | undefined;
    return r ? this.rolloutFrom(r) : undefined;
  }

  latestRollout(): RolloutRow | undefined {
    const r = this.stmt(`SELECT * FROM rollouts ORDER BY id DESC LIMIT 1`).get() as Raw | undefined;
    return r ? this.rolloutFrom(r) : undefined;
  }

  activeRollout(): RolloutRow | undefined {
    const r = this.stmt(
      `SELECT * FROM rollouts WHERE state NOT IN ('complete', 'rolled_back', 'aborted', 'failed', 'superseded') ORDER BY id DESC LIMIT 1`,
    ).get() as Raw | undefined;
    return r ? this.rolloutFrom(r) : undefined;
  }

  /** completedRollouts is every rollout that ended complete, newest first: what the join rule reads. */
  completedRollouts(): RolloutRow[] {
    return (this.stmt(`SELECT * FROM rollouts WHERE state = 'complete' ORDER BY id DESC`).all() as Raw[]).map((r) => this.rolloutFrom(r));
  }

  /** newestCompletedRollout is the id of the newest rollout that ended complete; 0 if none did. */
  newestCompletedRollout(): number {
    return (this.stmt(`SELECT coalesce(max(id), 0) AS id FROM rollouts WHERE state = 'complete'`).get() as { id: number }).id;
  }

  /** lastDeployOf finds the newest deploy that put `releaseId` out, for "roll back to the previous release". */
  lastDeployOf(releaseId: string): RolloutRow | undefined {
    const r = this.db
      .prepare(`SELECT * FROM rollouts WHERE kind = 'deploy' AND release_id = ? AND state NOT IN ('staging') AND from_release != '' ORDER BY id DESC LIMIT 1`)
      .get(releaseId) as Raw | undefined;
    return r ? this.rolloutFrom(r) : undefined;
  }

  insertRolloutHost(h: RolloutHostRow): void {
    this.db
      .prepare(
        `INSERT INTO rollout_hosts(rollout_id, host_id, stage, switch, error, stats, cohort, prev_release, switched_at, target)
         VALUES (@rollout_id, @host_id, @stage, @switch, @error, @stats, @cohort, @prev_release, @switched_at, @target)`,
      )
      .run({ ...h, stats: h.stats ? JSON.stringify(h.stats) : null, cohort: cohortName(h.cohort) });
  }

  updateRolloutHost(rolloutId: number, hostId: string, change: Partial<Pick<RolloutHostRow, 'stage' | 'switch' | 'error' | 'stats' | 'switched_at'>>): void {
    this.stmt(
      `UPDATE rollout_hosts SET stage = coalesce(@stage, stage), switch = coalesce(@switch, switch),
         error = coalesce(@error, error), stats = coalesce(@stats, stats), switched_at = coalesce(@switched_at, switched_at)
       WHERE rollout_id = @rolloutId AND host_id = @hostId`,
    ).run({
      stage: change.stage ?? null,
      switch: change.switch ?? null,
      error: change.error ?? null,
      stats: change.stats ? JSON.stringify(change.stats) : null,
      switched_at: change.switched_at ?? null,
      rolloutId,
      hostId,
    });
  }

  rolloutHost(rolloutId: number, hostId: string): RolloutHostRow | undefined {
    const r = this.stmt(`SELECT * FROM rollout_hosts WHERE rollout_id = ? AND host_id = ?`).get(rolloutId, hostId) as Raw | undefined;
    return r ? rolloutHostFrom(r) : undefined;
  }

  /** rolloutCounts counts the hosts taking part (not skipped) by stage and by switch state. */
  rolloutCounts(rolloutId: number): { total: number; stage: Partial<Record<StageState, number>>; switch: Partial<Record<SwitchState, number>> } {
    const rows = this.stmt(
      `SELECT stage, switch, count(*) AS n FROM rollout_hosts WHERE rollout_id = ? AND stage != 'skipped' GROUP BY stage, switch`,
    ).all(rolloutId) as { stage: StageState; switch: SwitchState; n: number }[];
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
    const rows = this.stmt(
      `SELECT cohort, switch, count(*) AS n FROM rollout_hosts WHERE rollout_id = ? AND stage != 'skipped' GROUP BY cohort, switch`,
    ).all(rolloutId) as { cohort: string; switch: SwitchState; n: number }[];
    const out = new Map<string, CohortCounts>();
    for (const r of rows) {
      const c = out.get(r.cohort) ?? { cohort: parseCohort(r.cohort), switch: {} };
      c.switch[r.switch] = r.n;
      out.set(r.cohort, c);
    }
    return [...out.values()];
  }

  rolloutHosts(rolloutId: number): RolloutHostRow[] {
    return (this.stmt(`SELECT * FROM rollout_hosts WHERE rollout_id = ? ORDER BY host_id`).all(rolloutId) as Raw[]).map(rolloutHostFrom);
  }
}

function sampleFrom(r: Raw): { host: string; s: VitalsSample } {
  return {
    host: r.host as string,
    s: {
      ts_ms: r.ts as number,
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

/** storedDirective is the directive a host was last given, as it is sent again (on hello, resume, unhalt). */
export function storedDirective(h: HostRow): Directive {
  return { generation: h.directive_generation, kind: h.directive_kind as DirectiveKind, release_id: h.directive_release, override: h.directive_override };
}

function rolloutHostFrom(r: Raw): RolloutHostRow {
  return { ...(r as unknown as RolloutHostRow), stats: json(r.stats, null), cohort: parseCohort(r.cohort as string) };
}

function releaseFrom(r: Raw): StoredRelease {
  return { ...(r as unknown as StoredRelease), signatures: json(r.signatures, []) };
}

function driftFrom(r: Raw): DriftEventRow {
  return { ...(r as unknown as DriftEventRow), paths: json(r.paths, []) };
}
