import type { Logger } from '../../shared/log.js';
import type { DirectiveKind, HostDirective } from '../../shared/domain.js';
import type { DeployRequest__Output } from '../../shared/gen/fleetswap/v1/DeployRequest.js';
import type { HaltRequest__Output } from '../../shared/gen/fleetswap/v1/HaltRequest.js';
import type { HaltState__Output } from '../../shared/gen/fleetswap/v1/HaltState.js';
import type { Hello__Output } from '../../shared/gen/fleetswap/v1/Hello.js';
import type { Report__Output } from '../../shared/gen/fleetswap/v1/Report.js';
import type { RollbackRequest__Output } from '../../shared/gen/fleetswap/v1/RollbackRequest.js';
import type { Rollout__Output } from '../../shared/gen/fleetswap/v1/Rollout.js';
import type { RolloutAction__Output } from '../../shared/gen/fleetswap/v1/RolloutAction.js';
import type { AuditLog } from '../audit.js';
import { DEFAULT_JUDGE, type JudgeConfig } from '../judge.js';
import type { HostRow, Store } from '../store.js';
import { Actions } from './actions.js';
import { Core, type Clock } from './core.js';
import { Halt } from './halt.js';
import { DEFAULT_DECISION_GRACE_MS } from './moves.js';
import { NO_SAMPLES, Progress, type SampleSource } from './progress.js';
import { Dispatch, type FleetLink } from './send.js';
import { rolloutView } from './view.js';

export interface EngineOptions {
  samples?: SampleSource;
  judge?: JudgeConfig;
  decisionGraceMs?: number;
  audit?: AuditLog;
}

/**
 * RolloutEngine moves releases onto hosts in phases and judges them. Every
 * decision is written to the store before a directive leaves (CONTRACT
 * invariant 7), so a coordinator killed at any moment resumes from the
 * database: hosts are sent their stored directive again when they say
 * hello, and judgements are recomputed from stored samples.
 *
 * It is the front of rollout/: operator actions (actions.ts, halt.ts), what
 * hosts say and the clock (progress.ts, waves.ts), the legal moves and
 * deadlines (moves.ts), the one way a directive is sent (send.ts), the view.
 */
export class RolloutEngine {
  private readonly core: Core;
  private readonly progress: Progress;
  private readonly actions: Actions;
  private readonly halts: Halt;

  constructor(store: Store, fleet: FleetLink, now: Clock, log: Logger, opts: EngineOptions = {}) {
    const audit = opts.audit;
    this.core = new Core(store, fleet, new Dispatch(store, fleet), now, log, async (r) => void (await audit?.append(r)), opts.decisionGraceMs ?? DEFAULT_DECISION_GRACE_MS);
    this.progress = new Progress(this.core, opts.samples ?? NO_SAMPLES, opts.judge ?? DEFAULT_JUDGE);
    this.actions = new Actions(this.core, this.progress);
    this.halts = new Halt(this.core, this.progress);
  }

  /**
   * step runs one of the engine's steps as one transaction, in the Store's
   * lane: steps never interleave (a report and the clock each see the other's
   * rollout whole), and what a step sends leaves only once it has committed.
   */
  private step<T>(fn: () => Promise<T>): Promise<T> {
    return this.core.store.tx(fn);
  }

  /**
   * takeOver is called when this coordinator becomes the leader: the judges
   * it held (from an earlier turn as leader) are dropped, so every judgement
   * is recomputed from the samples stored since.
   */
  takeOver(): void {
    this.progress.forgetJudges();
  }

  // ---- operator actions ----

  deploy(req: DeployRequest__Output): Promise<Rollout__Output> {
    return this.step(async () => this.view(await this.actions.deploy(req)));
  }

  rollback(req: RollbackRequest__Output): Promise<Rollout__Output> {
    return this.step(async () => this.view(await this.actions.rollback(req)));
  }

  promote(a: RolloutAction__Output): Promise<Rollout__Output> {
    return this.step(async () => this.view(await this.actions.promote(a)));
  }

  pause(a: RolloutAction__Output): Promise<Rollout__Output> {
    return this.step(async () => this.view(await this.actions.pause(a)));
  }

  resume(a: RolloutAction__Output): Promise<Rollout__Output> {
    return this.step(async () => this.view(await this.actions.resume(a)));
  }

  abort(a: RolloutAction__Output): Promise<Rollout__Output> {
    return this.step(async () => this.view(await this.actions.abort(a)));
  }

  halt(h: HaltRequest__Output): Promise<HaltState__Output> {
    return this.step(() => this.halts.halt(h));
  }

  unhalt(h: HaltRequest__Output): Promise<HaltState__Output> {
    return this.step(() => this.halts.unhalt(h));
  }

  haltState(): Promise<HaltState__Output> {
    return this.halts.state();
  }

  // ---- what hosts say, and the clock ----

  /** onHello records a host's hello and moves the active rollout on. */
  onHello(host: HostRow, hello: Hello__Output): Promise<void> {
    return this.step(async () => {
      await this.progress.onHello(host, hello);
      await this.progress.settle();
    });
  }

  /** onReport records a host's report and moves the active rollout on. */
  onReport(hostId: string, report: Report__Output): Promise<void> {
    return this.step(async () => {
      await this.progress.onReport(hostId, report);
      await this.progress.settle();
    });
  }

  /**
   * noteHello and noteReport record what a host said without moving the
   * rollout on: hellos and reports committed together (coordinator/group-commit.ts)
   * are settled once, at the end of their transaction.
   */
  noteHello(host: HostRow, hello: Hello__Output): Promise<void> {
    return this.step(() => this.progress.onHello(host, hello));
  }

  noteReport(hostId: string, report: Report__Output): Promise<void> {
    return this.step(() => this.progress.onReport(hostId, report));
  }

  /** settle moves the active rollout on from everything its hosts said (Progress.evaluate). */
  settle(): Promise<void> {
    return this.step(() => this.progress.settle());
  }

  tick(): Promise<void> {
    return this.step(() => this.progress.tick());
  }

  // ---- directives outside a rollout ----

  /** direct stores and sends one host a directive outside a rollout (drift repair, clean-up); its desired release stays. */
  async direct(hostId: string, kind: HostDirective, releaseId: string): Promise<void> {
    await this.step(() => this.core.dispatch.issue(hostId, kind, releaseId));
  }

  /**
   * give makes `releaseId` one host's desired release outside a rollout (a host that joined): its
   * directives are stored in one transaction with `record` (history and audit), then sent; while
   * halted an ACTIVATE stays stored and goes out at unhalt, like every switch.
   */
  give(hostId: string, kinds: readonly DirectiveKind[], releaseId: string, record: () => Promise<void>): Promise<void> {
    return this.step(async () => {
      await record();
      for (const kind of kinds) await this.core.dispatch.issue(hostId, kind, releaseId, { desired: releaseId });
    });
  }

  /** switching is the hosts an active rollout has told to switch and not yet heard back from. */
  async switching(): Promise<ReadonlySet<string>> {
    const { store } = this.core;
    const active = await store.rollouts.active();
    if (!active) return new Set();
    return new Set((await store.rolloutHosts.of(active.id)).filter((h) => h.switch === 'pending' || h.switch === 'reverting').map((h) => h.host_id));
  }

  // ---- reading ----

  view(id: number): Promise<Rollout__Output> {
    return rolloutView(this.core.store, id);
  }
}
