import { isDuration, parseDuration } from '../../shared/duration.js';
import { groupBy } from '../../shared/group-by.js';
import { FleetswapError } from '../../shared/errors.js';
import { failpoint } from '../../shared/failpoints.js';
import { planOf } from '../../shared/plan.js';
import { TERMINAL_ROLLOUT_STATES } from '../../shared/domain.js';
import type { DeployRequest__Output } from '../../shared/gen/fleetswap/v1/DeployRequest.js';
import type { RollbackRequest__Output } from '../../shared/gen/fleetswap/v1/RollbackRequest.js';
import type { RolloutAction__Output } from '../../shared/gen/fleetswap/v1/RolloutAction.js';
import { assignCohorts, CANARY, parseCohort, spreadOrder, wave, type Cohort } from '../cohorts.js';
import { resolveRelease } from '../releases.js';
import { NO_PLAN, type HostRow, type RolloutRow, type StoredRelease } from '../store.js';
import { isoFromMs } from '../times.js';
import type { Core } from './core.js';
import { DEFAULT_STAGE_TIMEOUT_MS, DEFAULT_SWITCH_TIMEOUT_MS, isBaking, phaseTimeout } from './moves.js';
import type { Progress } from './progress.js';
import { byWhom, listIds, mostCommon } from './text.js';

/**
 * Actions are what operators ask of rollouts: deploy, rollback, promote,
 * pause, resume, abort. Each checks what is asked, records it in one
 * transaction, and leaves the sending to Dispatch; the caller (admin-service)
 * commits it together with its audit entry.
 */
export class Actions {
  constructor(
    private readonly core: Core,
    private readonly progress: Progress,
  ) {}

  /** deploy stages a release on the selected hosts; a rollout in its watch is ended by it, any other refuses it unless superseded. */
  async deploy(req: DeployRequest__Output): Promise<number> {
    const { store, fleet } = this.core;
    await this.core.refuseWhileHalted('deploy');
    const release = await resolveRelease(store, req.release);
    const selected = await this.select(req.select);
    const offline = selected.filter((h) => !fleet.isConnected(h.id));
    if (offline.length > 0 && !req.skip_offline) {
      throw new FleetswapError(
        'HOSTS_OFFLINE',
        `${offline.length} selected host(s) offline: ${listIds(offline)}; bring them back or add --skip-offline (they converge when they return)`,
      );
    }
    const online = selected.filter((h) => fleet.isConnected(h.id));
    if (online.length === 0) throw new FleetswapError('NO_HOSTS', 'every selected host is offline; nothing to deploy to');
    const plan = planOf(req, online.length);
    const active = await store.rollouts.active();
    if (active && active.state !== 'watching' && !req.supersede) {
      throw new FleetswapError(
        'ROLLOUT_ACTIVE',
        `rollout #${active.id} (${await this.core.label(active.release_id)}) is ${active.state}: wait for it (fleetswap status --watch), abort it (fleetswap abort), or replace it with deploy --supersede`,
      );
    }

    const id = await store.tx(async () => {
      // Registered first, so that it runs after the commit and before any directive is sent.
      store.afterCommit(() => failpoint('rollout-after-stage-commit'));
      const at = this.core.now();
      const rolloutId = await store.rollouts.insert({
        kind: 'deploy',
        state: 'staging',
        release_id: release.id,
        from_release: mostCommon(selected.map((h) => h.desired_release || h.live_release)),
        actor: req.actor,
        reason: req.reason,
        selector: req.select,
        message: `staging ${release.label} on ${online.length} host(s)`,
        created_at_ms: at,
        updated_at_ms: at,
        deadline_ms: at + (req.stage_timeout_ms || DEFAULT_STAGE_TIMEOUT_MS),
        switch_timeout_ms: req.switch_timeout_ms || DEFAULT_SWITCH_TIMEOUT_MS,
        plan,
      });
      if (active) {
        const why = active.state === 'watching' ? `watch ended early: rollout #${rolloutId} deploys ${release.label}` : `superseded by rollout #${rolloutId}`;
        await this.core.transition(active, active.state === 'watching' ? 'complete' : 'superseded', why);
      }
      const { order, keys } = spreadOrder(online, rolloutId);
      const cohorts = new Map<string, Cohort | null>([...assignCohorts(order.map((h) => h.id), plan.canary_hosts, plan.waves)].map(([h, c]) => [h, parseCohort(c)]));
      const waves = Math.max(0, ...[...cohorts.values()].map((c) => (c?.kind === 'wave' ? c.n : 0)));
      // Offline hosts are told to switch with the last wave; they converge when they return.
      const lastCohort = waves > 0 ? wave(waves) : CANARY;
      const staging = new Set(online.map((h) => h.id));
      await store.rolloutHosts.insert(
        selected.map((h) => {
          const isOnline = staging.has(h.id);
          return {
            rollout_id: rolloutId,
            host_id: h.id,
            stage: isOnline ? 'pending' : 'skipped',
            switch: 'queued',
            error: isOnline ? '' : 'offline at deploy; converges when it returns',
            stats: null,
            cohort: cohorts.get(h.id) ?? lastCohort,
            prev_release: h.live_release,
            switched_at_ms: 0,
            target: '',
          };
        }),
      );
      await this.core.dispatch.issueAll([...staging], 'STAGE', release.id);
      plan.spread = keys.join(',');
      await store.rollouts.setPlan(rolloutId, plan);
      return rolloutId;
    });
    this.core.log.info({ rollout: id, release: release.id, hosts: online.length, canary: plan.canary_hosts }, 'deploy started: staging');
    return id;
  }

  async rollback(req: RollbackRequest__Output): Promise<number> {
    const { store, fleet } = this.core;
    await this.core.refuseWhileHalted('roll back');
    const selected = await this.select(req.select);
    const running = (h: HostRow) => h.desired_release || h.live_release;
    const current = mostCommon(selected.map(running));
    const targets = await this.rollbackTargets(req.to, selected, current);
    // Any host leaving an irreversible release counts, not only the majority's release.
    // Each release is looked up once: a fleet runs a handful, not one per host.
    const leaving = new Set<string>();
    for (const h of selected) for (const id of [running(h), h.live_release]) if (id && id !== targets.get(h.id)) leaving.add(id);
    for (const id of leaving) {
      const release = await store.releases.byId(id);
      if (release?.irreversible) refuseIrreversible(release.label, release.irreversible, req);
    }
    // The override is signed for one release: a rollback elsewhere would only be refused by every host.
    const stray = req.override ? [...targets.values()].find((t) => t !== req.override?.target) : undefined;
    if (stray) throw new FleetswapError('BAD_USAGE', `the override is signed for release ${req.override?.target.slice(0, 12)}, and this rollback goes to ${await this.core.label(stray)}: sign it for that release (--to)`);
    const main = mostCommon([...targets.values()]);
    const ago = isDuration(req.to);
    const labels: string[] = [];
    for (const t of new Set(targets.values())) labels.push(await this.core.label(t));
    const id = await store.tx(async () => {
      const at = this.core.now();
      const active = await store.rollouts.active();
      const rolloutId = await store.rollouts.insert({
        kind: 'rollback',
        state: 'switching',
        release_id: main,
        from_release: current,
        actor: req.actor,
        reason: req.reason,
        selector: req.select,
        message: `switching ${selected.length} host(s) to ${labels.join(', ')}${ago ? ` (what each ran ${req.to} ago)` : ''}`,
        created_at_ms: at,
        updated_at_ms: at,
        deadline_ms: at + DEFAULT_SWITCH_TIMEOUT_MS,
        switch_timeout_ms: DEFAULT_SWITCH_TIMEOUT_MS,
        plan: NO_PLAN,
      });
      if (active) await this.core.transition(active, 'superseded', `superseded by rollback #${rolloutId}`);
      // One history entry per target release, so "which hosts" stays exact.
      for (const target of new Set(targets.values())) {
        const hosts = selected.filter((h) => targets.get(h.id) === target);
        await store.desired.record({
          at_ms: at,
          actor: req.actor,
          reason: req.reason,
          action: `${ago ? `rollback to ${req.to} ago` : 'rollback'}${req.force_irreversible ? ' (forced past irreversible)' : ''}`,
          from_release: mostCommon(hosts.map(running)),
          to_release: target,
          hosts: hosts.map((h) => h.id),
        });
      }
      const online = new Set(selected.filter((h) => fleet.isConnected(h.id)).map((h) => h.id));
      await store.rolloutHosts.insert(
        selected.map((h) => {
          const target = targets.get(h.id) as string;
          return {
            rollout_id: rolloutId,
            host_id: h.id,
            stage: online.has(h.id) ? 'staged' : 'skipped',
            switch: h.live_release === target ? 'done' : 'pending',
            error: online.has(h.id) ? '' : 'offline; converges when it returns',
            stats: null,
            cohort: null,
            prev_release: h.live_release,
            switched_at_ms: 0,
            target: target === main ? '' : target,
          };
        }),
      );
      // Offline hosts get theirs when they next say hello.
      for (const [target, hosts] of groupBy(selected, (h) => targets.get(h.id) as string)) {
        const opts = { desired: target, override: req.override ?? undefined };
        await this.core.dispatch.issueAll(hosts.filter((h) => online.has(h.id)).map((h) => h.id), 'ACTIVATE', target, opts);
        await this.core.dispatch.recordAll(hosts.filter((h) => !online.has(h.id)).map((h) => h.id), 'ACTIVATE', target, opts);
      }
      return rolloutId;
    });
    this.core.log.info({ rollout: id, release: main, hosts: selected.length }, 'rollback started');
    await this.progress.evaluate(id);
    return id;
  }

  /**
   * rollbackTargets is each selected host's release to go back to: a named
   * release for all; with a duration, the release each host was meant to run
   * that long ago (hosts changed at different times); by default where the
   * active deploy came from, or the release before the current one.
   */
  private async rollbackTargets(to: string, selected: HostRow[], current: string): Promise<Map<string, string>> {
    const { store } = this.core;
    if (isDuration(to)) {
      const at = this.core.now() - parseDuration(to);
      const history = (await store.desired.all()).filter((c) => c.at_ms <= at);
      const out = new Map<string, string>();
      const never: string[] = [];
      for (const h of selected) {
        const last = history.findLast((c) => c.hosts.includes(h.id));
        if (last) out.set(h.id, last.to_release);
        else never.push(h.id);
      }
      if (never.length > 0) {
        throw new FleetswapError('NOTHING_TO_ROLL_BACK', `${listIds(never.map((id) => ({ id })))} had no desired release ${to} ago (${isoFromMs(at)}): pick a shorter time or --select other hosts`);
      }
      return out;
    }
    const active = await store.rollouts.active();
    // In the middle of a deploy, "back" is where that deploy came from.
    const target = to
      ? await resolveRelease(store, to)
      : active?.kind === 'deploy' && active.from_release
        ? await resolveRelease(store, active.from_release)
        : await this.previousRelease(current);
    return new Map(selected.map((h) => [h.id, target.id]));
  }

  /** promote skips what is left of a bake (or a watch): the operator has seen enough. */
  async promote(a: RolloutAction__Output): Promise<number> {
    await this.core.refuseWhileHalted('promote');
    const r = await this.actionTarget(a, 'promote');
    if (r.verdict?.outcome === 'fail') throw new FleetswapError('REFUSED', `rollout #${r.id} failed its verdict (${r.verdict.reason}); it is not promoted`);
    if (r.state === 'judging' || isBaking(r)) {
      await this.progress.waves.nextWave(r, `promoted ${byWhom(a)}`);
    } else if (r.state === 'watching') {
      await this.core.transition(r, 'complete', `watch ended ${byWhom(a)}`, {}, a.actor);
    } else {
      throw new FleetswapError('REFUSED', `rollout #${r.id} is ${r.state}: only a judged phase (judging, a baking wave, watching) can be promoted`);
    }
    return r.id;
  }

  async pause(a: RolloutAction__Output): Promise<number> {
    const r = await this.actionTarget(a, 'pause');
    if (r.state === 'paused') return r.id;
    if (r.state === 'rolling_back' || r.kind === 'rollback') throw new FleetswapError('REFUSED', `rollout #${r.id} is ${r.state}: it cannot be paused`);
    await this.core.pause(r, { by: 'operator', actor: a.actor, reason: a.reason });
    return r.id;
  }

  async resume(a: RolloutAction__Output): Promise<number> {
    const { store } = this.core;
    await this.core.refuseWhileHalted('resume');
    const r = await this.actionTarget(a, 'resume');
    if (r.state !== 'paused' || !r.paused_from) throw new FleetswapError('REFUSED', `rollout #${r.id} is ${r.state}, not paused`);
    const to = r.paused_from;
    await store.tx(async () => {
      // What was waited on is asked for again: a host that missed its directive gets it now.
      for (const h of await store.rolloutHosts.of(r.id)) {
        const waiting = (to === 'staging' && h.stage === 'pending') || h.switch === 'pending' || h.switch === 'reverting';
        const host = waiting ? await store.hosts.get(h.host_id) : undefined;
        if (host) await this.core.dispatch.resend(host);
      }
      await this.core.transition(r, to, `resumed ${byWhom(a)}`, {
        deadline_ms: this.core.now() + phaseTimeout(r, to, this.core.decisionGraceMs),
        paused_from: '',
      }, a.actor);
    });
    await this.progress.evaluate(r.id);
    return r.id;
  }

  /** abort stops a rollout and puts every host that took its release back where it was. */
  async abort(a: RolloutAction__Output): Promise<number> {
    const { store } = this.core;
    await this.core.refuseWhileHalted('abort');
    const r = await this.actionTarget(a, 'abort');
    // Hosts are already being put back: there is nothing left for an abort to do but wait.
    if (r.state === 'rolling_back') throw new FleetswapError('REFUSED', `rollout #${r.id} is already rolling back (${r.message}); it ends ${r.ends_as || 'rolled_back'} once every host is back`);
    const why = `aborted ${byWhom(a)}`;
    if (r.kind === 'rollback') {
      await this.core.transition(r, 'aborted', why, {}, a.actor);
      return r.id;
    }
    const release = await store.releases.byId(r.release_id);
    const switched = (await store.rolloutHosts.of(r.id)).some((h) => h.switch !== 'queued');
    if (switched && release?.irreversible) refuseIrreversible(release.label, release.irreversible, a);
    await this.progress.waves.revert(r, 'aborted', why, a.actor || 'operator');
    return r.id;
  }

  private async actionTarget(a: RolloutAction__Output, what: string): Promise<RolloutRow> {
    const { store } = this.core;
    const r = a.rollout_id ? await store.rollouts.get(a.rollout_id) : await store.rollouts.active();
    if (!r) throw new FleetswapError(a.rollout_id ? 'BAD_USAGE' : 'REFUSED', a.rollout_id ? `no rollout #${a.rollout_id}` : `nothing to ${what}: no rollout is active`);
    if (TERMINAL_ROLLOUT_STATES.has(r.state)) throw new FleetswapError('REFUSED', `rollout #${r.id} is already ${r.state}`);
    return r;
  }

  /** previousRelease is what the fleet ran before the deploy that put `current` out. */
  private async previousRelease(current: string): Promise<StoredRelease> {
    const deploy = current ? await this.core.store.rollouts.lastDeployOf(current) : undefined;
    if (!deploy) throw new FleetswapError('NOTHING_TO_ROLL_BACK', 'no earlier release to roll back to: name one with --to');
    return await resolveRelease(this.core.store, deploy.from_release);
  }

  private async select(selector: Record<string, string>): Promise<HostRow[]> {
    const hosts = (await this.core.store.hosts.all()).filter((h) => Object.entries(selector).every(([k, v]) => h.tags[k] === v));
    if (hosts.length === 0) {
      const what = Object.keys(selector).length ? `match ${Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',')}` : 'are registered';
      throw new FleetswapError('NO_HOSTS', `no hosts ${what}: start agents (fleetswap agent) or change --select`);
    }
    return hosts;
  }
}

function refuseIrreversible(label: string, why: string, req: { force_irreversible: boolean; reason: string }): void {
  if (!req.force_irreversible) {
    throw new FleetswapError('IRREVERSIBLE', `release ${label} is irreversible (${why}); going back past it needs --force-irreversible --reason TEXT (and --sign-key KEY --to RELEASE for hosts that trust release keys)`);
  }
  if (!req.reason) throw new FleetswapError('BAD_USAGE', `--force-irreversible needs --reason: why it is safe to go back past ${label}`);
}
