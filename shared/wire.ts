// TypeScript mirror of proto/fleetswap.proto as @grpc/proto-loader decodes it
// (keepCase, longs as Number, enums as String, defaults filled in).

export type ReportKind = 'STAGED' | 'ACTIVATED' | 'FAILED' | 'REVERTED';
export type DirectiveKind = 'STAGE' | 'ACTIVATE';

export interface SlotInfo {
  index: number;
  release_id: string;
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
  body?: 'hello' | 'report' | 'vitals';
}

export interface Directive {
  generation: number;
  kind: DirectiveKind;
  release_id: string;
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
}

export type RolloutKind = 'deploy' | 'rollback';
export type RolloutState = 'staging' | 'switching' | 'complete' | 'failed' | 'superseded';
export type StageState = 'pending' | 'staged' | 'failed' | 'skipped';
export type SwitchState = 'pending' | 'done' | 'failed';

export interface RolloutHost {
  host_id: string;
  stage: StageState;
  switch: SwitchState;
  error: string;
  stats?: StagingStats | null;
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
}

export interface DeployRequest {
  release: string;
  select: Record<string, string>;
  canary: number;
  skip_offline: boolean;
  actor: string;
  reason: string;
  stage_timeout_ms: number;
  switch_timeout_ms: number;
}

export interface RollbackRequest {
  to: string;
  select: Record<string, string>;
  actor: string;
  reason: string;
}

export interface StatusReply {
  rollout?: Rollout | null;
  live_counts: Record<string, number>;
  hosts: number;
  connected: number;
  labels: Record<string, string>;
  vitals?: VitalsCounters | null;
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

export const TERMINAL_ROLLOUT_STATES: ReadonlySet<RolloutState> = new Set(['complete', 'failed', 'superseded']);
