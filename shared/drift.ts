// The fleet drift report: which hosts serve code that differs from what they
// should run. The coordinator produces it as JSON; `cli/drift-html.ts` renders
// it for operators. Types only, plus the display order of the states and the
// words of the other unions, which the coordinator's reply is checked against.

/**
 * DriftState is one host's standing: `in-sync` (live = desired, tree intact),
 * `content-drift` (the live tree differs from its release), `version-drift`
 * (live release is not the desired one), `no-release` (the coordinator has
 * no desired release for it: no complete rollout covers its tags, so it is
 * in sync with nothing), `offline` (no stream to the coordinator),
 * `converging` (a switch or revert is under way).
 */
export type DriftState = 'in-sync' | 'content-drift' | 'version-drift' | 'no-release' | 'offline' | 'converging';

/** PathChange is how one path differs from the release: content, presence, or permission bits. */
export const PATH_CHANGES = ['changed', 'added', 'removed', 'mode'] as const;
export type PathChange = (typeof PATH_CHANGES)[number];

/** DriftPath is one drifted path, relative to the release root. */
export interface DriftPath {
  path: string;
  change: PathChange;
}

export const DRIFT_EVENT_KINDS = ['content-drift', 'version-drift', 'symlink-moved'] as const;

/** DriftEvent is one detected drift, open until `resolved_at` is set. */
export interface DriftEvent {
  kind: (typeof DRIFT_EVENT_KINDS)[number];
  /** The drifted paths; empty for version drift. */
  paths: DriftPath[];
  /** ISO 8601. */
  detected_at: string;
  /** Free text: 'reverted', 'reported', 'reverting', 'reverted (evidence kept in slot 3)', ... */
  action: string;
  /** ISO 8601, or null while the drift is open. */
  resolved_at: string | null;
}

/** DriftHost is one host's line in the report. */
export interface DriftHost {
  host: string;
  tags: Record<string, string>;
  /** Release label (short id if it has no label); '' if none. */
  desired: string;
  /** Release label (short id if it has no label); '' if none. */
  live: string;
  desired_id: string;
  live_id: string;
  state: DriftState;
  /** Changed paths of the open content drift: how many, and the first few (up to 5). */
  paths: { count: number; first: DriftPath[] };
  /** Recent events, newest first, resolved ones included. */
  events: DriftEvent[];
}

/** DriftReport is the whole document, as the coordinator produces it. */
export interface DriftReport {
  /** ISO 8601. */
  generated_at: string;
  coordinator: string;
  /** Hosts per state, and the total. */
  summary: Record<DriftState, number> & { hosts: number };
  hosts: DriftHost[];
}

/** DRIFT_STATES is every state in display order: the drifted first, the healthy last. */
export const DRIFT_STATES: readonly DriftState[] = ['content-drift', 'version-drift', 'no-release', 'converging', 'offline', 'in-sync'];
