// Failpoints let the crash suite kill an agent at a named point with SIGKILL,
// exactly where a power cut or OOM kill could land. FLEETSWAP_FAILPOINT is
// `name` or `name:N` (die on the Nth hit); unset, a failpoint costs one
// comparison.
const spec = process.env.FLEETSWAP_FAILPOINT ?? '';
const [armedName, nth] = spec.split(':');
let hits = 0;

export type Failpoint =
  | 'stage-after-file'
  | 'stage-before-commit'
  | 'slot-after-unmark'
  | 'slot-after-rename'
  | 'swap-after-symlink'
  | 'swap-after-rename';

export function failpoint(name: Failpoint): void {
  if (name !== armedName) return;
  if (++hits >= Number(nth ?? 1)) process.kill(process.pid, 'SIGKILL');
}
