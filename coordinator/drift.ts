import { FleetswapError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { DRIFT_STATES, type DriftState } from '../shared/drift.js';
import type { HostDirective } from '../shared/domain.js';
import type { DriftEvent__Output } from '../shared/gen/fleetswap/v1/DriftEvent.js';
import type { DriftHost__Output } from '../shared/gen/fleetswap/v1/DriftHost.js';
import type { DriftReportReply__Output } from '../shared/gen/fleetswap/v1/DriftReportReply.js';
import type { Report__Output } from '../shared/gen/fleetswap/v1/Report.js';
import type { CheckedDrift } from './agent-limits.js';
import { hostActor } from './audit.js';
import { recordEvent } from './events.js';
import type { Fleet } from './fleet.js';
import type { Clock } from './rollout.js';
import type { DriftEventRow, HostRow, Store } from './store.js';
import { isoFromMs } from './times.js';

export type DriftPolicy = 'revert' | 'report';

/** parseDriftPolicy is the policy an operator asked for, or a refusal (the request's field is any text). */
export function parseDriftPolicy(policy: string): DriftPolicy {
  if (policy === 'revert' || policy === 'report') return policy;
  throw new FleetswapError('BAD_USAGE', `bad drift policy ${JSON.stringify(policy.slice(0, 40))}: revert or report`);
}

/** The policy: a default, and rules for selections of hosts (the last rule that matches wins). */
export interface DriftPolicies {
  default: DriftPolicy;
  rules: { select: Record<string, string>; policy: DriftPolicy }[];
}

export interface DriftOptions {
  /** How long a host may run another release than its desired one, with nothing in flight, before it is drift. @default 30 s */
  graceMs?: number;
  /** The coordinator's default policy until one is set. @default revert */
  policy?: DriftPolicy;
}

/** What the monitor needs from the rollout engine: directives, stored before they are sent. */
export interface Directing {
  direct(hostId: string, kind: HostDirective, releaseId: string): Promise<void>;
  /** Hosts an active rollout is switching: their release is expected to differ for a moment. */
  switching(): Promise<ReadonlySet<string>>;
}

const POLICY_KEY = 'drift_policy';
const REPORTED = 'reported (policy: report)';

/**
 * DriftMonitor keeps every host's live code equal to its desired release,
 * and remembers each time it was not. Hosts report what they find in their
 * live tree (files changed, `current` moved); the monitor itself notices a
 * host running another release than its desired one with nothing in flight.
 * Under the `revert` policy it directs the host back (a REPAIR rebuilds the
 * tree into a fresh slot and keeps the drifted one as evidence; an ACTIVATE
 * switches back); under `report` it only records. Every event is stored with
 * the action taken and when it was resolved.
 */
export class DriftMonitor {
  private readonly since = new Map<string, number>();
  private readonly graceMs: number;

  constructor(
    private readonly store: Store,
    private readonly fleet: Fleet,
    private readonly directing: Directing,
    private readonly now: Clock,
    private readonly log: Logger,
    private readonly opts: DriftOptions = {},
  ) {
    this.graceMs = opts.graceMs ?? 30_000;
  }

  policies(): Promise<DriftPolicies> {
    return this.store.meta.get<DriftPolicies>(POLICY_KEY, { default: this.opts.policy ?? 'revert', rules: [] });
  }

  /** setPolicy sets the default (no selection) or adds a rule for a selection, replacing one for the same selection. */
  async setPolicy(policy: DriftPolicy, select: Record<string, string>): Promise<DriftPolicies> {
    const p = await this.policies();
    const key = JSON.stringify(Object.entries(select).sort());
    const rules = p.rules.filter((r) => JSON.stringify(Object.entries(r.select).sort()) !== key);
    const next: DriftPolicies = Object.keys(select).length === 0 ? { default: policy, rules } : { default: p.default, rules: [...rules, { select, policy }] };
    await this.store.meta.set(POLICY_KEY, next);
    this.log.info({ policy, select }, 'drift policy set');
    return next;
  }

  async policyFor(host: HostRow): Promise<DriftPolicy> {
    const p = await this.policies();
    const rule = p.rules.filter((r) => Object.entries(r.select).every(([k, v]) => host.tags[k] === v)).at(-1);
    return rule?.policy ?? p.default;
  }

  // ---- what hosts say ----

  async onDrift(hostId: string, d: CheckedDrift): Promise<void> {
    const host = await this.store.hosts.get(hostId);
    if (!host) return;
    await this.store.hosts.updateLive(hostId, d.live_release, d.slots, this.now());
    if (d.kind === 'clean') {
      // A full verification found the tree whole again (put right by hand, under `report`).
      for (const e of await this.store.driftEvents.open(hostId)) {
        if (e.kind === 'content-drift' && e.release_id === d.release_id) await this.resolve(host, e, `${e.action}; verified clean`);
      }
      return;
    }
    const kind = d.kind === 'content' ? 'content-drift' : 'symlink-moved';
    const open = (await this.store.driftEvents.open(hostId)).find((e) => e.kind === kind);
    const detected = Math.min(d.detected_at_ms || this.now(), this.now());
    const policy = await this.policyFor(host);
    if (open) {
      await this.store.driftEvents.update(open.id, { paths: mergePaths(open.paths, d.paths), path_count: Math.max(open.path_count, d.path_count), detail: d.detail || open.detail });
    } else {
      await this.found(host, {
        host: hostId,
        kind,
        release_id: d.release_id,
        paths: d.paths,
        path_count: d.path_count,
        detail: d.detail,
        detected_at_ms: detected,
        action: policy === 'report' ? REPORTED : 'reverting',
        resolved_at_ms: null,
      });
      this.log.warn({ host: hostId, release: d.release_id, kind, paths: d.path_count, policy }, `drift: ${d.kind === 'content' ? 'live tree differs from its manifest' : `current moved (${d.detail})`}`);
    }
    if (policy === 'report' || !host.desired_release || open) return;
    if (kind === 'content-drift' && d.release_id === host.desired_release && d.live_release === host.desired_release) {
      await this.directing.direct(hostId, 'REPAIR', host.desired_release);
    } else {
      await this.directing.direct(hostId, 'ACTIVATE', host.desired_release);
    }
  }

  /** onHello notices a host that comes back on another release than its desired one. */
  async onHello(host: HostRow): Promise<void> {
    if (!host.desired_release || host.live_release === host.desired_release || (await this.directing.switching()).has(host.id)) return;
    if ((await this.store.driftEvents.open(host.id)).some((e) => e.kind === 'version-drift')) return;
    const inFlight = host.directive_generation > host.last_generation;
    await this.openVersionDrift(host, inFlight ? 'reverting (its missed directive was sent again)' : undefined);
  }

  async onReport(hostId: string, r: Report__Output): Promise<void> {
    // Every host reports on every deploy: only a host with an open event needs more than this.
    if (r.kind === 'STAGED') return;
    const open = await this.store.driftEvents.open(hostId);
    if (open.length === 0) return;
    const host = await this.store.hosts.get(hostId);
    if (!host) return;
    const at = this.now();
    for (const e of open) {
      if (e.action === REPORTED) continue;
      if (r.kind === 'REPAIRED' && e.kind === 'content-drift') {
        const evidence = r.slots.filter((s) => s.evidence && s.release_id === e.release_id).map((s) => s.index);
        await this.resolve(host, e, `reverted: rebuilt into a fresh slot${evidence.length ? `; drifted tree kept as evidence in slot ${evidence.join(', ')}` : ''}`, at);
      } else if ((r.kind === 'ACTIVATED' || r.kind === 'REPAIRED') && r.live_release === host.desired_release && e.kind !== 'content-drift') {
        await this.resolve(host, e, 'reverted: switched back to its desired release', at);
      } else if (r.kind === 'FAILED' && (r.release_id === host.desired_release || r.release_id === e.release_id)) {
        await this.store.driftEvents.update(e.id, { action: `revert failed: ${r.error_code}: ${r.error}` });
      }
    }
  }

  /** tick finds version drift: another release live than desired, nothing in flight, past the grace. */
  async tick(): Promise<void> {
    const now = this.now();
    // Resolve what was put right: hosts with an open version or symlink event that run their desired release again.
    const openVersion = new Set((await this.store.driftEvents.open()).filter((e) => e.kind !== 'content-drift').map((e) => e.host));
    for (const id of openVersion) {
      const host = await this.store.hosts.get(id);
      if (host && host.live_release === host.desired_release) await this.resolveVersionDrift(host);
    }
    // Only hosts the database already says run another release than desired, with nothing in flight, are read.
    const candidates = await this.store.hosts.versionDriftCandidates();
    const switching = candidates.length > 0 ? await this.directing.switching() : new Set<string>();
    const drifting = candidates.filter((h) => this.fleet.isConnected(h.id) && !switching.has(h.id));
    const ids = new Set(drifting.map((h) => h.id));
    for (const id of this.since.keys()) if (!ids.has(id)) this.since.delete(id);
    for (const host of drifting) {
      const first = this.since.get(host.id) ?? now;
      this.since.set(host.id, first);
      if (now - first < this.graceMs) continue;
      if ((await this.store.driftEvents.open(host.id)).some((e) => e.kind !== 'content-drift' && e.action !== REPORTED && e.action.startsWith('revert'))) {
        // Sent back once and still not there: do not resend in a loop; the event says so.
        continue;
      }
      await this.openVersionDrift(host);
    }
  }

  private async openVersionDrift(host: HostRow, action?: string): Promise<void> {
    const policy = await this.policyFor(host);
    const open = (await this.store.driftEvents.open(host.id)).find((e) => e.kind === 'version-drift');
    const chosen = action ?? (policy === 'report' ? REPORTED : 'reverting');
    if (!open) {
      await this.found(host, {
        host: host.id,
        kind: 'version-drift',
        release_id: host.live_release,
        paths: [],
        path_count: 0,
        detail: `live ${host.live_release.slice(0, 12) || 'nothing'}, desired ${host.desired_release.slice(0, 12)}`,
        detected_at_ms: this.now(),
        action: chosen,
        resolved_at_ms: null,
      });
      this.log.warn({ host: host.id, release: host.live_release, desired: host.desired_release, policy }, 'drift: host runs another release than its desired one');
    }
    if (!action && policy === 'revert') await this.directing.direct(host.id, 'ACTIVATE', host.desired_release);
  }

  private async resolveVersionDrift(host: HostRow): Promise<void> {
    for (const e of await this.store.driftEvents.open(host.id)) {
      if (e.kind === 'content-drift') continue;
      await this.resolve(host, e, e.action === REPORTED ? `${REPORTED}; back on its desired release` : 'reverted: switched back to its desired release');
    }
  }

  /** found opens a drift event and tells the event stream, together. */
  private async found(host: HostRow, e: Omit<DriftEventRow, 'id'>): Promise<void> {
    await this.store.tx(async () => {
      await this.store.driftEvents.insert(e);
      await recordEvent(this.store, this.now(), {
        kind: 'drift.found',
        severity: 'warning',
        actor: hostActor(host.id),
        reason: `${e.kind} on ${host.id}${e.detail ? `: ${e.detail}` : ''} (${e.action})`,
        release_id: e.release_id,
        host: host.id,
        scope: host.tags,
        detail: { drift: e.kind, paths: e.path_count },
      });
    });
  }

  /** resolve closes a drift event and tells the event stream, together. */
  private async resolve(host: HostRow, e: DriftEventRow, action: string, at = this.now()): Promise<void> {
    await this.store.tx(async () => {
      await this.store.driftEvents.update(e.id, { resolved_at_ms: at, action });
      await recordEvent(this.store, at, { kind: 'drift.resolved', severity: 'info', actor: hostActor(host.id), reason: `${e.kind} on ${host.id} resolved: ${action}`, release_id: e.release_id, host: host.id, scope: host.tags, detail: { drift: e.kind } });
    });
  }

  /** clean tells a host to remove the drifted trees it keeps as evidence. */
  async clean(hostId: string): Promise<void> {
    const host = await this.store.hosts.get(hostId);
    if (!host) throw new FleetswapError('NO_HOSTS', `no host ${JSON.stringify(hostId)}: see fleetswap hosts`);
    if (!host.slots.some((s) => s.evidence)) throw new FleetswapError('REFUSED', `${hostId} keeps no evidence slots: nothing to clean`);
    await this.directing.direct(hostId, 'CLEAN', '');
  }
}

const EVENTS_PER_HOST = 20;
const FIRST_PATHS = 5;

/**
 * driftReport is the fleet's drift report: one row per host with its state,
 * the paths of an open content drift, and its recent events (resolved ones
 * too), drifted hosts first.
 */
export async function driftReport(store: Store, fleet: Fleet, now: Clock): Promise<DriftReportReply__Output> {
  const labels = await store.releases.labels();
  const name = (id: string) => (id ? (labels[id] ?? id.slice(0, 12)) : '');
  const events = new Map<string, DriftEventRow[]>();
  for (const e of await store.driftEvents.recent(EVENTS_PER_HOST)) (events.get(e.host) ?? events.set(e.host, []).get(e.host)!).push(e);
  const hosts = (await store.hosts.all()).map((h): DriftHost__Output & { state: DriftState } => {
    const mine = events.get(h.id) ?? [];
    const open = mine.filter((e) => e.resolved_at_ms === null);
    const content = open.find((e) => e.kind === 'content-drift');
    return {
      host: h.id,
      tags: h.tags,
      desired: name(h.desired_release),
      live: name(h.live_release),
      desired_id: h.desired_release,
      live_id: h.live_release,
      state: stateOf(h, open, fleet.isConnected(h.id)),
      path_count: content?.path_count ?? 0,
      first_paths: content?.paths.slice(0, FIRST_PATHS) ?? [],
      events: mine.map(
        (e): DriftEvent__Output => ({
          kind: e.kind,
          paths: e.paths,
          path_count: e.path_count,
          detail: e.detail,
          detected_at: isoFromMs(e.detected_at_ms),
          action: e.action,
          resolved_at: e.resolved_at_ms === null ? '' : isoFromMs(e.resolved_at_ms),
        }),
      ),
    };
  });
  const order = (s: DriftState) => DRIFT_STATES.indexOf(s);
  hosts.sort((a, b) => order(a.state) - order(b.state) || a.host.localeCompare(b.host));
  const summary: Record<string, number> = Object.fromEntries(DRIFT_STATES.map((s) => [s, 0]));
  for (const h of hosts) summary[h.state] = (summary[h.state] ?? 0) + 1;
  return { generated_at: isoFromMs(now()), summary, hosts };
}

/** hostStates gives each of `hosts` its state as the drift report does (for the host list). */
export async function hostStates(store: Store, fleet: Fleet, hosts: readonly HostRow[]): Promise<Map<string, DriftState>> {
  const open = new Map<string, DriftEventRow[]>();
  for (const e of await store.driftEvents.open()) (open.get(e.host) ?? open.set(e.host, []).get(e.host)!).push(e);
  return new Map(hosts.map((h) => [h.id, stateOf(h, open.get(h.id) ?? [], fleet.isConnected(h.id))]));
}

/** stateOf is a host's standing in the drift report, `hosts` and the metrics: from its row, its open drift events and its stream. */
export function stateOf(h: Pick<HostRow, 'live_release' | 'desired_release' | 'directive_generation' | 'last_generation'>, open: readonly Pick<DriftEventRow, 'kind' | 'action'>[], connected: boolean): DriftState {
  if (!connected) return 'offline';
  if (open.some((e) => e.action === 'reverting' || e.action.startsWith('reverting '))) return 'converging';
  if (open.some((e) => e.kind === 'content-drift')) return 'content-drift';
  if (open.length > 0) return 'version-drift';
  if (h.directive_generation > h.last_generation) return 'converging';
  // With no desired release there is nothing to be in sync with, whatever it runs.
  if (!h.desired_release) return 'no-release';
  if (h.live_release !== h.desired_release) return 'version-drift';
  return 'in-sync';
}

function mergePaths(a: DriftEventRow['paths'], b: DriftEventRow['paths'], max = 20): DriftEventRow['paths'] {
  const seen = new Set(a.map((p) => `${p.path}\0${p.change}`));
  return [...a, ...b.filter((p) => !seen.has(`${p.path}\0${p.change}`))].slice(0, max);
}
