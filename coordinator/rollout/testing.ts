import { createHash } from 'node:crypto';
import { silentLogger } from '../../shared/log.js';
import type { ReportKind, RolloutState } from '../../shared/domain.js';
import type { DeployRequest__Output } from '../../shared/gen/fleetswap/v1/DeployRequest.js';
import type { Directive__Output } from '../../shared/gen/fleetswap/v1/Directive.js';
import type { RollbackRequest__Output } from '../../shared/gen/fleetswap/v1/RollbackRequest.js';
import type { Rollout__Output } from '../../shared/gen/fleetswap/v1/Rollout.js';
import type { RolloutAction__Output } from '../../shared/gen/fleetswap/v1/RolloutAction.js';
import { Store, type RolloutHostRow, type RolloutRow } from '../store.js';
import { RolloutEngine } from './engine.js';
import type { SampleSource } from './progress.js';
import type { FleetLink } from './send.js';

// testing.ts builds a rollout engine in-process for unit tests: a real Store
// (an in-memory SQLite database, or the one a test gives), a fake fleet that records what was sent,
// and a clock that moves only when told. No gRPC, no agents: a case runs in
// milliseconds. Start from anEngine() and add the case in a few lines.

/** FakeFleet stands for the connected hosts: it records each directive a connected host was sent. */
export class FakeFleet implements FleetLink {
  readonly connected = new Set<string>();
  sent: { host: string; d: Directive__Output }[] = [];

  isConnected(hostId: string): boolean {
    return this.connected.has(hostId);
  }

  send(hostId: string, d: Directive__Output): boolean {
    if (!this.connected.has(hostId)) return false;
    this.sent.push({ host: hostId, d });
    return true;
  }

  /** take returns what was sent since the last take. */
  take(): { host: string; d: Directive__Output }[] {
    const out = this.sent;
    this.sent = [];
    return out;
  }
}

/** TestClock is a clock you move. */
export class TestClock {
  at = Date.parse('2026-01-01T00:00:00Z');
  readonly now = (): number => this.at;
  advance(ms: number): void {
    this.at += ms;
  }
}

export interface TestHost {
  id: string;
  tags?: Record<string, string>;
  /** The release label the host runs; v1 unless told, '' for nothing live (a new host). */
  live?: string;
  /** Connected; true unless told. */
  online?: boolean;
}

export interface EngineSetup {
  /** A number gives h1..hN, online and live on v1. */
  hosts?: number | TestHost[];
  /** Release labels to push; v1 and v2 unless told. A label maps to its irreversibility reason, '' for none. */
  releases?: Record<string, string>;
  decisionGraceMs?: number;
  samples?: SampleSource;
  /** The store to run on (a test on PostgreSQL passes one); a SQLite database in memory unless given. */
  store?: Store;
}

/** releaseId is the id a test release gets: a sha256 like any other. */
export const releaseId = (label: string): string => createHash('sha256').update(label).digest('hex');

/** A plan small enough to read: 1 canary, then everyone; a minute of bake; no watch. */
export const SMALL_PLAN: Partial<DeployRequest__Output> = { canary: '1', waves: '100%', bake: '1m', wave_bake: '1m', watch_for: '0s' };

/** TestRollout is an engine with its store, fleet and clock, and the moves agents would make. */
export class TestRollout {
  readonly fleet = new FakeFleet();
  readonly clock = new TestClock();
  readonly engine: RolloutEngine;

  private constructor(readonly store: Store, setup: EngineSetup) {
    this.engine = new RolloutEngine(this.store, this.fleet, this.clock.now, silentLogger(), {
      samples: setup.samples,
      decisionGraceMs: setup.decisionGraceMs,
    });
  }

  static async create(setup: EngineSetup = {}): Promise<TestRollout> {
    const t = new TestRollout(setup.store ?? (await Store.sqlite(':memory:')), setup);
    for (const [label, irreversible] of Object.entries(setup.releases ?? { v1: '', v2: '' })) {
      await t.store.releases.insert({
        id: releaseId(label),
        label,
        manifest: Buffer.from('{}'),
        owner: '',
        notes: '',
        irreversible,
        pushed_by: 'test',
        pushed_at_ms: t.clock.now(),
        files: 0,
        bytes: 0,
        signatures: [],
      });
    }
    const hosts: TestHost[] = typeof setup.hosts === 'number' || setup.hosts === undefined ? Array.from({ length: setup.hosts ?? 3 }, (_, i) => ({ id: `h${i + 1}` })) : setup.hosts;
    for (const h of hosts) {
      const live = h.live === '' ? '' : releaseId(h.live ?? 'v1');
      const slots = live ? [{ index: 0, release_id: live, evidence: false }] : [];
      await t.store.hosts.upsertSeen({ id: h.id, tags: h.tags ?? {}, slot_count: 3, slots, live_release: live, last_generation: 0, unsigned_allowed: false, at_ms: t.clock.now() });
      await t.store.hosts.setDesiredRelease(h.id, live);
      if (h.online ?? true) t.fleet.connected.add(h.id);
    }
    return t;
  }

  private action(over: Partial<RolloutAction__Output>): RolloutAction__Output {
    return { rollout_id: 0, actor: 'alice', reason: '', force_irreversible: false, ...over };
  }

  deploy(over: Partial<DeployRequest__Output> = {}): Promise<Rollout__Output> {
    return this.engine.deploy({
      release: 'v2',
      select: {},
      canary: '',
      skip_offline: false,
      actor: 'alice',
      reason: '',
      stage_timeout_ms: 0,
      switch_timeout_ms: 0,
      waves: '',
      bake: '',
      wave_bake: '',
      watch_for: '',
      manual_promote: false,
      supersede: false,
      ...SMALL_PLAN,
      ...over,
    });
  }

  rollback(over: Partial<RollbackRequest__Output> = {}): Promise<Rollout__Output> {
    return this.engine.rollback({ select: {}, to: '', actor: 'alice', reason: '', force_irreversible: false, override: null, ...over });
  }

  promote = (over: Partial<RolloutAction__Output> = {}): Promise<Rollout__Output> => this.engine.promote(this.action(over));
  pause = (over: Partial<RolloutAction__Output> = {}): Promise<Rollout__Output> => this.engine.pause(this.action(over));
  resume = (over: Partial<RolloutAction__Output> = {}): Promise<Rollout__Output> => this.engine.resume(this.action(over));
  abort = (over: Partial<RolloutAction__Output> = {}): Promise<Rollout__Output> => this.engine.abort(this.action(over));
  halt = async (): Promise<void> => void (await this.engine.halt({ actor: 'alice', reason: 'incident' }));
  unhalt = async (): Promise<void> => void (await this.engine.unhalt({ actor: 'alice', reason: '' }));

  /** rollout is the newest rollout as stored. */
  async rollout(): Promise<RolloutRow> {
    const r = await this.store.rollouts.latest();
    if (!r) throw new Error('no rollout yet');
    return r;
  }

  async state(): Promise<RolloutState> {
    return (await this.rollout()).state;
  }

  async hosts(): Promise<RolloutHostRow[]> {
    return this.store.rolloutHosts.of((await this.rollout()).id);
  }

  /** report is what the agent on `hostId` says about its newest directive, as agent-service records it. */
  async report(hostId: string, kind: ReportKind, given?: string): Promise<void> {
    const host = await this.store.hosts.get(hostId);
    if (!host) throw new Error(`no host ${hostId}`);
    const release = given ?? host.directive_release;
    const live = kind === 'ACTIVATED' ? release : host.live_release;
    const slots = host.slots.some((s) => s.release_id === release) ? host.slots : [...host.slots, { index: host.slots.length, release_id: release, evidence: false }];
    await this.store.tx(async () => {
      await this.store.hosts.updateReport({ id: hostId, slots, live_release: live, generation: kind === 'FAILED' ? 0 : host.directive_generation, at_ms: this.clock.now(), last_error: '' });
      await this.engine.onReport(hostId, { generation: host.directive_generation, kind, release_id: release, error_code: kind === 'FAILED' ? 'TEST' : '', error: kind === 'FAILED' ? 'failed in a test' : '', stats: null, live_release: live, slots });
    });
  }

  /** stageAll: every host still staging reports its release staged. */
  async stageAll(): Promise<void> {
    for (const h of await this.hosts()) if (h.stage === 'pending') await this.report(h.host_id, 'STAGED');
  }

  /** switchAll: every host told to switch (or to switch back) reports it did. */
  async switchAll(): Promise<void> {
    for (const h of await this.hosts()) if (h.switch === 'pending' || h.switch === 'reverting') await this.report(h.host_id, 'ACTIVATED');
  }

  /** advance moves the clock and lets the engine look at it (as the coordinator's timer does). */
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await this.engine.tick();
  }
}

export function anEngine(setup: EngineSetup = {}): Promise<TestRollout> {
  return TestRollout.create(setup);
}
