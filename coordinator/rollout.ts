import { isDuration, parseDuration } from '../shared/duration.js';
import { FleetswapError } from '../shared/errors.js';
import { failpoint } from '../shared/failpoints.js';
import type { Logger } from '../shared/log.js';
import type {
  DeployRequest,
  Directive,
  DirectiveKind,
  HaltRequest,
  HaltState,
  Hello,
  HostDirective,
  Report,
  RollbackRequest,
  Rollout,
  RolloutAction,
  RolloutState,
  VitalsSample,
} from '../shared/wire.js';
import { TERMINAL_ROLLOUT_STATES } from '../shared/wire.js';
import { assignCohorts, spreadOrder } from './cohorts.js';
import type { Fleet } from './fleet.js';
import type { Override } from '../shared/override.js';
import { COORDINATOR_ACTOR, type AuditLog, type AuditRecord } from './audit.js';
import { DEFAULT_JUDGE, Judge, type JudgeConfig } from './judge.js';
import { planOf } from '../shared/plan.js';
import { resolveRelease } from './releases.js';
import { NO_PLAN, storedDirective, type HostRow, type RolloutChange, type RolloutHostRow, type RolloutRow, type Store } from './store.js';

export const DEFAULT_STAGE_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_SWITCH_TIMEOUT_MS = 2 * 60_000;
// A judged phase that has not decided this long (or a bake, if longer) after its bake ends pauses.
export const DEFAULT_DECISION_GRACE_MS = 60_000;
// Judging re-reads every judged host's samples: once a second is plenty.
const JUDGE_EVERY_MS = 1_000;

export type Clock = () => number;

/** What the engine reads samples from: the in-memory window, falling back to the database. */
export type SampleSource = (host: string, from: number, to: number) => readonly VitalsSample[];

/**
 * ALLOWED lists the legal rollout transitions. A deploy goes staging ->
 * canary -> judging -> wave (one per wave) -> watching -> complete; any
 * switched phase can end in rolling_back -> rolled_back | aborted. A
 * rollback goes switching -> complete. Any active rollout can be superseded.
 */
const ALLOWED: Record<RolloutState, readonly RolloutState[]> = {
  staging: ['canary', 'wave', 'failed', 'paused', 'aborted', 'superseded'],
  canary: ['judging', 'rolling_back', 'rolled_back', 'paused', 'superseded'],
  judging: ['wave', 'rolling_back', 'rolled_back', 'paused', 'superseded'],
  wave: ['wave', 'watching', 'complete', 'rolling_back', 'rolled_back', 'paused', 'superseded'],
  watching: ['complete', 'rolling_back', 'rolled_back', 'paused', 'superseded'],
  paused: ['staging', 'canary', 'judging', 'wave', 'watching', 'rolling_back', 'rolled_back', 'aborted', 'superseded'],
  rolling_back: ['rolled_back', 'aborted'],
  switching: ['complete', 'failed', 'aborted', 'superseded'],
  complete: [],
  rolled_back: [],
  aborted: [],
  failed: [],
  superseded: [],
};

const JUDGED: ReadonlySet<RolloutState> = new Set(['judging', 'wave', 'watching']);

/**
 * RolloutEngine moves releases onto hosts in phases and judges them. Every
 * decision is written to the store before a directive leaves (CONTRACT
 * invariant 7), so a coordinator killed at any moment resumes from the
 * database: hosts are sent their stored directive again when they say
 * hello, and judgements are recomputed from stored samples.
 */
export class RolloutEngine {
  private readonly judges = new Map<string, Judge>();
  private lastJudged = 0;

  private readonly samples: SampleSource;
  private readonly judgeConfig: JudgeConfig;
  private readonly decisionGraceMs: number;
  private readonly audit: (r: AuditRecord) => void;

  constructor(
    private readonly store: Store,
    private readonly fleet: Fleet,
    private readonly now: Clock,
    private readonly log: Logger,
    opts: { samples?: SampleSource; judge?: JudgeConfig; decisionGraceMs?: number; audit?: AuditLog } = {},
  ) {
    this.samples = opts.samples ?? (() => []);
    this.judgeConfig = opts.judge ?? DEFAULT_JUDGE;
    this.decisionGraceMs = opts.decisionGraceMs ?? DEFAULT_DECISION_GRACE_MS;
    this.audit = (r) => opts.audit?.append(r);
  }

  private iso(at = this.now()): string {
    return new Date(at).toISOString();
  }

  // ---- operator actions ----

  deploy(req: DeployRequest): Rollout {
    this.refuseWhileHalted('deploy');
    const release = resolveRelease(this.store, req.release);
    const selected = this.select(req.select);
    const offline = selected.filter((h) => !this.fleet.isConnected(h.id));
    if (offline.length > 0 && !req.skip_offline) {
      throw new FleetswapError(
        'HOSTS_OFFLINE',
        `${offline.length} selected host(s) offline: ${listIds(offline)}; bring them back or add --skip-offline (they converge when they return)`,
      );
    }
    const online = selected.filter((h) => this.fleet.isConnected(h.id));
    if (online.length === 0) throw new FleetswapError('NO_HOSTS', 'every selected host is offline; nothing to deploy to');
    const plan = planOf(req, online.length);
    const active = this.store.activeRollout();
    if (active && active.state !== 'watching' && !req.supersede) {
      throw new FleetswapError(
        'ROLLOUT_ACTIVE',
        `rollout #${active.id} (${this.label(active.release_id)}) is ${active.state}: wait for it (fleetswap status --watch), abort it (fleetswap abort), or replace it with deploy --supersede`,
      );
    }

    const outbox: [string, Directive][] = [];
    const id = this.store.tx(() => {
      const at = this.iso();
      const rolloutId = this.store.insertRollout({
        kind: 'deploy',
        state: 'staging',
        release_id: release.id,
        from_release: mostCommon(selected.map((h) => h.desired_release || h.live_release)),
        actor: req.actor,
        reason: req.reason,
        selector: req.select,
        message: `staging ${release.label} on ${online.length} host(s)`,
        created_at: at,
        updated_at: at,
        deadline_at: this.now() + (req.stage_timeout_ms || DEFAULT_STAGE_TIMEOUT_MS),
        switch_timeout_ms: req.switch_timeout_ms || DEFAULT_SWITCH_TIMEOUT_MS,
        plan,
      });
      if (active) {
        const why = active.state === 'watching' ? `watch ended early: rollout #${rolloutId} deploys ${release.label}` : `superseded by rollout #${rolloutId}`;
        this.transition(active, active.state === 'watching' ? 'complete' : 'superseded', why);
      }
      const { order, keys } = spreadOrder(online, rolloutId);
      const cohorts = assignCohorts(order.map((h) => h.id), plan.canary_hosts, plan.waves);
      const waves = Math.max(0, ...[...cohorts.values()].map((c) => Number(c.slice(4)) || 0));
      const lastCohort = waves > 0 ? `wave${waves}` : 'canary';
      for (const h of selected) {
        const isOnline = this.fleet.isConnected(h.id);
        this.store.insertRolloutHost({
          rollout_id: rolloutId,
          host_id: h.id,
          stage: isOnline ? 'pending' : 'skipped',
          switch: 'queued',
          error: isOnline ? '' : 'offline at deploy; converges when it returns',
          stats: null,
          // Offline hosts are told to switch with the last wave; they converge when they return.
          cohort: cohorts.get(h.id) ?? lastCohort,
          prev_release: h.live_release,
          switched_at: 0,
          target: '',
        });
        if (isOnline) outbox.push([h.id, this.directive(h.id, 'STAGE', release.id)]);
      }
      plan.spread = keys.join(',');
      this.store.setRolloutPlan(rolloutId, plan);
      return rolloutId;
    });
    this.store.afterCommit(() => failpoint('rollout-after-stage-commit'));
    this.flush(outbox);
    this.log.info({ rollout: id, release: release.id, hosts: online.length, canary: plan.canary_hosts }, 'deploy started: staging');
    return this.view(id);
  }

  rollback(req: RollbackRequest): Rollout {
    this.refuseWhileHalted('roll back');
    const selected = this.select(req.select);
    const running = (h: HostRow) => h.desired_release || h.live_release;
    const current = mostCommon(selected.map(running));
    const targets = this.rollbackTargets(req.to, selected, current);
    // Any host leaving an irreversible release counts, not only the majority's release.
    for (const h of selected) {
      for (const id of new Set([running(h), h.live_release])) {
        const leaving = id && id !== targets.get(h.id) ? this.store.releaseById(id) : undefined;
        if (leaving?.irreversible) this.refuseIrreversible(leaving.label, leaving.irreversible, req);
      }
    }
    // The override is signed for one release: a rollback elsewhere would only be refused by every host.
    const stray = req.override ? [...targets.values()].find((t) => t !== req.override?.target) : undefined;
    if (stray) throw new FleetswapError('BAD_USAGE', `the override is signed for release ${req.override?.target.slice(0, 12)}, and this rollback goes to ${this.label(stray)}: sign it for that release (--to)`);
    const main = mostCommon([...targets.values()]);
    const outbox: [string, Directive][] = [];
    const id = this.store.tx(() => {
      const at = this.iso();
      const active = this.store.activeRollout();
      const rolloutId = this.store.insertRollout({
        kind: 'rollback',
        state: 'switching',
        release_id: main,
        from_release: current,
        actor: req.actor,
        reason: req.reason,
        selector: req.select,
        message: `switching ${selected.length} host(s) to ${[...new Set(targets.values())].map((t) => this.label(t)).join(', ')}${isDuration(req.to) ? ` (what each ran ${req.to} ago)` : ''}`,
        created_at: at,
        updated_at: at,
        deadline_at: this.now() + DEFAULT_SWITCH_TIMEOUT_MS,
        switch_timeout_ms: DEFAULT_SWITCH_TIMEOUT_MS,
        plan: NO_PLAN,
      });
      if (active) this.transition(active, 'superseded', `superseded by rollback #${rolloutId}`);
      // One history entry per target release, so "which hosts" stays exact.
      for (const target of new Set(targets.values())) {
        const hosts = selected.filter((h) => targets.get(h.id) === target);
        this.store.recordDesiredChange({
          at,
          actor: req.actor,
          reason: req.reason,
          action: `${isDuration(req.to) ? `rollback to ${req.to} ago` : 'rollback'}${req.force_irreversible ? ' (forced past irreversible)' : ''}`,
          from_release: mostCommon(hosts.map(running)),
          to_release: target,
          hosts: hosts.map((h) => h.id),
        });
      }
      for (const h of selected) {
        const target = targets.get(h.id) as string;
        const isOnline = this.fleet.isConnected(h.id);
        this.store.insertRolloutHost({
          rollout_id: rolloutId,
          host_id: h.id,
          stage: isOnline ? 'staged' : 'skipped',
          switch: h.live_release === target ? 'done' : 'pending',
          error: isOnline ? '' : 'offline; converges when it returns',
          stats: null,
          cohort: '',
          prev_release: h.live_release,
          switched_at: 0,
          target: target === main ? '' : target,
        });
        const d = this.directive(h.id, 'ACTIVATE', target, target, req.override ?? undefined);
        if (isOnline) outbox.push([h.id, d]);
      }
      return rolloutId;
    });
    this.flush(outbox);
    this.log.info({ rollout: id, release: main, hosts: selected.length }, 'rollback started');
    this.evaluate(id);
    return this.view(id);
  }

  /**
   * rollbackTargets is each selected host's release to go back to: a named
   * release for all; with a duration, the release each host was meant to run
   * that long ago (hosts changed at different times); by default where the
   * active deploy came from, or the release before the current one.
   */
  private rollbackTargets(to: string, selected: HostRow[], current: string): Map<string, string> {
    if (isDuration(to)) {
      const at = this.now() - parseDuration(to);
      const history = this.store.desiredChanges().filter((c) => Date.parse(c.at) <= at);
      const out = new Map<string, string>();
      const never: string[] = [];
      for (const h of selected) {
        const last = history.findLast((c) => c.hosts.includes(h.id));
        if (last) out.set(h.id, last.to_release);
        else never.push(h.id);
      }
      if (never.length > 0) {
        throw new FleetswapError('NOTHING_TO_ROLL_BACK', `${listIds(never.map((id) => ({ id })))} had no desired release ${to} ago (${new Date(at).toISOString()}): pick a shorter time or --select other hosts`);
      }
      return out;
    }
    const active = this.store.activeRollout();
    // In the middle of a deploy, "back" is where that deploy came from.
    const target = to
      ? resolveRelease(this.store, to)
      : active?.kind === 'deploy' && active.from_release
        ? resolveRelease(this.store, active.from_release)
        : this.previousRelease(current);
    return new Map(selected.map((h) => [h.id, target.id]));
  }

  /** promote skips what is left of a bake (or a watch): the operator has seen enough. */
  promote(a: RolloutAction): Rollout {
    this.refuseWhileHalted('promote');
    const r = this.actionTarget(a, 'promote');
    if (r.verdict?.outcome === 'fail') throw new FleetswapError('REFUSED', `rollout #${r.id} failed its verdict (${r.verdict.reason}); it is not promoted`);
    if (r.state === 'judging' || (r.state === 'wave' && r.phase_started_at > 0)) {
      this.nextWave(r, `promoted by ${a.actor || 'an operator'}${a.reason ? `: ${a.reason}` : ''}`);
    } else if (r.state === 'watching') {
      this.transition(r, 'complete', `watch ended by ${a.actor || 'an operator'}${a.reason ? `: ${a.reason}` : ''}`);
    } else {
      throw new FleetswapError('REFUSED', `rollout #${r.id} is ${r.state}: only a judged phase (judging, a baking wave, watching) can be promoted`);
    }
    return this.view(r.id);
  }

  pause(a: RolloutAction): Rollout {
    const r = this.actionTarget(a, 'pause');
    if (r.state === 'paused') return this.view(r.id);
    if (r.state === 'rolling_back' || r.kind === 'rollback') throw new FleetswapError('REFUSED', `rollout #${r.id} is ${r.state}: it cannot be paused`);
    this.pauseWith(r, `paused by ${a.actor || 'an operator'}${a.reason ? `: ${a.reason}` : ''}`);
    return this.view(r.id);
  }

  resume(a: RolloutAction): Rollout {
    this.refuseWhileHalted('resume');
    const r = this.actionTarget(a, 'resume');
    if (r.state !== 'paused' || !r.paused_from) throw new FleetswapError('REFUSED', `rollout #${r.id} is ${r.state}, not paused`);
    const to = r.paused_from;
    const outbox: [string, Directive][] = [];
    this.store.tx(() => {
      // What was waited on is asked for again: a host that missed its directive gets it now.
      for (const h of this.store.rolloutHosts(r.id)) {
        const waiting = (to === 'staging' && h.stage === 'pending') || h.switch === 'pending' || h.switch === 'reverting';
        const host = this.store.host(h.host_id);
        if (waiting && host && host.directive_kind) outbox.push([h.host_id, storedDirective(host)]);
      }
      this.transition(r, to as RolloutState, `resumed by ${a.actor || 'an operator'}${a.reason ? `: ${a.reason}` : ''}`, {
        deadline_at: this.now() + this.phaseTimeout(r, to),
        paused_from: '',
      });
    });
    this.flush(outbox);
    this.evaluate(r.id);
    return this.view(r.id);
  }

  /** abort stops a rollout and puts every host that took its release back where it was. */
  abort(a: RolloutAction): Rollout {
    this.refuseWhileHalted('abort');
    const r = this.actionTarget(a, 'abort');
    const why = `aborted by ${a.actor || 'an operator'}${a.reason ? `: ${a.reason}` : ''}`;
    if (r.kind === 'rollback') {
      this.transition(r, 'aborted', why);
      return this.view(r.id);
    }
    const release = this.store.releaseById(r.release_id);
    const switched = this.store.rolloutHosts(r.id).some((h) => h.switch !== 'queued');
    if (switched && release?.irreversible) this.refuseIrreversible(release.label, release.irreversible, a);
    this.revert(r, 'aborted', why, a.actor || 'operator');
    return this.view(r.id);
  }

  halt(h: HaltRequest): HaltState {
    if (!h.reason) throw new FleetswapError('BAD_USAGE', 'a halt needs --reason: it is shown to everyone until unhalt');
    const state: HaltState = { halted: true, reason: h.reason, actor: h.actor, at: this.iso() };
    this.store.setHalt(state);
    this.log.warn({ actor: h.actor, reason: h.reason }, 'HALT: nothing switches anywhere until fleetswap unhalt');
    return state;
  }

  unhalt(h: HaltRequest): HaltState {
    const was = this.store.halt();
    if (!was.halted) return was;
    const frozen = this.now() - Date.parse(was.at);
    const state: HaltState = { halted: false, reason: '', actor: h.actor, at: this.iso() };
    const active = this.store.activeRollout();
    this.store.tx(() => {
      this.store.setHalt(state);
      // Time frozen does not count against deadlines or bakes.
      if (active) {
        this.store.updateRollout(active.id, {
          deadline_at: active.deadline_at ? active.deadline_at + frozen : 0,
          phase_started_at: active.phase_started_at ? active.phase_started_at + frozen : 0,
          updated_at: this.iso(),
        });
      }
    });
    this.judges.clear();
    for (const host of this.store.hosts()) {
      if (host.directive_generation > host.last_generation && host.directive_kind) {
        this.fleet.send(host.id, storedDirective(host));
      }
    }
    this.log.warn({ actor: h.actor, frozen_ms: frozen }, 'halt lifted');
    if (active) this.evaluate(active.id);
    return state;
  }

  haltState(): HaltState {
    return this.store.halt();
  }

  // ---- what hosts say ----

  /** onHello sends a returning host the directive it missed, so a host that was away converges. */
  onHello(host: HostRow, hello: Hello): void {
    if (host.directive_generation > hello.last_generation && host.directive_kind !== '' && this.maySend(host.directive_kind)) {
      this.fleet.send(host.id, storedDirective(host));
    }
    const active = this.store.activeRollout();
    if (!active) return;
    const rh = this.store.rolloutHost(active.id, host.id);
    if (!rh) return;
    if (rh.stage === 'pending' && hello.slots.some((s) => s.release_id === active.release_id)) {
      this.store.updateRolloutHost(active.id, host.id, { stage: 'staged' });
    }
    if (rh.switch === 'pending' && hello.live_release === (rh.target || active.release_id)) {
      this.store.updateRolloutHost(active.id, host.id, { switch: 'done', error: '', switched_at: this.now() });
    }
    if (rh.switch === 'reverting' && hello.live_release === rh.prev_release) {
      this.store.updateRolloutHost(active.id, host.id, { switch: 'reverted' });
    }
    this.evaluate(active.id);
    // A report whose stream died before it arrived comes again with the hello.
    if (hello.last_report && hello.last_report.generation === host.directive_generation) this.onReport(host.id, hello.last_report);
  }

  onReport(hostId: string, report: Report): void {
    const active = this.store.activeRollout();
    if (!active) return;
    const rh = this.store.rolloutHost(active.id, hostId);
    if (!rh) return;
    const error = report.error ? `${report.error_code}: ${report.error}` : '';
    if (rh.switch === 'reverting') {
      if (report.kind === 'ACTIVATED' && report.release_id === rh.prev_release) this.store.updateRolloutHost(active.id, hostId, { switch: 'reverted' });
      else if (report.kind === 'FAILED' || report.kind === 'REVERTED') this.store.updateRolloutHost(active.id, hostId, { switch: 'failed', error: `revert failed: ${error}` });
      this.evaluate(active.id);
      return;
    }
    if (report.release_id !== (rh.target || active.release_id)) return;
    if (rh.stage === 'pending') {
      if (report.kind === 'STAGED' || report.kind === 'ACTIVATED') {
        this.store.updateRolloutHost(active.id, hostId, { stage: 'staged', stats: report.stats ?? null, error: '' });
      } else {
        this.store.updateRolloutHost(active.id, hostId, { stage: 'failed', error });
      }
    }
    if (rh.switch === 'pending') {
      if (report.kind === 'ACTIVATED') this.store.updateRolloutHost(active.id, hostId, { switch: 'done', error: '', switched_at: this.now() });
      else if (report.kind === 'FAILED' || report.kind === 'REVERTED') this.store.updateRolloutHost(active.id, hostId, { switch: 'failed', error });
    } else if (rh.switch === 'done' && report.kind === 'REVERTED') {
      this.store.updateRolloutHost(active.id, hostId, { switch: 'failed', error });
    }
    this.evaluate(active.id);
  }

  /** tick enforces deadlines and judges: a rollout never waits forever on a silent host. */
  tick(): void {
    if (this.store.halt().halted) return;
    const active = this.store.activeRollout();
    if (!active) return;
    const now = this.now();
    if (now - this.lastJudged >= JUDGE_EVERY_MS && this.isJudged(active)) {
      this.lastJudged = now;
      this.judge(active);
    }
    const r = this.store.rollout(active.id);
    if (!r || TERMINAL_ROLLOUT_STATES.has(r.state) || r.state === 'paused' || !r.deadline_at || now < r.deadline_at) return;
    this.onDeadline(r);
  }

  // ---- the state machine ----

  private evaluate(rolloutId: number): void {
    if (this.store.halt().halted) return;
    const r = this.store.rollout(rolloutId);
    if (!r || TERMINAL_ROLLOUT_STATES.has(r.state)) return;
    if (r.kind === 'rollback') return this.evaluateRollback(r);
    const state = r.state === 'paused' ? r.paused_from : r.state;
    // Counts, not rows: this runs on every report, and must stay cheap for thousands of hosts.
    const counts = this.store.rolloutCounts(r.id);
    const rowsWhere = (keep: (h: RolloutHostRow) => boolean) => this.store.rolloutHosts(r.id).filter((h) => h.stage !== 'skipped' && keep(h));
    if (r.state === 'rolling_back') {
      if (!counts.switch.reverting) this.transition(r, r.ends_as || 'rolled_back', `${r.message}; every host is back`);
      return;
    }
    // A host that could not switch, or switched back by its own health check, fails the rollout.
    if ((state === 'canary' || state === 'judging' || state === 'wave' || state === 'watching') && counts.switch.failed) {
      this.onFail(r, `switch failed on ${describe(rowsWhere((h) => h.switch === 'failed'))}`);
      return;
    }
    if (r.state === 'paused') return;
    if (r.state === 'staging') {
      if (counts.stage.failed) {
        this.transition(r, 'failed', `staging failed on ${counts.stage.failed} host(s), nothing was switched: ${describe(rowsWhere((h) => h.stage === 'failed'))}`);
        return;
      }
      if (counts.stage.staged === counts.total) {
        if (r.plan.canary_hosts > 0) this.switchCohort(r, 'canary', `every host staged ${this.label(r.release_id)}; canaries switching`);
        else this.nextWave(r, `every host staged ${this.label(r.release_id)}`);
      }
      return;
    }
    if (r.state === 'canary' || (r.state === 'wave' && r.phase_started_at === 0)) {
      const cohort = r.state === 'canary' ? 'canary' : `wave${r.wave}`;
      const c = this.store.switchCounts(r.id).get(cohort) ?? {};
      if (c.pending) return;
      const judgedHosts = counts.switch.done ?? 0;
      if (r.state === 'canary') {
        this.transition(r, 'judging', `${judgedHosts} canary host(s) live; judging for ${seconds(r.plan.bake_ms)}`, {
          phase_started_at: this.now(),
          deadline_at: this.now() + r.plan.bake_ms + Math.max(this.decisionGraceMs, r.plan.bake_ms),
        });
      } else if (this.isLastWave(r)) {
        this.finishWaves(r);
      } else {
        this.transition(r, 'wave', `wave ${r.wave} live (${judgedHosts} host(s)); judging for ${seconds(r.plan.wave_bake_ms)}`, {
          phase_started_at: this.now(),
          deadline_at: this.now() + r.plan.wave_bake_ms + Math.max(this.decisionGraceMs, r.plan.wave_bake_ms),
        });
      }
    }
  }

  private evaluateRollback(r: RolloutRow): void {
    const counts = this.store.rolloutCounts(r.id);
    if (counts.switch.pending) return;
    if (!counts.switch.failed) {
      this.transition(r, 'complete', `${counts.total} host(s) live on ${this.label(r.release_id)}`);
      this.store.afterCommit(() => failpoint('rollout-after-complete'));
    } else {
      const failed = this.store.rolloutHosts(r.id).filter((h) => h.switch === 'failed');
      this.transition(r, 'failed', `switch failed on ${counts.switch.failed} of ${counts.total} host(s): ${describe(failed)}; run fleetswap rollback to put every host back`);
    }
  }

  private judge(r: RolloutRow): void {
    const state = r.state === 'paused' ? r.paused_from : r.state;
    if (r.phase_started_at === 0) return;
    const bake = state === 'judging' ? r.plan.bake_ms : state === 'watching' ? r.plan.watch_ms : r.plan.wave_bake_ms;
    const key = `${r.id}:${r.phase_started_at}:${state}`;
    let judge = this.judges.get(key);
    if (!judge) {
      this.judges.clear();
      judge = new Judge(r.phase_started_at, bake, this.judgeConfig);
      this.judges.set(key, judge);
    }
    const rows = this.store.rolloutHosts(r.id);
    const hostRows = new Map(this.store.hosts().map((h) => [h.id, h]));
    const verdict = judge.evaluate({
      now: this.now(),
      phase: state === 'wave' ? `wave ${r.wave}` : state,
      newRelease: r.release_id,
      oldRelease: r.from_release,
      canaries: rows
        .filter((h) => h.switch === 'done')
        .map((h) => ({ id: h.host_id, switchedAt: h.switched_at, live: hostRows.get(h.host_id)?.live_release ?? '', connected: this.fleet.isConnected(h.host_id) })),
      baseline: state === 'watching' ? [] : rows.filter((h) => h.switch === 'queued' && h.stage !== 'skipped').map((h) => h.host_id),
      samples: this.samples,
    });
    const changed = !r.verdict || r.verdict.outcome !== verdict.outcome || r.verdict.phase !== verdict.phase;
    this.store.tx(() => {
      this.store.updateRollout(r.id, { verdict, updated_at: r.updated_at });
      if (changed) this.store.insertVerdict(r.id, verdict);
    });
    if (changed) this.log.info({ rollout: r.id, release: r.release_id, verdict: verdict.outcome, phase: verdict.phase }, verdict.reason);
    r.verdict = verdict;
    if (verdict.outcome === 'fail') {
      this.onFail(r, `verdict: ${verdict.reason}`);
      return;
    }
    if (r.state === 'paused') return;
    if (state === 'watching') {
      if (this.now() - r.phase_started_at >= r.plan.watch_ms) {
        this.transition(r, 'complete', `watched ${seconds(r.plan.watch_ms)} at 100%: ${verdict.outcome === 'hold' ? `not judged to the end (${verdict.reason})` : 'no regression'}`);
      }
      return;
    }
    if (verdict.outcome !== 'pass') return;
    if (state === 'judging' && r.plan.manual_promote) {
      const msg = `verdict pass (${verdict.reason}); waiting for fleetswap promote`;
      if (r.message !== msg) this.store.updateRollout(r.id, { message: msg, deadline_at: 0, updated_at: this.iso() });
      return;
    }
    this.nextWave(r, `verdict pass: ${verdict.reason}`);
  }

  /** onFail rolls the switched hosts back, unless the release cannot be: then it pauses and says so. */
  private onFail(r: RolloutRow, why: string): void {
    const release = this.store.releaseById(r.release_id);
    if (release?.irreversible) {
      if (r.state !== 'paused') {
        this.pauseWith(
          r,
          `${why}; NOT rolled back: ${release.label} is irreversible (${release.irreversible}). Decide: fleetswap rollback --force-irreversible --reason TEXT, or resume`,
        );
      }
      return;
    }
    this.revert(r, 'rolled_back', `rolled back automatically: ${why}`, COORDINATOR_ACTOR);
  }

  /** revert sends every host that took (or was told to take) the release back to the slot it came from. */
  private revert(r: RolloutRow, endsAs: 'rolled_back' | 'aborted', why: string, actor: string): void {
    const outbox: [string, Directive][] = [];
    this.store.tx(() => {
      const back = this.store.rolloutHosts(r.id).filter((h) => h.switch !== 'queued' && h.switch !== 'reverted' && h.prev_release && h.prev_release !== r.release_id);
      for (const h of back) {
        const d = this.directive(h.host_id, 'ACTIVATE', h.prev_release, h.prev_release);
        this.store.updateRolloutHost(r.id, h.host_id, { switch: 'reverting' });
        if (this.fleet.isConnected(h.host_id)) outbox.push([h.host_id, d]);
      }
      if (back.length > 0) {
        this.store.recordDesiredChange({
          at: this.iso(),
          actor,
          reason: why,
          action: endsAs === 'aborted' ? 'abort' : 'auto-rollback',
          from_release: r.release_id,
          to_release: r.from_release,
          hosts: back.map((h) => h.host_id),
        });
        this.transition(r, 'rolling_back', why, { ends_as: endsAs, deadline_at: this.now() + r.switch_timeout_ms, paused_from: '' });
      } else {
        this.transition(r, endsAs, why, { paused_from: '' });
      }
      if (endsAs === 'rolled_back') this.audit({ actor, action: 'auto-rollback', target: `rollout #${r.id}`, reason: why, detail: { release: r.release_id, to: r.from_release } });
    });
    this.flush(outbox);
    this.log.warn({ rollout: r.id, release: r.release_id, hosts: outbox.length }, why);
  }

  private nextWave(r: RolloutRow, why: string): void {
    const counts = this.store.switchCounts(r.id);
    let wave = r.wave + 1;
    while (!counts.has(`wave${wave}`) && wave <= r.plan.waves.length) wave++;
    if (!counts.has(`wave${wave}`)) {
      this.finishWaves(r);
      return;
    }
    this.switchCohort(r, `wave${wave}`, `${why}; wave ${wave} switching`, wave);
  }

  private isLastWave(r: RolloutRow): boolean {
    const counts = this.store.switchCounts(r.id);
    return ![...counts.keys()].some((c) => c.startsWith('wave') && Number(c.slice(4)) > r.wave);
  }

  private finishWaves(r: RolloutRow): void {
    const label = this.label(r.release_id);
    if (r.plan.watch_ms > 0) {
      this.transition(r, 'watching', `every host live on ${label}; watching for ${seconds(r.plan.watch_ms)}`, { phase_started_at: this.now(), deadline_at: 0 });
    } else {
      this.transition(r, 'complete', `every host live on ${label}`);
      this.store.afterCommit(() => failpoint('rollout-after-complete'));
    }
  }

  /** switchCohort tells one cohort to go live, after recording it as their desired state. */
  private switchCohort(r: RolloutRow, cohort: string, why: string, wave = 0): void {
    const outbox: [string, Directive][] = [];
    this.store.tx(() => {
      const rows = this.store.rolloutHosts(r.id).filter((h) => h.cohort === cohort);
      this.store.recordDesiredChange({
        at: this.iso(),
        actor: r.actor,
        reason: r.reason,
        // A deploy that switches everyone at once is just a deploy in the history.
        action: cohort === 'canary' ? 'deploy (canary)' : r.plan.canary_hosts === 0 && r.plan.waves.length === 1 ? 'deploy' : `deploy (wave ${wave})`,
        from_release: r.from_release,
        to_release: r.release_id,
        hosts: rows.map((h) => h.host_id),
      });
      for (const h of rows) {
        const d = this.directive(h.host_id, 'ACTIVATE', r.release_id, r.release_id);
        if (h.stage !== 'skipped') {
          this.store.updateRolloutHost(r.id, h.host_id, { switch: 'pending' });
          outbox.push([h.host_id, d]);
        }
      }
      this.transition(r, cohort === 'canary' ? 'canary' : 'wave', why, {
        wave,
        phase_started_at: 0,
        deadline_at: this.now() + r.switch_timeout_ms,
      });
    });
    this.store.afterCommit(() => failpoint('rollout-after-switch-commit'));
    this.flush(outbox);
    this.evaluate(r.id);
  }

  private onDeadline(r: RolloutRow): void {
    const rows = this.store.rolloutHosts(r.id);
    if (r.state === 'rolling_back') {
      const stuck = rows.filter((h) => h.switch === 'reverting');
      this.transition(r, r.ends_as || 'rolled_back', `${r.message}; ${stuck.length} host(s) did not confirm in time: ${listIds(stuck.map((h) => ({ id: h.host_id })))}`);
      return;
    }
    if (r.kind === 'rollback') {
      for (const h of rows.filter((x) => x.stage !== 'skipped' && x.switch === 'pending')) {
        this.store.updateRolloutHost(r.id, h.host_id, { switch: 'failed', error: this.fleet.isConnected(h.host_id) ? 'no report before the switch deadline' : 'offline through the switch deadline' });
      }
      this.evaluate(r.id);
      return;
    }
    const waiting = r.state === 'staging' ? rows.filter((h) => h.stage === 'pending') : rows.filter((h) => h.switch === 'pending');
    const names = listIds(waiting.map((h) => ({ id: h.host_id })));
    const why =
      r.state === 'staging'
        ? `stuck: ${waiting.length} host(s) not staged by the deadline (${names}); resume to wait longer, or abort`
        : r.state === 'canary' || (r.state === 'wave' && r.phase_started_at === 0)
          ? `stuck: ${waiting.length} host(s) did not confirm the switch by the deadline (${names}); resume to wait longer, or abort`
          : `stuck: no verdict by the deadline (${r.verdict?.reason ?? 'no data'}); resume to judge longer, promote, or abort`;
    this.pauseWith(r, why);
  }

  private pauseWith(r: RolloutRow, why: string): void {
    this.store.tx(() => {
      this.transition(r, 'paused', why, { paused_from: r.state, deadline_at: 0 });
      if (!why.startsWith('paused by ')) this.audit({ actor: COORDINATOR_ACTOR, action: 'pause', target: `rollout #${r.id}`, reason: why });
    });
  }

  private phaseTimeout(r: RolloutRow, state: RolloutState): number {
    if (state === 'staging') return DEFAULT_STAGE_TIMEOUT_MS;
    if (state === 'judging') return r.plan.bake_ms + Math.max(this.decisionGraceMs, r.plan.bake_ms);
    if (state === 'wave' && r.phase_started_at > 0) return r.plan.wave_bake_ms + Math.max(this.decisionGraceMs, r.plan.wave_bake_ms);
    if (state === 'watching') return 0;
    return r.switch_timeout_ms;
  }

  private isJudged(r: RolloutRow): boolean {
    return r.kind === 'deploy' && JUDGED.has(r.state === 'paused' ? (r.paused_from as RolloutState) : r.state);
  }

  private transition(r: RolloutRow, to: RolloutState, message: string, change: Omit<RolloutChange, 'state' | 'message' | 'updated_at'> = {}): void {
    if (!ALLOWED[r.state].includes(to)) throw new Error(`illegal rollout transition ${r.state} -> ${to} (rollout #${r.id})`);
    this.store.updateRollout(r.id, { ...change, state: to, message, updated_at: this.iso() });
    Object.assign(r, change, { state: to, message });
    this.log.info({ rollout: r.id, release: r.release_id, state: to }, message);
  }

  /** directive stores a new directive for a host (and its desired release); sending waits for the commit. */
  private directive(hostId: string, kind: DirectiveKind, releaseId: string, desired?: string, override?: Override): Directive {
    const d: Directive = { generation: this.store.nextGeneration(hostId), kind, release_id: releaseId, ...(override ? { override } : {}) };
    this.store.setDirective(hostId, d, desired);
    return d;
  }

  /**
   * flush sends what was stored, once the outermost transaction has committed
   * (an operator action commits with its audit entry); while halted, switches
   * stay stored and go out at unhalt.
   */
  private flush(outbox: [string, Directive][]): void {
    this.store.afterCommit(() => {
      for (const [hostId, d] of outbox) if (this.maySend(d.kind)) this.fleet.send(hostId, d);
    });
  }

  /** maySend holds back anything that switches while a halt is in force. */
  private maySend(kind: DirectiveKind): boolean {
    return (kind !== 'ACTIVATE' && kind !== 'REPAIR') || !this.store.halt().halted;
  }

  /** direct stores and sends one host a directive outside a rollout (drift repair, clean-up); its desired release stays. */
  direct(hostId: string, kind: HostDirective, releaseId: string): void {
    const d = this.store.tx(() => this.directive(hostId, kind, releaseId));
    this.flush([[hostId, d]]);
  }

  /**
   * give makes `releaseId` one host's desired release outside a rollout (a host that joined): its
   * directives are stored in one transaction with `record` (history and audit), then sent; while
   * halted an ACTIVATE stays stored and goes out at unhalt, like every switch.
   */
  give(hostId: string, kinds: readonly DirectiveKind[], releaseId: string, record: () => void): void {
    const outbox = this.store.tx(() => {
      record();
      return kinds.map((kind): [string, Directive] => [hostId, this.directive(hostId, kind, releaseId, releaseId)]);
    });
    this.flush(outbox);
  }

  /** switching is the hosts an active rollout has told to switch and not yet heard back from. */
  switching(): ReadonlySet<string> {
    const active = this.store.activeRollout();
    if (!active) return new Set();
    return new Set(this.store.rolloutHosts(active.id).filter((h) => h.switch === 'pending' || h.switch === 'reverting').map((h) => h.host_id));
  }

  private refuseWhileHalted(what: string): void {
    const h = this.store.halt();
    if (h.halted) throw new FleetswapError('HALTED', `cannot ${what}: the fleet is halted since ${h.at} by ${h.actor || 'someone'} (${h.reason}); fleetswap unhalt lifts it`);
  }

  private refuseIrreversible(label: string, why: string, req: { force_irreversible: boolean; reason: string }): void {
    if (!req.force_irreversible) {
      throw new FleetswapError('IRREVERSIBLE', `release ${label} is irreversible (${why}); going back past it needs --force-irreversible --reason TEXT (and --sign-key KEY --to RELEASE for hosts that trust release keys)`);
    }
    if (!req.reason) throw new FleetswapError('BAD_USAGE', `--force-irreversible needs --reason: why it is safe to go back past ${label}`);
  }

  private actionTarget(a: RolloutAction, what: string): RolloutRow {
    const r = a.rollout_id ? this.store.rollout(a.rollout_id) : this.store.activeRollout();
    if (!r) throw new FleetswapError(a.rollout_id ? 'BAD_USAGE' : 'REFUSED', a.rollout_id ? `no rollout #${a.rollout_id}` : `nothing to ${what}: no rollout is active`);
    if (TERMINAL_ROLLOUT_STATES.has(r.state)) throw new FleetswapError('REFUSED', `rollout #${r.id} is already ${r.state}`);
    return r;
  }

  /** previousRelease is what the fleet ran before the deploy that put `current` out. */
  private previousRelease(current: string) {
    const deploy = current ? this.store.lastDeployOf(current) : undefined;
    if (!deploy) throw new FleetswapError('NOTHING_TO_ROLL_BACK', 'no earlier release to roll back to: name one with --to');
    return resolveRelease(this.store, deploy.from_release);
  }

  private select(selector: Record<string, string>): HostRow[] {
    const hosts = this.store.hosts().filter((h) => Object.entries(selector).every(([k, v]) => h.tags[k] === v));
    if (hosts.length === 0) {
      const what = Object.keys(selector).length ? `match ${Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',')}` : 'are registered';
      throw new FleetswapError('NO_HOSTS', `no hosts ${what}: start agents (fleetswap agent) or change --select`);
    }
    return hosts;
  }

  private label(id: string): string {
    return this.store.releaseById(id)?.label ?? id.slice(0, 12);
  }

  // ---- reading ----

  view(id: number): Rollout {
    const r = this.store.rollout(id);
    if (!r) throw new FleetswapError('BAD_USAGE', `no rollout #${id}`);
    return {
      id: r.id,
      kind: r.kind,
      state: r.state,
      release_id: r.release_id,
      release_label: this.label(r.release_id),
      from_release: r.from_release,
      actor: r.actor,
      reason: r.reason,
      created_at: r.created_at,
      updated_at: r.updated_at,
      message: r.message,
      select: r.selector,
      plan: r.plan,
      wave: r.wave,
      paused_from: r.paused_from,
      verdict: r.verdict,
      phase_started_ms: r.phase_started_at,
      deadline_ms: r.deadline_at,
      irreversible: Boolean(this.store.releaseById(r.release_id)?.irreversible),
      hosts: this.store.rolloutHosts(r.id).map((h: RolloutHostRow) => ({
        host_id: h.host_id,
        stage: h.stage,
        switch: h.switch,
        error: h.error,
        stats: h.stats,
        cohort: h.cohort,
        prev_release: h.prev_release,
        switched_at_ms: h.switched_at,
      })),
    };
  }
}

function mostCommon(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = '';
  let n = 0;
  for (const [v, c] of counts) if (c > n) [best, n] = [v, c];
  return best;
}

function listIds(hosts: { id: string }[], max = 10): string {
  const ids = hosts.slice(0, max).map((h) => h.id);
  return hosts.length > max ? `${ids.join(', ')} and ${hosts.length - max} more` : ids.join(', ');
}

function describe(rows: RolloutHostRow[], max = 5): string {
  const parts = rows.slice(0, max).map((h) => `${h.host_id} (${h.error || 'failed'})`);
  return rows.length > max ? `${parts.join('; ')}; and ${rows.length - max} more` : parts.join('; ');
}

function seconds(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000}m` : `${Math.round(ms / 100) / 10}s`;
}
