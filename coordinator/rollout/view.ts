import { FleetswapError } from '../../shared/errors.js';
import type { Rollout__Output } from '../../shared/gen/fleetswap/v1/Rollout.js';
import { cohortName } from '../cohorts.js';
import type { Store } from '../store.js';
import { isoFromMs } from '../times.js';

/**
 * rolloutView is a rollout as the CLI sees it (status, deploy's answer): cohorts by their stored names.
 * Every field is set, as the CLI decodes it, so the engine's callers read it back as it is sent.
 */
export async function rolloutView(store: Store, id: number): Promise<Rollout__Output> {
  const r = await store.rollouts.get(id);
  if (!r) throw new FleetswapError('BAD_USAGE', `no rollout #${id}`);
  const release = await store.releases.byId(r.release_id);
  return {
    id: r.id,
    kind: r.kind,
    state: r.state,
    release_id: r.release_id,
    release_label: release?.label ?? r.release_id.slice(0, 12),
    from_release: r.from_release,
    actor: r.actor,
    reason: r.reason,
    created_at: isoFromMs(r.created_at_ms),
    updated_at: isoFromMs(r.updated_at_ms),
    message: r.message,
    select: r.selector,
    plan: r.plan,
    wave: r.wave,
    paused_from: r.paused_from,
    verdict: r.verdict,
    phase_started_ms: r.phase_started_ms,
    deadline_ms: r.deadline_ms,
    irreversible: Boolean(release?.irreversible),
    hosts: (await store.rolloutHosts.of(r.id)).map((h) => ({
      host_id: h.host_id,
      stage: h.stage,
      switch: h.switch,
      error: h.error,
      stats: h.stats,
      cohort: cohortName(h.cohort),
      prev_release: h.prev_release,
      switched_at_ms: h.switched_at_ms,
    })),
  };
}
