// SQLite's migrations from before PostgreSQL arrived, in order; PRAGMA
// user_version holds how many have run. store/schema.ts continues the list
// for both backends. Never edit a migration that has shipped: add one.
export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE releases (
    id TEXT PRIMARY KEY,
    label TEXT NOT NULL UNIQUE,
    manifest BLOB NOT NULL,
    owner TEXT NOT NULL,
    notes TEXT NOT NULL,
    irreversible TEXT NOT NULL,
    pushed_by TEXT NOT NULL,
    pushed_at TEXT NOT NULL,
    files INTEGER NOT NULL,
    bytes INTEGER NOT NULL
  );
  CREATE TABLE hosts (
    id TEXT PRIMARY KEY,
    tags TEXT NOT NULL,
    slot_count INTEGER NOT NULL,
    slots TEXT NOT NULL,
    live_release TEXT NOT NULL,
    last_generation INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    last_staging TEXT,
    last_error TEXT NOT NULL DEFAULT '',
    desired_release TEXT NOT NULL DEFAULT '',
    directive_generation INTEGER NOT NULL DEFAULT 0,
    directive_kind TEXT NOT NULL DEFAULT '',
    directive_release TEXT NOT NULL DEFAULT ''
  );
  CREATE TABLE desired_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    action TEXT NOT NULL,
    from_release TEXT NOT NULL,
    to_release TEXT NOT NULL,
    hosts TEXT NOT NULL
  );
  CREATE TABLE rollouts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    release_id TEXT NOT NULL,
    from_release TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    selector TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deadline_at INTEGER NOT NULL,
    switch_timeout_ms INTEGER NOT NULL
  );
  CREATE INDEX rollouts_state ON rollouts(state);
  CREATE TABLE rollout_hosts (
    rollout_id INTEGER NOT NULL REFERENCES rollouts(id),
    host_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    switch TEXT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    stats TEXT,
    PRIMARY KEY (rollout_id, host_id)
  );
  `,
  // Vitals: an append-only rowid table keyed by time, the layout that keeps
  // its write rate flat as it grows (a (host, ts) key dirties a page per host
  // per batch). Raw samples are kept briefly; see VitalsSink's retention.
  `
  CREATE TABLE vitals (
    ts INTEGER NOT NULL,
    host TEXT NOT NULL,
    release TEXT NOT NULL,
    load1 REAL NOT NULL,
    cpu REAL NOT NULL,
    mem REAL NOT NULL,
    errors INTEGER NOT NULL,
    probed INTEGER NOT NULL,
    probe_ok INTEGER NOT NULL,
    probe_ms REAL NOT NULL
  );
  CREATE INDEX vitals_ts ON vitals(ts);
  `,
  // Rollouts in phases: the plan fixed at deploy, the wave reached, the
  // judged phase's start, the newest verdict; per host its cohort and where a
  // revert sends it. Every verdict that changed is kept with its evidence.
  `
  ALTER TABLE rollouts ADD COLUMN plan TEXT NOT NULL DEFAULT '{}';
  ALTER TABLE rollouts ADD COLUMN wave INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollouts ADD COLUMN phase_started_at INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollouts ADD COLUMN paused_from TEXT NOT NULL DEFAULT '';
  ALTER TABLE rollouts ADD COLUMN ends_as TEXT NOT NULL DEFAULT '';
  ALTER TABLE rollouts ADD COLUMN verdict TEXT;
  ALTER TABLE rollout_hosts ADD COLUMN cohort TEXT NOT NULL DEFAULT '';
  ALTER TABLE rollout_hosts ADD COLUMN prev_release TEXT NOT NULL DEFAULT '';
  ALTER TABLE rollout_hosts ADD COLUMN switched_at INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE verdicts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rollout_id INTEGER NOT NULL REFERENCES rollouts(id),
    at TEXT NOT NULL,
    phase TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    evidence TEXT NOT NULL
  );
  `,
  // Drift: every finding on a host (content, symlink, version), what was
  // done about it and when it was resolved; kept after resolution for the
  // report. A rollback to a past moment sends hosts to different releases:
  // each host's own target.
  `
  CREATE TABLE drift_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    host TEXT NOT NULL,
    kind TEXT NOT NULL,
    release_id TEXT NOT NULL,
    paths TEXT NOT NULL,
    path_count INTEGER NOT NULL,
    detail TEXT NOT NULL,
    detected_at TEXT NOT NULL,
    action TEXT NOT NULL,
    resolved_at TEXT
  );
  CREATE INDEX drift_events_host ON drift_events(host, id);
  CREATE INDEX drift_events_open ON drift_events(resolved_at) WHERE resolved_at IS NULL;
  ALTER TABLE rollout_hosts ADD COLUMN target TEXT NOT NULL DEFAULT '';
  `,
  // Signed releases: each release's signatures (ed25519 over its id), and
  // which hosts stage releases nobody signed.
  `
  ALTER TABLE releases ADD COLUMN signatures TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE hosts ADD COLUMN unsigned_allowed INTEGER NOT NULL DEFAULT 0;
  `,
  // The audit log: append-only, each entry holding the hash of the one
  // before (coordinator/audit.ts), so a changed or removed entry shows.
  `
  CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev TEXT NOT NULL,
    hash TEXT NOT NULL
  );
  `,
  // API tokens for the admin service: only a hash of each is kept.
  `
  CREATE TABLE tokens (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at TEXT
  );
  `,
  // Per-host directive generations (hosts.directive_generation is the
  // counter; the fleet-wide one in meta is gone), and which releases each
  // host was ever directed to hold: only those are served to it.
  `
  DELETE FROM meta WHERE key = 'generation';
  CREATE TABLE host_releases (
    host_id TEXT NOT NULL,
    release_id TEXT NOT NULL,
    PRIMARY KEY (host_id, release_id)
  ) WITHOUT ROWID;
  INSERT OR IGNORE INTO host_releases SELECT id, desired_release FROM hosts WHERE desired_release != '';
  INSERT OR IGNORE INTO host_releases SELECT id, directive_release FROM hosts WHERE directive_release != '';
  INSERT OR IGNORE INTO host_releases SELECT rh.host_id, r.release_id FROM rollout_hosts rh JOIN rollouts r ON r.id = rh.rollout_id;
  INSERT OR IGNORE INTO host_releases SELECT host_id, target FROM rollout_hosts WHERE target != '';
  `,
  // A rollback's override (signed with a release key) travels with the
  // directive it was given for, and is sent again with it.
  `
  ALTER TABLE hosts ADD COLUMN directive_override TEXT;
  `,
  // What each vitals sample covers, and its error incidents and the seconds
  // they started in. Rows from before hold 0, as samples from older agents do.
  `
  ALTER TABLE vitals ADD COLUMN interval_ms INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE vitals ADD COLUMN incidents INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE vitals ADD COLUMN error_seconds INTEGER NOT NULL DEFAULT 0;
  `,
  // Times are one kind throughout: INTEGER milliseconds since the epoch, in
  // columns named *_ms (and at_ms in the halt kept in meta). ISO 8601 text
  // (Date.toISOString, millisecond precision) converts exactly:
  // unixepoch(..., 'subsec') is the seconds with their milliseconds, and
  // toISOString of the result gives the same text back (audit hashes are over
  // that text: shared/audit-chain.ts). Every time was written by toISOString;
  // one that did not parse would give NULL, which the NOT NULL columns refuse,
  // failing the migration whole rather than losing a time. Columns that held
  // milliseconds already are renamed; indexes on a dropped column go first and
  // come back on its successor (a renamed column keeps its index).
  `
  ALTER TABLE releases ADD COLUMN pushed_at_ms INTEGER NOT NULL DEFAULT 0;
  UPDATE releases SET pushed_at_ms = CAST(round(unixepoch(pushed_at, 'subsec') * 1000) AS INTEGER);
  ALTER TABLE releases DROP COLUMN pushed_at;

  ALTER TABLE hosts ADD COLUMN first_seen_ms INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE hosts ADD COLUMN last_seen_ms INTEGER NOT NULL DEFAULT 0;
  UPDATE hosts SET first_seen_ms = CAST(round(unixepoch(first_seen, 'subsec') * 1000) AS INTEGER),
    last_seen_ms = CAST(round(unixepoch(last_seen, 'subsec') * 1000) AS INTEGER);
  ALTER TABLE hosts DROP COLUMN first_seen;
  ALTER TABLE hosts DROP COLUMN last_seen;

  ALTER TABLE desired_changes ADD COLUMN at_ms INTEGER NOT NULL DEFAULT 0;
  UPDATE desired_changes SET at_ms = CAST(round(unixepoch(at, 'subsec') * 1000) AS INTEGER);
  ALTER TABLE desired_changes DROP COLUMN at;

  ALTER TABLE rollouts ADD COLUMN created_at_ms INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollouts ADD COLUMN updated_at_ms INTEGER NOT NULL DEFAULT 0;
  UPDATE rollouts SET created_at_ms = CAST(round(unixepoch(created_at, 'subsec') * 1000) AS INTEGER),
    updated_at_ms = CAST(round(unixepoch(updated_at, 'subsec') * 1000) AS INTEGER);
  ALTER TABLE rollouts DROP COLUMN created_at;
  ALTER TABLE rollouts DROP COLUMN updated_at;
  ALTER TABLE rollouts RENAME COLUMN deadline_at TO deadline_ms;
  ALTER TABLE rollouts RENAME COLUMN phase_started_at TO phase_started_ms;

  ALTER TABLE rollout_hosts RENAME COLUMN switched_at TO switched_at_ms;

  ALTER TABLE verdicts ADD COLUMN at_ms INTEGER NOT NULL DEFAULT 0;
  UPDATE verdicts SET at_ms = CAST(round(unixepoch(at, 'subsec') * 1000) AS INTEGER);
  ALTER TABLE verdicts DROP COLUMN at;

  DROP INDEX drift_events_open;
  ALTER TABLE drift_events ADD COLUMN detected_at_ms INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE drift_events ADD COLUMN resolved_at_ms INTEGER;
  UPDATE drift_events SET detected_at_ms = CAST(round(unixepoch(detected_at, 'subsec') * 1000) AS INTEGER),
    resolved_at_ms = CAST(round(unixepoch(resolved_at, 'subsec') * 1000) AS INTEGER);
  ALTER TABLE drift_events DROP COLUMN detected_at;
  ALTER TABLE drift_events DROP COLUMN resolved_at;
  CREATE INDEX drift_events_open ON drift_events(resolved_at_ms) WHERE resolved_at_ms IS NULL;

  ALTER TABLE audit ADD COLUMN at_ms INTEGER NOT NULL DEFAULT 0;
  UPDATE audit SET at_ms = CAST(round(unixepoch(at, 'subsec') * 1000) AS INTEGER);
  ALTER TABLE audit DROP COLUMN at;

  ALTER TABLE tokens ADD COLUMN created_at_ms INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE tokens ADD COLUMN revoked_at_ms INTEGER;
  UPDATE tokens SET created_at_ms = CAST(round(unixepoch(created_at, 'subsec') * 1000) AS INTEGER),
    revoked_at_ms = CAST(round(unixepoch(revoked_at, 'subsec') * 1000) AS INTEGER);
  ALTER TABLE tokens DROP COLUMN created_at;
  ALTER TABLE tokens DROP COLUMN revoked_at;

  ALTER TABLE vitals RENAME COLUMN ts TO ts_ms;

  UPDATE meta SET value = json_set(json_remove(value, '$.at'), '$.at_ms', CAST(round(unixepoch(json_extract(value, '$.at'), 'subsec') * 1000) AS INTEGER))
    WHERE key = 'halt';
  `,
];
