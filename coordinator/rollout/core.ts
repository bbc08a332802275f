import { FleetswapError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { RolloutState } from '../../shared/domain.js';
import { COORDINATOR_ACTOR, type AuditRecord } from '../audit.js';
import { phaseSeverity, recordEvent, rolloutFields } from '../events.js';
import { moveWatch } from '../move-watch.js';
import type { RolloutChange, RolloutRow, Store } from '../store.js';
import { isoFromMs } from '../times.js';
import { checkMove } from './moves.js';
import type { Dispatch, FleetLink } from './send.js';

export type Clock = () => number;

/**
 * Pauser says who paused a rollout: an operator (fleetswap pause), or the
 * coordinator itself (a deadline passed, an irreversible release failed),
 * which is written to the audit log since nobody asked for it.
 */
export type Pauser = { by: 'operator'; actor: string; reason: string } | { by: 'coordinator'; why: string };

/** Core is what every part of the engine shares: the store, the fleet, the clock, and the one way a rollout moves. */
export class Core {
  constructor(
    readonly store: Store,
    readonly fleet: FleetLink,
    readonly dispatch: Dispatch,
    readonly now: Clock,
    readonly log: Logger,
    readonly audit: (r: AuditRecord) => Promise<void>,
    readonly decisionGraceMs: number,
  ) {}

  async label(id: string): Promise<string> {
    return (await this.store.releases.byId(id))?.label ?? id.slice(0, 12);
  }

  /** transition is the only way a rollout changes state: a move ALLOWED does not list throws. */
  async transition(r: RolloutRow, to: RolloutState, message: string, change: Omit<RolloutChange, 'state' | 'message' | 'updated_at_ms'> = {}, actor = COORDINATOR_ACTOR): Promise<void> {
    checkMove(r, to);
    await this.store.tx(async () => {
      await this.store.rollouts.update(r.id, { ...change, state: to, message, updated_at_ms: this.now() });
      // The event stream hears every move, in the move's transaction.
      await recordEvent(this.store, this.now(), {
        kind: to === 'paused' ? 'rollout.paused' : 'rollout.phase',
        severity: phaseSeverity(to),
        actor,
        reason: message,
        ...(await rolloutFields(this.store, r)),
        detail: { from: r.state, to, wave: change.wave ?? r.wave, rollout_kind: r.kind, from_release: r.from_release },
      });
    });
    moveWatch.heard(this.store, r, to, change, this.now());
    Object.assign(r, change, { state: to, message });
    this.log.info({ rollout: r.id, release: r.release_id, state: to }, message);
  }

  /** pause stops the clock on a rollout where it stands; resume picks up from paused_from. */
  async pause(r: RolloutRow, p: Pauser): Promise<void> {
    const why = p.by === 'operator' ? `paused by ${p.actor || 'an operator'}${p.reason ? `: ${p.reason}` : ''}` : p.why;
    await this.store.tx(async () => {
      await this.transition(r, 'paused', why, { paused_from: r.state, deadline_ms: 0 }, p.by === 'operator' ? p.actor : COORDINATOR_ACTOR);
      if (p.by === 'coordinator') await this.audit({ actor: COORDINATOR_ACTOR, action: 'pause', target: `rollout #${r.id}`, reason: why });
    });
  }

  async refuseWhileHalted(what: string): Promise<void> {
    const h = await this.store.meta.halt();
    if (h.halted) throw new FleetswapError('HALTED', `cannot ${what}: the fleet is halted since ${isoFromMs(h.at_ms)} by ${h.actor || 'someone'} (${h.reason}); fleetswap unhalt lifts it`);
  }
}
