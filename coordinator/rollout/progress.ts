import { failpoint } from '../../shared/failpoints.js';
import { TERMINAL_ROLLOUT_STATES } from '../../shared/domain.js';
import type { Hello__Output } from '../../shared/gen/fleetswap/v1/Hello.js';
import type { Report__Output } from '../../shared/gen/fleetswap/v1/Report.js';
import type { VitalsSample__Output } from '../../shared/gen/fleetswap/v1/VitalsSample.js';
import { CANARY, wave as waveCohort } from '../cohorts.js';
import { recordEvent, rolloutFields } from '../events.js';
import { Judge, type JudgeConfig } from '../judge.js';
import type { HostRow, RolloutHostRow, RolloutRow } from '../store.js';
import type { Core } from './core.js';
import { isBaking, isJudged, judgedTimeout, phaseOf } from './moves.js';
import { describe, hostIds, seconds } from './text.js';
import { countsOf, Waves } from './waves.js';

// Judging re-reads every judged host's samples: once a second is plenty.
const JUDGE_EVERY_MS = 1_000;

/**
 * What the engine reads samples from. The judge reads synchronously (it is
 * pure arithmetic); before each look the engine has the hosts' samples from
 * `from` on made ready, from memory or the database.
 */
export interface SampleSource {
  prepare(hosts: readonly string[], from: number): Promise<void>;
  between(host: string, from: number, to: number): readonly VitalsSample__Output[];
}

/** NO_SAMPLES is a fleet that sends none. */
export const NO_SAMPLES: SampleSource = { prepare: async () => undefined, between: () => [] };

/**
 * Progress moves the active rollout on what hosts say (hello, report) and on
 * the clock (tick: judging and deadlines). Every step re-reads the rollout
 * from the store, so a restarted coordinator carries on where it was.
 */
export class Progress {
  readonly waves: Waves;
  private readonly judges = new Map<string, Judge>();
  private lastJudged = 0;

  constructor(
    private readonly core: Core,
    private readonly samples: SampleSource,
    private readonly judgeConfig: JudgeConfig,
  ) {
    this.waves = new Waves(core, (id) => this.evaluate(id));
  }

  /** forgetJudges drops the judges' state: after an unhalt, phases start again from shifted times. */
  forgetJudges(): void {
    this.judges.clear();
  }

  /**
   * onHello sends a returning host the directive it missed, so a host that
   * was away converges, and records what its hello shows of the active
   * rollout. Like onReport it does not move the rollout on: settle does, once
   * for every hello and report committed together (coordinator/group-commit.ts).
   */
  async onHello(host: HostRow, hello: Hello__Output): Promise<void> {
    const { store, dispatch } = this.core;
    if (host.directive_generation > hello.last_generation) await dispatch.resend(host);
    const active = await store.rollouts.active();
    if (!active) return;
    const rh = await store.rolloutHosts.get(active.id, host.id);
    if (!rh) return;
    if (rh.stage === 'pending' && hello.slots.some((s) => s.release_id === active.release_id)) {
      await store.rolloutHosts.update(active.id, host.id, { stage: 'staged' });
    }
    if (rh.switch === 'pending' && hello.live_release === (rh.target || active.release_id)) {
      await store.rolloutHosts.update(active.id, host.id, { switch: 'done', error: '', switched_at_ms: this.core.now() });
    }
    if (rh.switch === 'reverting' && hello.live_release === rh.prev_release) {
      await store.rolloutHosts.update(active.id, host.id, { switch: 'reverted' });
    }
    // A report whose stream died before it arrived comes again with the hello.
    if (hello.last_report && hello.last_report.generation === host.directive_generation) await this.onReport(host.id, hello.last_report);
  }

  /** onReport records what a host's report means for the active rollout; settle moves it on. */
  async onReport(hostId: string, report: Report__Output): Promise<void> {
    const { store } = this.core;
    const active = await store.rollouts.active();
    if (!active) return;
    const rh = await store.rolloutHosts.get(active.id, hostId);
    if (!rh) return;
    const error = report.error ? `${report.error_code}: ${report.error}` : '';
    if (rh.switch === 'reverting') {
      if (report.kind === 'ACTIVATED' && report.release_id === rh.prev_release) await store.rolloutHosts.update(active.id, hostId, { switch: 'reverted' });
      else if (report.kind === 'FAILED' || report.kind === 'REVERTED') await store.rolloutHosts.update(active.id, hostId, { switch: 'failed', error: `revert failed: ${error}` });
      return;
    }
    if (report.release_id !== (rh.target || active.release_id)) return;
    if (rh.stage === 'pending') {
      if (report.kind === 'STAGED' || report.kind === 'ACTIVATED') {
        await store.rolloutHosts.update(active.id, hostId, { stage: 'staged', stats: report.stats ?? null, error: '' });
      } else {
        await store.rolloutHosts.update(active.id, hostId, { stage: 'failed', error });
      }
    }
    if (rh.switch === 'pending') {
      if (report.kind === 'ACTIVATED') await store.rolloutHosts.update(active.id, hostId, { switch: 'done', error: '', switched_at_ms: this.core.now() });
      else if (report.kind === 'FAILED' || report.kind === 'REVERTED') await store.rolloutHosts.update(active.id, hostId, { switch: 'failed', error });
    } else if (rh.switch === 'done' && report.kind === 'REVERTED') {
      await store.rolloutHosts.update(active.id, hostId, { switch: 'failed', error });
    }
  }

  /** settle moves the active rollout on from what its hosts have said (evaluate), once however many said it. */
  async settle(): Promise<void> {
    const active = await this.core.store.rollouts.active();
    if (active) await this.evaluate(active.id);
  }

  /** tick enforces deadlines and judges: a rollout never waits forever on a silent host. */
  async tick(): Promise<void> {
    const { store } = this.core;
    if ((await store.meta.halt()).halted) return;
    const active = await store.rollouts.active();
    if (!active) return;
    const now = this.core.now();
    if (now - this.lastJudged >= JUDGE_EVERY_MS && isJudged(active)) {
      this.lastJudged = now;
      await this.judge(active);
    }
    const r = await store.rollouts.get(active.id);
    if (!r || TERMINAL_ROLLOUT_STATES.has(r.state) || r.state === 'paused' || !r.deadline_ms || now < r.deadline_ms) return;
    await this.onDeadline(r);
  }

  /** evaluate moves a rollout on once what its phase waits for has happened. */
  async evaluate(rolloutId: number): Promise<void> {
    const { store } = this.core;
    if ((await store.meta.halt()).halted) return;
    const r = await store.rollouts.get(rolloutId);
    if (!r || TERMINAL_ROLLOUT_STATES.has(r.state)) return;
    if (r.kind === 'rollback') return await this.evaluateRollback(r);
    const state = phaseOf(r);
    // Counts, not rows: this runs on every report, and must stay cheap for thousands of hosts.
    const counts = await store.rolloutHosts.counts(r.id);
    const rowsWhere = async (keep: (h: RolloutHostRow) => boolean): Promise<RolloutHostRow[]> => (await store.rolloutHosts.of(r.id)).filter((h) => h.stage !== 'skipped' && keep(h));
    if (r.state === 'rolling_back') {
      if (!counts.switch.reverting) await this.core.transition(r, r.ends_as || 'rolled_back', `${r.message}; every host is back`);
      return;
    }
    // A host that could not switch, or switched back by its own health check, fails the rollout.
    if ((state === 'canary' || state === 'judging' || state === 'wave' || state === 'watching') && counts.switch.failed) {
      await this.waves.onFail(r, `switch failed on ${describe(await rowsWhere((h) => h.switch === 'failed'))}`);
      return;
    }
    if (r.state === 'paused') return;
    if (r.state === 'staging') {
      if (counts.stage.failed) {
        await this.core.transition(r, 'failed', `staging failed on ${counts.stage.failed} host(s), nothing was switched: ${describe(await rowsWhere((h) => h.stage === 'failed'))}`);
        return;
      }
      if (counts.stage.staged === counts.total) {
        const label = await this.core.label(r.release_id);
        if (r.plan.canary_hosts > 0) await this.waves.switchCohort(r, CANARY, `every host staged ${label}; canaries switching`);
        else await this.waves.nextWave(r, `every host staged ${label}`);
      }
      return;
    }
    if (r.state === 'canary' || (r.state === 'wave' && !isBaking(r))) await this.cohortLive(r, counts.switch.done ?? 0);
  }

  /** cohortLive: once no host of the switching cohort is pending, its bake begins (or the waves end). */
  private async cohortLive(r: RolloutRow, live: number): Promise<void> {
    const cohort = r.state === 'canary' ? CANARY : waveCohort(r.wave);
    if (countsOf(await this.core.store.rolloutHosts.switchCounts(r.id), cohort).pending) return;
    const now = this.core.now();
    if (r.state === 'canary') {
      await this.core.transition(r, 'judging', `${live} canary host(s) live; judging for ${seconds(r.plan.bake_ms)}`, {
        phase_started_ms: now,
        deadline_ms: now + judgedTimeout(r.plan.bake_ms, this.core.decisionGraceMs),
      });
    } else if (await this.waves.isLastWave(r)) {
      await this.waves.finishWaves(r);
    } else {
      await this.core.transition(r, 'wave', `wave ${r.wave} live (${live} host(s)); judging for ${seconds(r.plan.wave_bake_ms)}`, {
        phase_started_ms: now,
        deadline_ms: now + judgedTimeout(r.plan.wave_bake_ms, this.core.decisionGraceMs),
      });
    }
  }

  private async evaluateRollback(r: RolloutRow): Promise<void> {
    const { store } = this.core;
    const counts = await store.rolloutHosts.counts(r.id);
    if (counts.switch.pending) return;
    if (!counts.switch.failed) {
      await this.core.transition(r, 'complete', `${counts.total} host(s) live on ${this.core.label(r.release_id)}`);
      store.afterCommit(() => failpoint('rollout-after-complete'));
    } else {
      const failed = (await store.rolloutHosts.of(r.id)).filter((h) => h.switch === 'failed');
      await this.core.transition(r, 'failed', `switch failed on ${counts.switch.failed} of ${counts.total} host(s): ${describe(failed)}; run fleetswap rollback to put every host back`);
    }
  }

  private async judge(r: RolloutRow): Promise<void> {
    const { store, fleet } = this.core;
    const state = phaseOf(r);
    if (r.phase_started_ms === 0) return;
    const bake = state === 'judging' ? r.plan.bake_ms : state === 'watching' ? r.plan.watch_ms : r.plan.wave_bake_ms;
    const key = `${r.id}:${r.phase_started_ms}:${state}`;
    let judge = this.judges.get(key);
    if (!judge) {
      this.judges.clear();
      judge = new Judge(r.phase_started_ms, bake, this.judgeConfig);
      this.judges.set(key, judge);
    }
    const rows = await store.rolloutHosts.of(r.id);
    const hostRows = new Map((await store.hosts.all()).map((h) => [h.id, h]));
    const now = this.core.now();
    const canaries = rows.filter((h) => h.switch === 'done');
    const baseline = state === 'watching' ? [] : rows.filter((h) => h.switch === 'queued' && h.stage !== 'skipped').map((h) => h.host_id);
    // The judge reads each host's own past before its switch, or before the phase.
    const from = canaries.reduce((a, h) => (h.switched_at_ms > 0 ? Math.min(a, h.switched_at_ms) : a), r.phase_started_ms) - this.judgeConfig.beforeMs;
    await this.samples.prepare([...canaries.map((h) => h.host_id), ...baseline], from);
    const verdict = judge.evaluate({
      now,
      phase: state === 'wave' ? `wave ${r.wave}` : state,
      newRelease: r.release_id,
      oldRelease: r.from_release,
      canaries: canaries.map((h) => ({ id: h.host_id, switchedAt: h.switched_at_ms, live: hostRows.get(h.host_id)?.live_release ?? '', connected: fleet.isConnected(h.host_id) })),
      baseline,
      samples: (host, from, to) => this.samples.between(host, from, to),
    });
    const changed = !r.verdict || r.verdict.outcome !== verdict.outcome || r.verdict.phase !== verdict.phase;
    await store.tx(async () => {
      await store.rollouts.update(r.id, { verdict, updated_at_ms: r.updated_at_ms });
      if (changed) {
        await store.verdicts.insert(r.id, { ...verdict, at_ms: now });
        await recordEvent(store, now, {
          kind: 'rollout.verdict',
          severity: verdict.outcome === 'fail' ? 'critical' : 'info',
          reason: `${verdict.phase}: ${verdict.outcome}: ${verdict.reason}`,
          ...(await rolloutFields(store, r)),
          detail: { phase: verdict.phase, outcome: verdict.outcome },
        });
      }
    });
    if (changed) this.core.log.info({ rollout: r.id, release: r.release_id, verdict: verdict.outcome, phase: verdict.phase }, verdict.reason);
    r.verdict = verdict;
    if (verdict.outcome === 'fail') {
      await this.waves.onFail(r, `verdict: ${verdict.reason}`);
      return;
    }
    if (r.state === 'paused') return;
    if (state === 'watching') {
      if (this.core.now() - r.phase_started_ms >= r.plan.watch_ms) {
        await this.core.transition(r, 'complete', `watched ${seconds(r.plan.watch_ms)} at 100%: ${verdict.outcome === 'hold' ? `not judged to the end (${verdict.reason})` : 'no regression'}`);
      }
      return;
    }
    if (verdict.outcome !== 'pass') return;
    if (state === 'judging' && r.plan.manual_promote) {
      const msg = `verdict pass (${verdict.reason}); waiting for fleetswap promote`;
      if (r.message !== msg) await store.rollouts.update(r.id, { message: msg, deadline_ms: 0, updated_at_ms: this.core.now() });
      return;
    }
    await this.waves.nextWave(r, `verdict pass: ${verdict.reason}`);
  }

  /** onDeadline: a rollback marks its silent hosts failed; a deploy pauses and says what it waited on. */
  private async onDeadline(r: RolloutRow): Promise<void> {
    const { store, fleet } = this.core;
    const rows = await store.rolloutHosts.of(r.id);
    if (r.state === 'rolling_back') {
      const stuck = rows.filter((h) => h.switch === 'reverting');
      await this.core.transition(r, r.ends_as || 'rolled_back', `${r.message}; ${stuck.length} host(s) did not confirm in time: ${hostIds(stuck)}`);
      return;
    }
    if (r.kind === 'rollback') {
      for (const h of rows.filter((x) => x.stage !== 'skipped' && x.switch === 'pending')) {
        await store.rolloutHosts.update(r.id, h.host_id, { switch: 'failed', error: fleet.isConnected(h.host_id) ? 'no report before the switch deadline' : 'offline through the switch deadline' });
      }
      await this.evaluate(r.id);
      return;
    }
    const waiting = r.state === 'staging' ? rows.filter((h) => h.stage === 'pending') : rows.filter((h) => h.switch === 'pending');
    const names = hostIds(waiting);
    const why =
      r.state === 'staging'
        ? `stuck: ${waiting.length} host(s) not staged by the deadline (${names}); resume to wait longer, or abort`
        : r.state === 'canary' || (r.state === 'wave' && !isBaking(r))
          ? `stuck: ${waiting.length} host(s) did not confirm the switch by the deadline (${names}); resume to wait longer, or abort`
          : `stuck: no verdict by the deadline (${r.verdict?.reason ?? 'no data'}); resume to judge longer, promote, or abort`;
    await this.core.pause(r, { by: 'coordinator', why });
  }
}
