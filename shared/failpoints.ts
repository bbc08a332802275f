// Failpoints let the fault suites kill an agent or the coordinator with
// SIGKILL at a named point, exactly where a power cut or OOM kill could land.
// FLEETSWAP_FAILPOINT is `name` or `name:N` (die on the Nth hit); unset, a
// failpoint costs one comparison.
const spec = process.env.FLEETSWAP_FAILPOINT ?? '';
const [armedName, nth] = spec.split(':');
let hits = 0;

export type AgentFailpoint =
  | 'stage-after-blob-write'
  | 'stage-after-file'
  | 'stage-before-commit'
  | 'slot-after-unmark'
  | 'slot-after-rename'
  | 'swap-after-symlink'
  | 'swap-after-rename'
  | 'agent-after-persist';

export type CoordinatorFailpoint = 'rollout-after-stage-commit' | 'rollout-after-switch-commit' | 'rollout-after-complete';

export type Failpoint = AgentFailpoint | CoordinatorFailpoint;

export function failpoint(name: Failpoint): void {
  if (name !== armedName) return;
  if (++hits >= Number(nth ?? 1)) process.kill(process.pid, 'SIGKILL');
}
