import { FleetswapError } from '../shared/errors.js';
import { failpoint } from '../shared/failpoints.js';
import type { Logger } from '../shared/log.js';
import type {
  DeployRequest,
  Directive,
  DirectiveKind,
  Hello,
  Report,
  RollbackRequest,
  Rollout,
  RolloutState,
  StageState,
  SwitchState,
} from '../shared/wire.js';
import { TERMINAL_ROLLOUT_STATES } from '../shared/wire.js';
import type { Fleet } from './fleet.js';
import { resolveRelease } from './releases.js';
import type { HostRow, RolloutHostRow, RolloutRow, Store } from './store.js';

export const DEFAULT_STAGE_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_SWITCH_TIMEOUT_MS = 2 * 60_000;

export type Clock = () => number;

/**
 * ALLOWED lists the legal rollout transitions. A two-phase deploy goes
 * staging -> switching -> complete; a rollback starts at switching. Any
 * active rollout can be superseded by a rollback.
 */
const ALLOWED: Record<RolloutState, readonly RolloutState[]> = {
  staging: ['switching', 'failed', 'superseded'],
  switching: ['complete', 'failed', 'superseded'],
  complete: [],
  failed: [],
  superseded: [],
};

/**
 * RolloutEngine moves releases onto hosts. Every decision is written to the
 * store before a directive leaves (DESIGN invariant 7), so a coordinator
 * killed at any moment resumes from the database: hosts are sent their
 * stored directive again when they say hello.
 */
export class RolloutEngine {
  constructor(
    private readonly store: Store,
    private readonly fleet: Fleet,
    private readonly now: Clock,
    private readonly log: Logger,
  ) {}

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  // ---- operator actions ----

  deploy(req: DeployRequest): Rollout {
    const release = resolveRelease(this.store, req.release);
    if (req.canary !== 0) {
      throw new FleetswapError('BAD_USAGE', 'canary cohorts are not available yet: use --canary 0 (all hosts in two phases)');
    }
    const active = this.store.activeRollout();
    if (active) {
      throw new FleetswapError(
        'ROLLOUT_ACTIVE',
        `rollout #${active.id} is ${active.state}: wait for it (fleetswap status --watch) or roll back (fleetswap rollback)`,
      );
    }
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
      });
      for (const h of selected) {
        const isOnline = this.fleet.isConnected(h.id);
        this.store.insertRolloutHost({
          rollout_id: rolloutId,
          host_id: h.id,
          stage: isOnline ? 'pending' : 'skipped',
          switch: 'pending',
          error: isOnline ? '' : 'offline at deploy; converges when it returns',
          stats: null,
        });
        if (isOnline) outbox.push([h.id, this.directive(h.id, 'STAGE', release.id)]);
      }
      return rolloutId;
    });
    failpoint('rollout-after-stage-commit');
    this.flush(outbox);
    this.log.info({ rollout: id, release: release.id, hosts: online.length }, 'deploy started: staging');
    return this.view(id);
  }

  rollback(req: RollbackRequest): Rollout {
    const selected = this.select(req.select);
    const current = mostCommon(selected.map((h) => h.desired_release || h.live_release));
    const target = req.to ? resolveRelease(this.store, req.to) : this.previousRelease(current);
    const leaving = current ? this.store.releaseById(current) : undefined;
    if (leaving?.irreversible && leaving.id !== target.id) {
      throw new FleetswapError(
        'IRREVERSIBLE',
        `release ${leaving.label} is irreversible (${leaving.irreversible}); rolling back past it is refused`,
      );
    }
    const outbox: [string, Directive][] = [];
    const id = this.store.tx(() => {
      const at = this.iso();
      const active = this.store.activeRollout();
      const rolloutId = this.store.insertRollout({
        kind: 'rollback',
        state: 'switching',
        release_id: target.id,
        from_release: current,
        actor: req.actor,
        reason: req.reason,
        selector: req.select,
        message: `switching ${selected.length} host(s) to ${target.label}`,
        created_at: at,
        updated_at: at,
        deadline_at: this.now() + DEFAULT_SWITCH_TIMEOUT_MS,
        switch_timeout_ms: DEFAULT_SWITCH_TIMEOUT_MS,
      });
      if (active) this.transition(active, 'superseded', `superseded by rollback #${rolloutId}`);
      this.store.recordDesiredChange({
        at,
        actor: req.actor,
        reason: req.reason,
        action: 'rollback',
        from_release: current,
        to_release: target.id,
        hosts: selected.map((h) => h.id),
      });
      for (const h of selected) {
        const isOnline = this.fleet.isConnected(h.id);
        const done = h.live_release === target.id;
        this.store.insertRolloutHost({
          rollout_id: rolloutId,
          host_id: h.id,
          stage: isOnline ? 'staged' : 'skipped',
          switch: done ? 'done' : 'pending',
          error: isOnline ? '' : 'offline; converges when it returns',
          stats: null,
        });
        const d = this.directive(h.id, 'ACTIVATE', target.id, target.id);
        if (isOnline) outbox.push([h.id, d]);
      }
      return rolloutId;
    });
    this.flush(outbox);
    this.log.info({ rollout: id, release: target.id, hosts: selected.length }, 'rollback started');
    this.evaluate(id);
    return this.view(id);
  }

  /** previousRelease is what the fleet ran before the deploy that put `current` out. */
  private previousRelease(current: string) {
    const deploy = current ? this.store.lastDeployOf(current) : undefined;
    if (!deploy) throw new FleetswapError('NOTHING_TO_ROLL_BACK', 'no earlier release to roll back to: name one with --to');
    return resolveRelease(this.store, deploy.from_release);
  }

  // ---- what hosts say ----

  /** onHello sends a returning host the directive it missed, so a host that was away converges. */
  onHello(host: HostRow, hello: Hello): void {
    if (host.directive_generation > hello.last_generation && host.directive_kind !== '') {
      this.fleet.send(host.id, {
        generation: host.directive_generation,
        kind: host.directive_kind,
        release_id: host.directive_release,
      });
    }
    const active = this.store.activeRollout();
    if (!active) return;
    const rh = this.store.rolloutHost(active.id, host.id);
    if (!rh) return;
    if (active.state === 'staging' && rh.stage === 'pending' && hello.slots.some((s) => s.release_id === active.release_id)) {
      this.store.updateRolloutHost(active.id, host.id, { stage: 'staged' });
    }
    if (active.state === 'switching' && hello.live_release === active.release_id) {
      this.store.updateRolloutHost(active.id, host.id, { switch: 'done', error: '' });
    }
    this.evaluate(active.id);
    // A report whose stream died before it arrived comes again with the hello.
    if (hello.last_report && hello.last_report.generation === host.directive_generation) this.onReport(host.id, hello.last_report);
  }

  onReport(hostId: string, report: Report): void {
    const active = this.store.activeRollout();
    if (!active || report.release_id !== active.release_id) return;
    const rh = this.store.rolloutHost(active.id, hostId);
    if (!rh) return;
    const error = report.error ? `${report.error_code}: ${report.error}` : '';
    if (active.state === 'staging' && rh.stage !== 'staged') {
      if (report.kind === 'STAGED' || report.kind === 'ACTIVATED') {
        this.store.updateRolloutHost(active.id, hostId, { stage: 'staged', stats: report.stats ?? null, error: '' });
      } else {
        this.store.updateRolloutHost(active.id, hostId, { stage: 'failed', error });
      }
    } else if (active.state === 'switching') {
      if (report.kind === 'ACTIVATED') this.store.updateRolloutHost(active.id, hostId, { switch: 'done', error: '' });
      else if (report.kind === 'FAILED' || report.kind === 'REVERTED') this.store.updateRolloutHost(active.id, hostId, { switch: 'failed', error });
    }
    this.evaluate(active.id);
  }

  /** tick enforces deadlines: a rollout never waits forever on a silent host. */
  tick(): void {
    const active = this.store.activeRollout();
    if (!active || this.now() < active.deadline_at) return;
    const hosts = this.store.rolloutHosts(active.id);
    const stuck =
      active.state === 'staging'
        ? hosts.filter((h) => h.stage === 'pending')
        : hosts.filter((h) => h.stage !== 'skipped' && h.switch === 'pending');
    const phase = active.state === 'staging' ? 'staging' : 'switching';
    for (const h of stuck) {
      this.store.updateRolloutHost(active.id, h.host_id, {
        ...(phase === 'staging' ? { stage: 'failed' as StageState } : { switch: 'failed' as SwitchState }),
        error: this.fleet.isConnected(h.host_id) ? `no report before the ${phase} deadline` : `offline through the ${phase} deadline`,
      });
    }
    this.evaluate(active.id);
  }

  // ---- the state machine ----

  private evaluate(rolloutId: number): void {
    const r = this.store.rollout(rolloutId);
    if (!r || TERMINAL_ROLLOUT_STATES.has(r.state)) return;
    // Counts, not rows: this runs on every report, and must stay cheap for thousands of hosts.
    const counts = this.store.rolloutCounts(r.id);
    const failedRows = () => this.store.rolloutHosts(r.id).filter((h) => h.stage === 'failed' || h.switch === 'failed');
    if (r.state === 'staging') {
      if (counts.stage.failed) {
        this.transition(r, 'failed', `staging failed on ${counts.stage.failed} host(s), nothing was switched: ${describe(failedRows())}`);
        return;
      }
      if (counts.stage.staged === counts.total) this.beginSwitch(r);
      return;
    }
    if (counts.switch.pending) return;
    if (!counts.switch.failed) {
      this.transition(r, 'complete', `${counts.total} host(s) live on ${this.label(r.release_id)}`);
      failpoint('rollout-after-complete');
    } else {
      this.transition(
        r,
        'failed',
        `switch failed on ${counts.switch.failed} of ${counts.total} host(s): ${describe(failedRows())}; run fleetswap rollback to put every host back`,
      );
    }
  }

  private beginSwitch(r: RolloutRow): void {
    const outbox: [string, Directive][] = [];
    this.store.tx(() => {
      const rows = this.store.rolloutHosts(r.id);
      const hostIds = rows.map((h) => h.host_id);
      this.store.recordDesiredChange({
        at: this.iso(),
        actor: r.actor,
        reason: r.reason,
        action: 'deploy',
        from_release: r.from_release,
        to_release: r.release_id,
        hosts: hostIds,
      });
      for (const h of rows) {
        // Skipped (offline) hosts get their desired state too: they converge when they return.
        const d = this.directive(h.host_id, 'ACTIVATE', r.release_id, r.release_id);
        if (h.stage !== 'skipped') outbox.push([h.host_id, d]);
      }
      this.transition(r, 'switching', `every host staged ${this.label(r.release_id)}; switching`, this.now() + r.switch_timeout_ms);
    });
    failpoint('rollout-after-switch-commit');
    this.flush(outbox);
    this.log.info({ rollout: r.id, release: r.release_id, hosts: outbox.length }, 'all hosts staged: switching');
  }

  private transition(r: RolloutRow, to: RolloutState, message: string, deadline?: number): void {
    if (!ALLOWED[r.state].includes(to)) throw new Error(`illegal rollout transition ${r.state} -> ${to} (rollout #${r.id})`);
    this.store.updateRollout(r.id, { state: to, message, deadline_at: deadline, updated_at: this.iso() });
    r.state = to;
    this.log.info({ rollout: r.id, release: r.release_id, state: to }, message);
  }

  /** directive stores a new directive for a host (and its desired release); sending waits for the commit. */
  private directive(hostId: string, kind: DirectiveKind, releaseId: string, desired?: string): Directive {
    const d: Directive = { generation: this.store.nextGeneration(), kind, release_id: releaseId };
    this.store.setDirective(hostId, d, desired);
    return d;
  }

  private flush(outbox: [string, Directive][]): void {
    for (const [hostId, d] of outbox) this.fleet.send(hostId, d);
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
    if (!r) throw new FleetswapError('UNKNOWN_RELEASE', `no rollout #${id}`);
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
      hosts: this.store.rolloutHosts(r.id).map((h) => ({
        host_id: h.host_id,
        stage: h.stage,
        switch: h.switch,
        error: h.error,
        stats: h.stats,
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
