import { failpoint } from '../../shared/failpoints.js';
import { groupBy } from '../../shared/group-by.js';
import { COORDINATOR_ACTOR } from '../audit.js';
import { sameCohort, wave as waveCohort, type Cohort } from '../cohorts.js';
import { recordEvent, rolloutFields } from '../events.js';
import type { CohortCounts, RolloutHostRow, RolloutRow } from '../store.js';
import type { Core } from './core.js';
import { seconds } from './text.js';

/**
 * Waves moves a deploy forward cohort by cohort (canary, wave 1, wave 2, ...,
 * watching, complete) and, when it fails, back: each step records the hosts'
 * new desired release and directives in one transaction, then sends them.
 */
export class Waves {
  constructor(
    private readonly core: Core,
    /** evaluate re-reads the rollout: a cohort with no host to wait on moves on at once. */
    private readonly evaluate: (rolloutId: number) => Promise<void>,
  ) {}

  /** nextWave switches the next wave that has hosts, or finishes when none is left. */
  async nextWave(r: RolloutRow, why: string): Promise<void> {
    const counts = await this.core.store.rolloutHosts.switchCounts(r.id);
    let n = r.wave + 1;
    while (!hasCohort(counts, waveCohort(n)) && n <= r.plan.waves.length) n++;
    if (!hasCohort(counts, waveCohort(n))) {
      await this.finishWaves(r);
      return;
    }
    await this.switchCohort(r, waveCohort(n), `${why}; wave ${n} switching`);
  }

  async isLastWave(r: RolloutRow): Promise<boolean> {
    return !(await this.core.store.rolloutHosts.switchCounts(r.id)).some((c) => c.cohort?.kind === 'wave' && c.cohort.n > r.wave);
  }

  async finishWaves(r: RolloutRow): Promise<void> {
    const label = await this.core.label(r.release_id);
    if (r.plan.watch_ms > 0) {
      await this.core.transition(r, 'watching', `every host live on ${label}; watching for ${seconds(r.plan.watch_ms)}`, { phase_started_ms: this.core.now(), deadline_ms: 0 });
    } else {
      await this.core.transition(r, 'complete', `every host live on ${label}`);
      this.core.store.afterCommit(() => failpoint('rollout-after-complete'));
    }
  }

  /** switchCohort tells one cohort to go live, after recording it as their desired state. */
  async switchCohort(r: RolloutRow, cohort: Cohort, why: string): Promise<void> {
    const { store, dispatch } = this.core;
    const n = cohort.kind === 'wave' ? cohort.n : 0;
    await store.tx(async () => {
      // Registered first, so that it runs after the commit and before any directive is sent.
      store.afterCommit(() => failpoint('rollout-after-switch-commit'));
      const rows = (await store.rolloutHosts.of(r.id)).filter((h) => sameCohort(h.cohort, cohort));
      await store.desired.record({
        at_ms: this.core.now(),
        actor: r.actor,
        reason: r.reason,
        // A deploy that switches everyone at once is just a deploy in the history.
        action: cohort.kind === 'canary' ? 'deploy (canary)' : r.plan.canary_hosts === 0 && r.plan.waves.length === 1 ? 'deploy' : `deploy (wave ${n})`,
        from_release: r.from_release,
        to_release: r.release_id,
        hosts: rows.map((h) => h.host_id),
      });
      // A host offline at deploy is told too: it converges when it returns.
      const offline = ids(rows.filter((h) => h.stage === 'skipped'));
      const online = ids(rows.filter((h) => h.stage !== 'skipped'));
      await dispatch.recordAll(offline, 'ACTIVATE', r.release_id, { desired: r.release_id });
      await dispatch.issueAll(online, 'ACTIVATE', r.release_id, { desired: r.release_id });
      await store.rolloutHosts.setSwitch(r.id, online, 'pending');
      await this.core.transition(r, cohort.kind === 'canary' ? 'canary' : 'wave', why, {
        wave: n,
        phase_started_ms: 0,
        deadline_ms: this.core.now() + r.switch_timeout_ms,
      });
    });
    await this.evaluate(r.id);
  }

  /** onFail rolls the switched hosts back, unless the release cannot be: then it pauses and says so. */
  async onFail(r: RolloutRow, why: string): Promise<void> {
    const release = await this.core.store.releases.byId(r.release_id);
    if (release?.irreversible) {
      if (r.state !== 'paused') {
        await this.core.pause(r, {
          by: 'coordinator',
          why: `${why}; NOT rolled back: ${release.label} is irreversible (${release.irreversible}). Decide: fleetswap rollback --force-irreversible --reason TEXT, or resume`,
        });
      }
      return;
    }
    await this.revert(r, 'rolled_back', `rolled back automatically: ${why}`, COORDINATOR_ACTOR);
  }

  /** revert sends every host that took (or was told to take) the release back to the slot it came from. */
  async revert(r: RolloutRow, endsAs: 'rolled_back' | 'aborted', why: string, actor: string): Promise<void> {
    const { store, dispatch, fleet } = this.core;
    let sent = 0;
    await store.tx(async () => {
      const back = (await store.rolloutHosts.of(r.id)).filter((h) => h.switch !== 'queued' && h.switch !== 'reverted' && h.prev_release && h.prev_release !== r.release_id);
      sent = back.filter((h) => fleet.isConnected(h.host_id)).length;
      for (const [prev, hosts] of groupBy(back, (h) => h.prev_release)) await dispatch.issueAll(ids(hosts), 'ACTIVATE', prev, { desired: prev });
      await store.rolloutHosts.setSwitch(r.id, ids(back), 'reverting');
      if (back.length > 0) {
        await store.desired.record({
          at_ms: this.core.now(),
          actor,
          reason: why,
          action: endsAs === 'aborted' ? 'abort' : 'auto-rollback',
          from_release: r.release_id,
          to_release: r.from_release,
          hosts: back.map((h) => h.host_id),
        });
        await this.core.transition(r, 'rolling_back', why, { ends_as: endsAs, deadline_ms: this.core.now() + r.switch_timeout_ms, paused_from: '' });
      } else {
        await this.core.transition(r, endsAs, why, { paused_from: '' });
      }
      if (endsAs === 'rolled_back') {
        await this.core.audit({ actor, action: 'auto-rollback', target: `rollout #${r.id}`, reason: why, detail: { release: r.release_id, to: r.from_release } });
        await recordEvent(store, this.core.now(), { kind: 'rollout.rolled_back', severity: 'critical', actor, reason: why, ...(await rolloutFields(store, r)), detail: { to: r.from_release, hosts: back.length } });
      }
    });
    this.core.log.warn({ rollout: r.id, release: r.release_id, hosts: sent }, why);
  }
}

const ids = (rows: readonly RolloutHostRow[]): string[] => rows.map((h) => h.host_id);

/** hasCohort: a cohort with at least one taking-part host. */
function hasCohort(counts: readonly CohortCounts[], c: Cohort): boolean {
  return counts.some((x) => sameCohort(x.cohort, c));
}

/** countsOf is a cohort's hosts by switch state. */
export function countsOf(counts: readonly CohortCounts[], c: Cohort): CohortCounts['switch'] {
  return counts.find((x) => sameCohort(x.cohort, c))?.switch ?? {};
}
