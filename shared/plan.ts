import { parseDuration } from './duration.js';
import { FleetswapError } from './errors.js';
import type { DeployRequest__Output } from './gen/fleetswap/v1/DeployRequest.js';
import type { RolloutPlan__Output } from './gen/fleetswap/v1/RolloutPlan.js';

/** Defaults that suit a fleet of hundreds: a 5% canary judged for a minute, three waves, five minutes of watch. */
export const DEFAULT_PLAN = {
  canary: '5%',
  waves: '25%,50%,100%',
  bake: '60s',
  waveBake: '30s',
  watchFor: '5m',
} as const;

/**
 * ALL_AT_ONCE_PLAN fills what `--canary 0` leaves out. No canary means the
 * operator asked for everything at once: one wave of every host, and no bake
 * or watch they did not ask for (a watch would judge the hosts only against
 * their own past, and roll the whole fleet back on that alone).
 */
export const ALL_AT_ONCE_PLAN = {
  waves: '100%',
  bake: '0s',
  waveBake: '0s',
  watchFor: '0s',
} as const;

/** ALL_AT_ONCE are the phase settings of a plain two-phase deploy: stage everywhere, then switch everyone. */
export const ALL_AT_ONCE = {
  canary: '0',
  waves: '100%',
  bake: '0s',
  wave_bake: '0s',
  watch_for: '0s',
  manual_promote: false,
  supersede: false,
} as const satisfies Partial<DeployRequest__Output>;

/**
 * planOf turns a deploy request's phase settings into the plan stored with
 * the rollout. `hosts` is how many hosts take part; the canary is at least
 * one host when a share is asked for, and never the whole fleet unless asked.
 * A setting given explicitly always wins; what is left out comes from
 * DEFAULT_PLAN, or from ALL_AT_ONCE_PLAN when the canary is 0.
 */
export function planOf(req: Pick<DeployRequest__Output, 'canary' | 'waves' | 'bake' | 'wave_bake' | 'watch_for' | 'manual_promote'>, hosts: number): RolloutPlan__Output {
  const canaryHosts = canaryCount(req.canary || DEFAULT_PLAN.canary, hosts);
  // Only an explicit 0 (or 0%) gives no canary: a share of any fleet is at least one host.
  const d = canaryHosts === 0 ? ALL_AT_ONCE_PLAN : DEFAULT_PLAN;
  return {
    canary_hosts: canaryHosts,
    waves: parseWaves(req.waves || d.waves),
    bake_ms: parseDuration(req.bake || d.bake),
    wave_bake_ms: parseDuration(req.wave_bake || d.waveBake),
    watch_ms: parseDuration(req.watch_for || d.watchFor),
    manual_promote: req.manual_promote,
    spread: '',
  };
}

function canaryCount(spec: string, hosts: number): number {
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(spec);
  if (pct) {
    const p = Number(pct[1]);
    if (p > 100) throw new FleetswapError('BAD_USAGE', `bad --canary "${spec}": a share is at most 100%`);
    // A share under 100% keeps a host on the old release, so the canaries have a baseline.
    const most = p < 100 && hosts > 1 ? hosts - 1 : hosts;
    // p * hosts first: (p / 100) * hosts drifts (29% of 50 gives 14.499..., rounded down).
    return p === 0 ? 0 : Math.min(most, Math.max(1, Math.round((p * hosts) / 100)));
  }
  // JSON.stringify escapes a newline in the flag, so the message stays one line.
  if (!/^\d+$/.test(spec)) throw new FleetswapError('BAD_USAGE', `bad --canary ${JSON.stringify(spec)}: give a number of hosts (3) or a share (5%)`);
  const n = Number(spec);
  if (n > hosts) throw new FleetswapError('BAD_USAGE', `--canary ${n} is more than the ${hosts} host(s) taking part`);
  return n;
}

export function parseWaves(spec: string): number[] {
  // Quoted with JSON.stringify, as in canaryCount, so a newline in the flag cannot split the message.
  const waves = spec.split(',').map((w) => {
    const m = /^\s*(\d+(?:\.\d+)?)%\s*$/.exec(w);
    if (!m) throw new FleetswapError('BAD_USAGE', `bad --waves ${JSON.stringify(spec)}: give rising shares ending at 100%, e.g. 25%,50%,100%`);
    return Number(m[1]);
  });
  const rising = waves.every((w, i) => w > 0 && (i === 0 || w > (waves[i - 1] as number)));
  if (!rising || waves.at(-1) !== 100) throw new FleetswapError('BAD_USAGE', `bad --waves ${JSON.stringify(spec)}: give rising shares ending at 100%, e.g. 25%,50%,100%`);
  return waves;
}
