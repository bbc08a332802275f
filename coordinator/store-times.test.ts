import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChainChecker, GENESIS, entryHash } from '../shared/audit-chain.js';
import type { AuditEntry__Output as AuditEntryWire } from '../shared/gen/fleetswap/v1/AuditEntry.js';
import { cleanup, tempDir } from '../test/fixtures.js';
import { AuditLog } from './audit.js';
import { MIGRATIONS } from './store/schema.js';
import { Store } from './store.js';
import { isoFromMs } from './times.js';

// The migration that made every time INTEGER ms (*_ms): a database at the
// schema before it, with rows in every table written as that fleetswap wrote
// them (ISO text from Date.toISOString), opened by the Store.

const TIMES = MIGRATIONS.findIndex((m) => m.includes('pushed_at_ms'));
const iso = isoFromMs;

// Times the old coordinator could have written: whole seconds, .001 and .999, the epoch, a leap day, 2038 and past it, year 9999.
const EDGES = [0, 1, 999, 1_000, 951_782_400_000, 1_709_164_799_999, 2_147_483_647_000, 2_147_483_648_001, 253_402_300_799_999];
const T = {
  pushed: 1_767_225_600_123,
  firstSeen: 1_767_225_601_000,
  lastSeen: 1_767_225_602_999,
  created: 1_767_225_603_004,
  updated: 1_767_225_604_050,
  deadline: 1_767_225_900_000,
  phaseStarted: 1_767_225_605_500,
  switched: 1_767_225_605_321,
  verdict: 1_767_225_606_789,
  detected: 1_767_225_607_001,
  resolved: 1_767_225_608_002,
  token: 1_767_225_609_010,
  revoked: 1_767_225_610_100,
  vitals: 1_767_225_611_111,
  halted: 1_767_225_612_345,
};
const R1 = 'a'.repeat(64);
const R2 = 'b'.repeat(64);

/** oldDatabase is a database at the schema before the times migration, with a row (or a few) in every table. */
function oldDatabase(path: string, auditTimes: readonly number[]): AuditEntryWire[] {
  const db = new Database(path);
  for (const m of MIGRATIONS.slice(0, TIMES)) db.exec(m);
  db.pragma(`user_version = ${TIMES}`);
  const run = (sql: string, ...params: unknown[]) => db.prepare(sql).run(...params);
  run(`INSERT INTO meta(key, value) VALUES ('drift_policy', '{"default":"report","rules":[]}')`);
  run(`INSERT INTO meta(key, value) VALUES ('halt', ?)`, JSON.stringify({ halted: true, reason: 'incident 7', actor: 'token:root', at: iso(T.halted) }));
  run(
    `INSERT INTO releases(id, label, manifest, owner, notes, irreversible, pushed_by, pushed_at, files, bytes, signatures) VALUES (?, 'v1', ?, 'team', 'notes', '', 'token:alice', ?, 2, 30, '[]')`,
    R1,
    Buffer.from('{}'),
    iso(T.pushed),
  );
  run(
    `INSERT INTO hosts(id, tags, slot_count, slots, live_release, last_generation, first_seen, last_seen, desired_release, directive_generation, directive_kind, directive_release)
     VALUES ('web-1', '{"role":"web"}', 3, '[]', ?, 2, ?, ?, ?, 2, 'ACTIVATE', ?)`,
    R1,
    iso(T.firstSeen),
    iso(T.lastSeen),
    R1,
    R1,
  );
  const change = db.prepare(`INSERT INTO desired_changes(at, actor, reason, action, from_release, to_release, hosts) VALUES (?, 'token:alice', '', 'deploy', '', ?, '["web-1"]')`);
  for (const at of EDGES) change.run(iso(at), R1);
  run(
    `INSERT INTO rollouts(kind, state, release_id, from_release, actor, reason, selector, message, created_at, updated_at, deadline_at, switch_timeout_ms, plan, wave, phase_started_at)
     VALUES ('deploy', 'judging', ?, ?, 'token:alice', 'why', '{}', 'judging', ?, ?, ?, 60000, '{}', 0, ?)`,
    R2,
    R1,
    iso(T.created),
    iso(T.updated),
    T.deadline,
    T.phaseStarted,
  );
  run(`INSERT INTO rollout_hosts(rollout_id, host_id, stage, switch, cohort, prev_release, switched_at) VALUES (1, 'web-1', 'staged', 'done', 'canary', ?, ?)`, R1, T.switched);
  run(`INSERT INTO verdicts(rollout_id, at, phase, outcome, reason, evidence) VALUES (1, ?, 'judging', 'pending', 'too early', '{"metrics":[],"cohorts":[]}')`, iso(T.verdict));
  const drift = db.prepare(`INSERT INTO drift_events(host, kind, release_id, paths, path_count, detail, detected_at, action, resolved_at) VALUES ('web-1', ?, ?, '[]', 0, '', ?, ?, ?)`);
  drift.run('version-drift', R1, iso(T.detected), 'reverted', iso(T.resolved));
  drift.run('content-drift', R1, iso(T.detected), 'reported', null);
  run(`INSERT INTO tokens(name, role, hash, created_at, created_by, revoked_at) VALUES ('ci', 'deployer', 'h1', ?, 'token:root', NULL)`, iso(T.token));
  run(`INSERT INTO tokens(name, role, hash, created_at, created_by, revoked_at) VALUES ('old', 'viewer', 'h2', ?, 'token:root', ?)`, iso(T.token), iso(T.revoked));
  run(`INSERT INTO vitals(ts, host, release, load1, cpu, mem, errors, probed, probe_ok, probe_ms, interval_ms, incidents, error_seconds) VALUES (?, 'web-1', ?, 0.5, 10, 20, 3, 1, 1, 7, 1000, 1, 1)`, T.vitals, R1);
  // The audit log as the coordinator wrote it: each hash over the entry's ISO text.
  const chain: AuditEntryWire[] = [];
  for (const [i, ms] of auditTimes.entries()) {
    const e = { id: i + 1, at: iso(ms), actor: 'token:alice', action: 'deploy', target: `rollout #${i}`, reason: '', detail: '{}', prev: chain.at(-1)?.hash ?? GENESIS };
    chain.push({ ...e, hash: entryHash(e) });
  }
  const audit = db.prepare(`INSERT INTO audit(id, at, actor, action, target, reason, detail, prev, hash) VALUES (@id, @at, @actor, @action, @target, @reason, @detail, @prev, @hash)`);
  for (const e of chain) audit.run(e);
  db.close();
  return chain;
}

/** columns is each column of `table` with its declared type. */
function columns(db: Database.Database, table: string): Record<string, string> {
  return Object.fromEntries((db.pragma(`table_info(${table})`) as { name: string; type: string }[]).map((c) => [c.name, c.type]));
}

describe('the migration to times in ms', () => {
  let dir = '';
  let path = '';
  beforeEach(async () => {
    dir = await tempDir();
    path = join(dir, 'state.db');
  });
  afterEach(() => cleanup(dir));

  it('converts every time in every table to ms, and keeps every other value', async () => {
    oldDatabase(path, [T.created]);
    const store = await Store.sqlite(path);
    expect(await store.schemaVersion()).toBe(MIGRATIONS.length);

    expect(await store.releases.byId(R1)).toEqual({
      id: R1, label: 'v1', manifest: Buffer.from('{}'), owner: 'team', notes: 'notes', irreversible: '', pushed_by: 'token:alice', pushed_at_ms: T.pushed, files: 2, bytes: 30, signatures: [],
    });
    expect(await store.hosts.get('web-1')).toMatchObject({ tags: { role: 'web' }, live_release: R1, last_generation: 2, first_seen_ms: T.firstSeen, last_seen_ms: T.lastSeen, directive_kind: 'ACTIVATE' });
    expect((await store.desired.all()).map((c) => c.at_ms)).toEqual(EDGES);
    expect((await store.desired.all())[0]).toEqual({ id: 1, at_ms: 0, actor: 'token:alice', reason: '', action: 'deploy', from_release: '', to_release: R1, hosts: ['web-1'] });
    expect(await store.rollouts.get(1)).toMatchObject({
      state: 'judging', release_id: R2, from_release: R1, reason: 'why', created_at_ms: T.created, updated_at_ms: T.updated, deadline_ms: T.deadline, phase_started_ms: T.phaseStarted, switch_timeout_ms: 60_000,
    });
    expect(await store.rolloutHosts.get(1, 'web-1')).toMatchObject({ switch: 'done', cohort: { kind: 'canary' }, prev_release: R1, switched_at_ms: T.switched });
    expect(await store.verdicts.of(1)).toEqual([{ at_ms: T.verdict, phase: 'judging', outcome: 'pending', reason: 'too early', metrics: [], cohorts: [] }]);
    expect((await store.driftEvents.recent(10)).map((e) => [e.kind, e.action, e.detected_at_ms, e.resolved_at_ms])).toEqual([
      ['content-drift', 'reported', T.detected, null],
      ['version-drift', 'reverted', T.detected, T.resolved],
    ]);
    expect((await store.driftEvents.open()).map((e) => e.kind)).toEqual(['content-drift']);
    expect(await store.tokens.byName('ci')).toEqual({ name: 'ci', role: 'deployer', hash: 'h1', created_at_ms: T.token, created_by: 'token:root', revoked_at_ms: null });
    expect(await store.tokens.byName('old')).toMatchObject({ created_at_ms: T.token, revoked_at_ms: T.revoked });
    expect(await store.vitals.of('web-1', T.vitals, T.vitals + 1)).toEqual([
      { ts_ms: T.vitals, release_id: R1, load1: 0.5, cpu_pct: 10, mem_pct: 20, error_lines: 3, probed: true, probe_ok: true, probe_latency_ms: 7, interval_ms: 1000, error_incidents: 1, error_seconds: 1 },
    ]);
    expect(await store.audit.last()).toMatchObject({ id: 1, at_ms: T.created });
    expect(await store.meta.get('drift_policy', {})).toEqual({ default: 'report', rules: [] });
    expect(await store.meta.halt()).toEqual({ halted: true, reason: 'incident 7', actor: 'token:root', at_ms: T.halted });
    await store.close();

    // No time is left as text, under its old name or any other.
    const db = new Database(path, { readonly: true });
    try {
      const timeColumns = {
        releases: ['pushed_at_ms'],
        hosts: ['first_seen_ms', 'last_seen_ms'],
        desired_changes: ['at_ms'],
        rollouts: ['created_at_ms', 'updated_at_ms', 'deadline_ms', 'phase_started_ms'],
        rollout_hosts: ['switched_at_ms'],
        verdicts: ['at_ms'],
        drift_events: ['detected_at_ms', 'resolved_at_ms'],
        audit: ['at_ms'],
        tokens: ['created_at_ms', 'revoked_at_ms'],
        vitals: ['ts_ms'],
      };
      for (const [table, names] of Object.entries(timeColumns)) {
        const cols = columns(db, table);
        for (const n of names) expect(cols[n], `${table}.${n}`).toBe('INTEGER');
        const timeLike = Object.keys(cols).filter((c) => /(^at|_at|seen|^ts)$/.test(c));
        expect(timeLike, table).toEqual([]);
      }
      // The indexes on times are on the new columns.
      expect((db.pragma('index_info(drift_events_open)') as { name: string }[]).map((c) => c.name)).toEqual(['resolved_at_ms']);
      expect((db.pragma('index_info(vitals_ts)') as { name: string }[]).map((c) => c.name)).toEqual(['ts_ms']);
      expect(db.prepare(`EXPLAIN QUERY PLAN SELECT * FROM drift_events WHERE resolved_at_ms IS NULL`).all()).toEqual([expect.objectContaining({ detail: expect.stringContaining('drift_events_open') })]);
    } finally {
      db.close();
    }
  });

  it('gives back exactly the ISO text it converted, for any ms a clock could give', () => {
    // A seeded spread over 1970-2100, every millisecond digit.
    let seed = 12345;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const times = [...EDGES, ...Array.from({ length: 2000 }, () => Math.floor(random() * 4_102_444_800_000))];
    const db = new Database(':memory:');
    for (const m of MIGRATIONS.slice(0, TIMES)) db.exec(m);
    const insert = db.prepare(`INSERT INTO desired_changes(at, actor, reason, action, from_release, to_release, hosts) VALUES (?, '', '', '', '', '', '[]')`);
    for (const t of times) insert.run(iso(t));
    db.exec(MIGRATIONS[TIMES] as string);
    const back = (db.prepare(`SELECT at_ms FROM desired_changes ORDER BY id`).all() as { at_ms: number }[]).map((r) => r.at_ms);
    db.close();
    expect(back).toEqual(times);
    expect(back.every(Number.isInteger)).toBe(true);
    expect(back.map(iso)).toEqual(times.map(iso));
  });

  it('fails whole on a time it cannot read, and leaves the database as it was', async () => {
    oldDatabase(path, []);
    const db = new Database(path);
    db.prepare(`UPDATE hosts SET last_seen = 'yesterday'`).run();
    db.close();
    await expect(Store.sqlite(path)).rejects.toThrow(/NOT NULL constraint failed: hosts.last_seen_ms/);
    const after = new Database(path, { readonly: true });
    try {
      expect(after.pragma('user_version', { simple: true })).toBe(TIMES);
      expect(columns(after, 'releases')).toHaveProperty('pushed_at', 'TEXT');
    } finally {
      await after.close();
    }
  });

  it('keeps an audit chain written before it whole: hashes stay over the ISO text', async () => {
    const chain = oldDatabase(path, [...EDGES, T.created, T.created + 1]);
    const store = await Store.sqlite(path);
    let now = T.updated;
    const audit = await AuditLog.open(store, () => now);
    expect(await audit.verify()).toBeUndefined();
    // What the CLI checks: the pages the Audit call sends.
    const sent = await audit.page(0, 1000);
    expect(sent).toEqual(chain);
    const cli = new ChainChecker();
    for (const e of sent) expect(cli.next(e)).toBeUndefined();
    expect(cli.end(chain.length)).toBeUndefined();

    // The chain goes on from the old entries, and a change to an old entry's time still shows.
    now += 1;
    const next = await audit.append({ actor: 'coordinator', action: 'pause', target: 'rollout #1' });
    expect(next).toMatchObject({ id: chain.length + 1, at: iso(now), prev: chain.at(-1)!.hash });
    expect(await audit.verify()).toBeUndefined();
    await store.close();
    const db = new Database(path);
    db.prepare(`UPDATE audit SET at_ms = at_ms + 1 WHERE id = 3`).run();
    db.close();
    const reopened = await Store.sqlite(path);
    expect(await (await AuditLog.open(reopened, () => now)).verify()).toMatchObject({ id: 3, what: 'changed' });
    await reopened.close();
  });
});
