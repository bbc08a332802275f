import { FleetswapError } from '../../shared/errors.js';
import type { HaltRequest__Output } from '../../shared/gen/fleetswap/v1/HaltRequest.js';
import type { HaltState__Output } from '../../shared/gen/fleetswap/v1/HaltState.js';
import type { HaltRow } from '../store.js';
import { isoFromMs } from '../times.js';
import type { Core } from './core.js';
import type { Progress } from './progress.js';

/**
 * Halt is the fleet's kill switch: while it is in force nothing switches
 * anywhere (Dispatch holds switches back, evaluate and tick stand still),
 * and the time it lasted does not count against deadlines or bakes.
 */
export class Halt {
  constructor(
    private readonly core: Core,
    private readonly progress: Progress,
  ) {}

  async halt(h: HaltRequest__Output): Promise<HaltState__Output> {
    if (!h.reason) throw new FleetswapError('BAD_USAGE', 'a halt needs --reason: it is shown to everyone until unhalt');
    const state: HaltRow = { halted: true, reason: h.reason, actor: h.actor, at_ms: this.core.now() };
    await this.core.store.meta.setHalt(state);
    this.core.log.warn({ actor: h.actor, reason: h.reason }, 'HALT: nothing switches anywhere until fleetswap unhalt');
    return haltView(state);
  }

  async unhalt(h: HaltRequest__Output): Promise<HaltState__Output> {
    const { store } = this.core;
    const was = await store.meta.halt();
    if (!was.halted) return haltView(was);
    const frozen = this.core.now() - was.at_ms;
    const state: HaltRow = { halted: false, reason: '', actor: h.actor, at_ms: this.core.now() };
    const active = await store.rollouts.active();
    await store.tx(async () => {
      await store.meta.setHalt(state);
      // Time frozen does not count against deadlines or bakes.
      if (active) {
        await store.rollouts.update(active.id, {
          deadline_ms: active.deadline_ms ? active.deadline_ms + frozen : 0,
          phase_started_ms: active.phase_started_ms ? active.phase_started_ms + frozen : 0,
          updated_at_ms: this.core.now(),
        });
      }
      // What was held back goes out now: every directive a host has not applied yet.
      for (const host of await store.hosts.all()) {
        if (host.directive_generation > host.last_generation) await this.core.dispatch.resend(host);
      }
    });
    this.progress.forgetJudges();
    this.core.log.warn({ actor: h.actor, frozen_ms: frozen }, 'halt lifted');
    if (active) await this.progress.evaluate(active.id);
    return haltView(state);
  }

  async state(): Promise<HaltState__Output> {
    return haltView(await this.core.store.meta.halt());
  }
}

/** haltView is the halt as the CLI sees it: its time as ISO text, '' if the fleet was never halted. */
function haltView(h: HaltRow): HaltState__Output {
  return { halted: h.halted, reason: h.reason, actor: h.actor, at: h.at_ms ? isoFromMs(h.at_ms) : '' };
}
