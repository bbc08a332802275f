import { FleetswapError, errorMessage, isFleetswapError } from '../shared/errors.js';
import { SHA256_RE } from '../shared/hash.js';
import type { Logger } from '../shared/log.js';
import type { Override } from '../shared/override.js';
import { parseDirectiveKind, type DirectiveKind, type ReportKind } from '../shared/domain.js';
import type { Directive__Output } from '../shared/gen/fleetswap/v1/Directive.js';
import type { Report__Output } from '../shared/gen/fleetswap/v1/Report.js';
import type { StagingStats__Output } from '../shared/gen/fleetswap/v1/StagingStats.js';
import type { AgentOptions } from './agent.js';
import { AGENT_DEFAULTS } from './defaults.js';
import type { Floor } from './floor.js';
import { probeHealth, runReload } from './health.js';
import type { Layout } from './layout.js';
import type { HeldSlot, Slots } from './slots.js';
import { isNoSpace, noSpaceError, type Admitted, type Stager } from './stager.js';
import { switchLive } from './swap.js';

/** HostReport is how a directive ended, as this agent sends it: every field set, its kind one the coordinator knows. */
export type HostReport = Omit<Report__Output, 'kind' | 'slots'> & { kind: ReportKind; slots: HeldSlot[] };

/**
 * DirectiveApplier carries out one directive on this host (stage, activate,
 * repair, clean) and says how it ended as a Report. It never throws: a
 * failure is a FAILED or REVERTED report. Which directive runs, and when,
 * is the Agent's queue (agent.ts); this is what running one means.
 */
export class DirectiveApplier {
  constructor(
    private readonly opts: AgentOptions,
    private readonly layout: Layout,
    private readonly slots: Slots,
    private readonly stager: Stager,
    private readonly floor: Floor,
    private readonly log: Logger,
  ) {}

  async apply(d: Directive__Output, signal: AbortSignal): Promise<HostReport> {
    const log = this.log.child({ release: d.release_id.slice(0, 64), generation: d.generation });
    let stats: StagingStats__Output | null = null;
    let kind: DirectiveKind | undefined;
    try {
      // A kind this agent does not know (a newer coordinator's, or none) is refused, never guessed at.
      kind = parseDirectiveKind(d.kind);
      if (kind === 'CLEAN') {
        const gone = await this.slots.cleanEvidence();
        log.info({ slots: gone }, 'evidence slots removed');
        return this.report(d, 'CLEANED', null);
      }
      // Before the id goes near a path or a request: "../../dev/zero" is not a release.
      if (!SHA256_RE.test(d.release_id)) {
        throw new FleetswapError('BAD_DIRECTIVE', `the coordinator named release ${JSON.stringify(d.release_id.slice(0, 80))}, which is not a release id (64 lowercase hex digits); refused`);
      }
      // Only an ACTIVATE (a rollback) may carry a way below the irreversible floor.
      const override = kind === 'ACTIVATE' ? d.override : undefined;
      // Refused before a blob is fetched: a release below the floor is not even staged.
      const admit = (r: Admitted) => void this.floor.check(r, override);
      if (kind === 'REPAIR') return await this.repair(d, signal, log, admit);
      if (this.slots.find(d.release_id) === undefined) {
        stats = await this.stager.stage(d.release_id, signal, admit);
        this.opts.events?.staged(stats);
        log.info({ ...stats }, 'release staged');
      }
      if (kind === 'STAGE') {
        // A release already held is checked as if staged now: its key may have been removed since.
        if (!stats) admit(await this.stager.admitted(d.release_id));
        return this.report(d, 'STAGED', stats);
      }
      await this.activate(d.release_id, log, override);
      return this.report(d, 'ACTIVATED', stats);
    } catch (caught) {
      // ENOSPC outside the staging proper (a kept manifest, the switch's temp link) still says where and what to do.
      const err = isNoSpace(caught) && kind ? noSpaceError(this.opts.root, `to ${kind.toLowerCase()} release ${d.release_id.slice(0, 12)}`, caught) : caught;
      const code = isFleetswapError(err) ? err.code : 'STAGING_FAILED';
      const ended: ReportKind = isFleetswapError(err) && err.code === 'HEALTH_CHECK_FAILED' ? 'REVERTED' : 'FAILED';
      log.error({ code, err: errorMessage(err) }, ended === 'REVERTED' ? 'switched back after a failed health check' : 'directive failed');
      return this.report(d, ended, stats, code, errorMessage(err));
    }
  }

  /**
   * repair rebuilds a drifted live release into a fresh slot (reusing only
   * files that still hash right, fetching the rest), sets the drifted slot
   * aside as evidence, and switches to the fresh one.
   */
  private async repair(d: Directive__Output, signal: AbortSignal, log: Logger, admit: (r: Admitted) => void): Promise<HostReport> {
    const drifted = this.slots.liveRelease() === d.release_id ? this.slots.liveIndex() : undefined;
    const stats = await this.stager.stage(d.release_id, signal, admit);
    this.opts.events?.staged(stats);
    if (drifted !== undefined) await this.slots.markEvidence(drifted, `drifted; replaced at ${new Date(this.opts.now?.() ?? Date.now()).toISOString()}`);
    await this.activate(d.release_id, log);
    log.warn({ evidence: drifted, ...stats }, 'drifted live tree rebuilt and switched; the drifted slot is kept as evidence');
    return this.report(d, 'REPAIRED', stats);
  }

  /**
   * activate switches to the release's slot; a failed reload or health
   * check switches straight back. Whatever a slot holds is checked again
   * first (signature, fleet, floor): it was verified when staged, but trust
   * may have changed since.
   */
  private async activate(releaseId: string, log: Logger, override?: Override | null): Promise<void> {
    const index = this.slots.find(releaseId);
    if (index === undefined) throw new FleetswapError('STAGING_FAILED', 'release vanished from its slot before the switch');
    const previous = this.slots.liveIndex();
    if (previous === index) return;
    const admitted = await this.stager.admitted(releaseId);
    const overrideKey = this.floor.check(admitted, override);
    const started = performance.now();
    await switchLive(this.layout, index);
    await this.slots.markLive(index);
    const live = performance.now();
    log.info({ slot: index }, 'switched live');
    if (overrideKey) log.warn({ key: overrideKey.id, floor: this.floor.current()?.release_id }, 'went below the irreversible floor with an override signed by a release key');
    const timed = (ok: boolean) => this.opts.events?.switched({ release_id: releaseId, label: admitted.label, slot: index, switchMs: live - started, checkMs: performance.now() - live, ok });
    try {
      await this.checkAfterSwitch(releaseId);
      timed(true);
    } catch (err) {
      timed(false);
      if (previous === undefined) throw err;
      const back = this.slots.info().find((s) => s.index === previous)?.release_id ?? '';
      // Going back is a switch like any other: to a release this host still trusts.
      const refused = await this.stager.admitted(back).then((r) => void this.floor.check(r), (e: unknown) => e);
      if (refused) throw new FleetswapError(isFleetswapError(refused) ? refused.code : 'STAGING_FAILED', `${errorMessage(err)}; NOT switched back to slot ${previous}: ${errorMessage(refused)}`);
      await switchLive(this.layout, previous);
      await this.slots.markLive(previous);
      await this.checkAfterSwitch(this.slots.liveRelease()).catch(() => undefined);
      throw new FleetswapError('HEALTH_CHECK_FAILED', `${errorMessage(err)}; switched back to slot ${previous}`);
    }
    await this.floor.applied(admitted, overrideKey !== undefined).catch((err: unknown) => {
      // The switch stands; a floor not written is lower than it should be until the next irreversible release.
      log.error({ err: errorMessage(err) }, 'could not record the irreversible floor');
    });
  }

  private async checkAfterSwitch(releaseId: string): Promise<void> {
    if (this.opts.reloadCmd) {
      await runReload(this.opts.reloadCmd, { FLEETSWAP_RELEASE: releaseId, FLEETSWAP_ROOT: this.opts.root }, this.opts.reloadTimeoutMs ?? AGENT_DEFAULTS.reloadTimeoutMs);
    }
    if (this.opts.healthUrl) await probeHealth(this.opts.healthUrl, this.opts.healthTimeoutMs ?? AGENT_DEFAULTS.healthTimeoutMs);
  }

  private report(d: Directive__Output, kind: ReportKind, stats: StagingStats__Output | null, code = '', error = ''): HostReport {
    return {
      generation: d.generation,
      kind,
      release_id: d.release_id,
      error_code: code,
      error,
      stats,
      live_release: this.slots.liveRelease(),
      slots: this.slots.info(),
    };
  }
}
