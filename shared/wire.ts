// TypeScript mirror of proto/fleetswap.proto as @grpc/proto-loader decodes it
// (keepCase, longs as Number, enums as String, defaults filled in).

import type { DriftEvent, DriftHost, DriftPath, DriftState } from './drift.js';
import type { Override } from './override.js';
import type { DirectiveKind, JudgedMetric, ReportKind, RolloutKind, RolloutState, StageState, SwitchState, VerdictOutcome } from './domain.js';

export type { DirectiveKind, HostDirective, JudgedMetric, ReportKind, RolloutKind, RolloutState, StageState, SwitchState, VerdictOutcome } from './domain.js';
export { AT_FULL_FLEET, TERMINAL_ROLLOUT_STATES } from './domain.js';

export interface SlotInfo {
  index: number;
  release_id: string;
  evidence?: boolean;
}

export interface DriftReportMsg {
  kind: 'content' | 'symlink' | 'clean';
  release_id: string;
  paths: DriftPath[];
  path_count: number;
  detected_at_ms: number;
  detail: string;
  live_release: string;
  slots: SlotInfo[];
}

export interface Hello {
  host_id: string;
  tags: Record<string, string>;
  slot_count: number;
  slots: SlotInfo[];
  live_release: string;
  last_generation: number;
  agent_version: string;
  last_report?: Report | null;
  unsigned_allowed: boolean;
}

export interface StagingStats {
  bytes_fetched: number;
  blobs_fetched: number;
  blobs_reused: number;
  duration_ms: number;
  files: number;
  bytes_total: number;
  manifest_bytes: number;
}

export interface Report {
  generation: number;
  kind: ReportKind;
  release_id: string;
  error_code: string;
  error: string;
  stats?: StagingStats | null;
  live_release: string;
  slots: SlotInfo[];
}

export interface VitalsSample {
  ts_ms: number;
  release_id: string;
  load1: number;
  cpu_pct: number;
  mem_pct: number;
  error_lines: number;
  probed: boolean;
  probe_ok: boolean;
  probe_latency_ms: number;
  // Optional here only so hand-built samples (simulations, tests) may leave
  // them out; decoded from the wire they are always set, 0 from an agent
  // older than these fields.
  /** The time this sample covers, since the previous sample was taken, ms. */
  interval_ms?: number;
  /** Error incidents that started in the interval (a multi-line stack trace is one). */
  error_incidents?: number;
  /** Distinct whole seconds of the host clock, within the interval, in which an incident started. */
  error_seconds?: number;
}

export interface VitalsBatch {
  samples: VitalsSample[];
  dropped: number;
}

export interface VitalsCounters {
  received: number;
  stored: number;
  refused: number;
  dropped_by_agents: number;
}

export interface AgentMessage {
  hello?: Hello | null;
  report?: Report | null;
  vitals?: VitalsBatch | null;
  drift?: DriftReportMsg | null;
  body?: 'hello' | 'report' | 'vitals' | 'drift';
}

export interface Directive {
  generation: number;
  kind: DirectiveKind;
  release_id: string;
  /** Decoded as null when unset. */
  override?: Override | null;
}

export interface BlobChunk {
  hash: string;
  data: Buffer;
  last: boolean;
}

export interface Release {
  id: string;
  label: string;
  owner: string;
  notes: string;
  irreversible: string;
  pushed_by: string;
  pushed_at: string;
  files: number;
  bytes: number;
  signed_by: string[];
}

export interface RolloutHost {
  host_id: string;
  stage: StageState;
  switch: SwitchState;
  error: string;
  stats?: StagingStats | null;
  cohort: string;
  prev_release: string;
  switched_at_ms: number;
}

export interface MetricEvidence {
  metric: JudgedMetric;
  versus: 'baseline' | 'before';
  canary: number;
  base: number;
  effect: number;
  statistic: number;
  p: number;
  threshold: number;
  outcome: 'ok' | 'fail' | 'no-data';
  detail: string;
  /** This test's part of the phase's alpha (e.g. 0.008 of 0.01), declared when the phase started; 0: shown, never decisive. */
  alpha_share?: number;
  /** What the test must rule out before it fails: errors, a rate ratio (the null it tests); others, a change in the metric's units. */
  tolerance?: number;
  /** What canary and base measure, for operators; begins "change in " when they are changes from each host's own past. Empty or absent from an older coordinator. */
  unit?: string;
}

export interface CohortVitals {
  cohort: 'canary' | 'baseline';
  hosts: number;
  reporting: number;
  samples: number;
  load1: number;
  cpu_pct: number;
  mem_pct: number;
  errors_per_min: number;
  probe_ms: number;
  probe_failures: number;
}

export interface Verdict {
  outcome: VerdictOutcome;
  at: string;
  phase: string;
  reason: string;
  elapsed_ms: number;
  bake_ms: number;
  metrics: MetricEvidence[];
  cohorts: CohortVitals[];
}

export interface RolloutPlan {
  canary_hosts: number;
  waves: number[];
  bake_ms: number;
  wave_bake_ms: number;
  watch_ms: number;
  manual_promote: boolean;
  spread: string;
}

export interface Rollout {
  id: number;
  kind: RolloutKind;
  state: RolloutState;
  release_id: string;
  release_label: string;
  from_release: string;
  actor: string;
  reason: string;
  created_at: string;
  updated_at: string;
  message: string;
  hosts: RolloutHost[];
  select: Record<string, string>;
  plan?: RolloutPlan | null;
  wave: number;
  paused_from: string;
  verdict?: Verdict | null;
  phase_started_ms: number;
  deadline_ms: number;
  irreversible: boolean;
}

export interface DeployRequest {
  release: string;
  select: Record<string, string>;
  /** hosts ("3") or a share ("5%"); empty for the default */
  canary: string;
  skip_offline: boolean;
  actor: string;
  reason: string;
  stage_timeout_ms: number;
  switch_timeout_ms: number;
  waves: string;
  bake: string;
  wave_bake: string;
  watch_for: string;
  manual_promote: boolean;
  supersede: boolean;
}

export { ALL_AT_ONCE } from './plan.js';

export interface RollbackRequest {
  to: string;
  select: Record<string, string>;
  actor: string;
  reason: string;
  force_irreversible: boolean;
  /** Signed by a release key (rollback --sign-key); decoded as null when unset. */
  override?: Override | null;
}

export interface RolloutAction {
  rollout_id: number;
  actor: string;
  reason: string;
  force_irreversible: boolean;
}

export interface HaltRequest {
  actor: string;
  reason: string;
}

export interface HaltState {
  halted: boolean;
  reason: string;
  actor: string;
  at: string;
}

export interface StatusReply {
  rollout?: Rollout | null;
  live_counts: Record<string, number>;
  hosts: number;
  connected: number;
  labels: Record<string, string>;
  vitals?: VitalsCounters | null;
  halt?: HaltState | null;
  now_ms: number;
  insecure: boolean;
  /** What was refused at the coordinator's edge since start, by kind. */
  refusals: Record<string, number>;
  /** Hosts the coordinator has no desired release for: no complete rollout covers their tags. */
  no_release: number;
}

export interface Host {
  id: string;
  tags: Record<string, string>;
  connected: boolean;
  last_seen: string;
  live_release: string;
  desired_release: string;
  slot_count: number;
  slots: SlotInfo[];
  last_staging?: StagingStats | null;
  last_error: string;
  last_vitals?: VitalsSample | null;
  unsigned_allowed: boolean;
  /** As in the drift report: in-sync, no-release (nothing desired for it), offline, ... */
  state: DriftState;
}

export interface DesiredChange {
  id: number;
  at: string;
  actor: string;
  reason: string;
  action: string;
  from_release: string;
  to_release: string;
  hosts: string[];
}

/** A drift event on the wire: protobuf has no null, so an open event's resolved_at is ''. */
export type DriftEventWire = Omit<DriftEvent, 'resolved_at'> & { resolved_at: string; path_count: number; detail: string };

/** A report row on the wire: the paths of an open content drift are flat fields there. */
export type DriftHostWire = Omit<DriftHost, 'paths' | 'events'> & { path_count: number; first_paths: DriftPath[]; events: DriftEventWire[] };

export interface DriftReportReply {
  generated_at: string;
  summary: Record<string, number>;
  hosts: DriftHostWire[];
}

export interface DriftPoliciesWire {
  default_policy: string;
  rules: { select: Record<string, string>; policy: string }[];
}

export interface AuditEntryWire {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  reason: string;
  detail: string;
  prev: string;
  hash: string;
}
