import { FleetswapError } from './errors.js';
import type { DirectiveKind__Output } from './gen/fleetswap/v1/DirectiveKind.js';
import type { ReportKind__Output } from './gen/fleetswap/v1/ReportKind.js';

// The wire types are generated from proto/ into shared/gen/ (npm run
// gen:proto). Proto enums and strings carry any value a peer sends: an
// enum's zero value, a number from a newer peer, a word nobody defined.
// These are the unions the code narrows them to, and the guards that narrow
// them where a value comes off the wire, refusing what is outside.

/** What an agent is told: the proto enum without its zero value (no kind at all). */
const DIRECTIVE_KINDS = ['STAGE', 'ACTIVATE', 'REPAIR', 'CLEAN'] as const satisfies readonly DirectiveKind__Output[];
export type DirectiveKind = (typeof DIRECTIVE_KINDS)[number];
/** The directives sent to one host outside a rollout (drift repair, evidence clean-up). */
export type HostDirective = Exclude<DirectiveKind, 'STAGE'>;

/** How a directive ended on a host: the proto enum without its zero value. */
const REPORT_KINDS = ['STAGED', 'ACTIVATED', 'FAILED', 'REVERTED', 'REPAIRED', 'CLEANED'] as const satisfies readonly ReportKind__Output[];
export type ReportKind = (typeof REPORT_KINDS)[number];

/** What a host found in its live tree (DriftReport.kind). */
const DRIFT_KINDS = ['content', 'symlink', 'clean'] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

export type RolloutKind = 'deploy' | 'rollback';
export type RolloutState =
  | 'staging'
  | 'canary'
  | 'judging'
  | 'wave'
  | 'watching'
  | 'paused'
  | 'rolling_back'
  | 'switching'
  | 'complete'
  | 'rolled_back'
  | 'aborted'
  | 'failed'
  | 'superseded';
export type StageState = 'pending' | 'staged' | 'failed' | 'skipped';
/**
 * queued: staged, waiting for its cohort's turn; pending: told to switch;
 * done: live on the release; failed: could not switch; reverting / reverted:
 * being put back / put back on the release it came from.
 */
export type SwitchState = 'queued' | 'pending' | 'done' | 'failed' | 'reverting' | 'reverted';

export type VerdictOutcome = 'pending' | 'pass' | 'fail' | 'hold';
export type JudgedMetric = 'errors' | 'load1' | 'cpu_pct' | 'probe_ms';
/** What a test compares the canaries with: the baseline cohort, or their own minutes before the switch. */
export type Versus = 'baseline' | 'before';
export type EvidenceOutcome = 'ok' | 'fail' | 'no-data';
export type JudgedCohort = 'canary' | 'baseline';

// Sets of strings, not of RolloutState: the CLI asks them about a state as
// it came off the wire, which a newer coordinator may spell otherwise.
export const TERMINAL_ROLLOUT_STATES: ReadonlySet<string> = new Set<RolloutState>(['complete', 'rolled_back', 'aborted', 'failed', 'superseded']);
/** A deploy's phases after which the new release is on every selected host. */
export const AT_FULL_FLEET: ReadonlySet<string> = new Set<RolloutState>(['watching', 'complete']);

const isOneOf = <T extends string>(values: readonly T[], v: unknown): v is T => typeof v === 'string' && (values as readonly string[]).includes(v);
/** shown quotes a received value for a one-line message: a number from a newer peer, or text cut short. */
const shown = (v: unknown) => JSON.stringify(typeof v === 'string' ? v.slice(0, 40) : v) ?? String(v);

/** parseDirectiveKind is what an agent is told to do, or a refusal: a kind it does not know is never guessed at. */
export function parseDirectiveKind(kind: unknown): DirectiveKind {
  if (isOneOf(DIRECTIVE_KINDS, kind)) return kind;
  throw new FleetswapError('BAD_DIRECTIVE', `the coordinator sent directive kind ${shown(kind)}, which this agent does not know (${DIRECTIVE_KINDS.join(', ')}); refused`);
}

/** parseReportKind is how a host says a directive ended, or a refusal of its report. */
export function parseReportKind(kind: unknown): ReportKind {
  if (isOneOf(REPORT_KINDS, kind)) return kind;
  throw new FleetswapError('BAD_USAGE', `unknown report kind ${shown(kind)}`);
}

/** parseDriftKind is what a host's drift report found, or a refusal of the report. */
export function parseDriftKind(kind: unknown): DriftKind {
  if (isOneOf(DRIFT_KINDS, kind)) return kind;
  throw new FleetswapError('BAD_USAGE', `unknown drift kind ${shown(kind)}`);
}
