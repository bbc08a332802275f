import { mkdir, readFile, rm } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import { FleetswapError, errorMessage } from '../shared/errors.js';
import { fromServiceError } from '../shared/rpc-errors.js';
import { failpoint } from '../shared/failpoints.js';
import { writeFileDurably } from '../shared/fsync.js';
import { createLogger, type Logger } from '../shared/log.js';
import { channelOptions, services } from '../shared/proto.js';
import { VERSION } from '../shared/version.js';
import type { AgentMessage } from '../shared/gen/fleetswap/v1/AgentMessage.js';
import type { AgentServiceClient } from '../shared/gen/fleetswap/v1/AgentService.js';
import type { Directive__Output } from '../shared/gen/fleetswap/v1/Directive.js';
import { Backoff } from './backoff.js';
import { DEFAULT_FLEET, checkFleet, type TrustedKey } from '../shared/signing.js';
import { channelCredentials, type Transport } from '../shared/tls.js';
import { DirectiveApplier, type HostReport } from './apply.js';
import { AGENT_DEFAULTS } from './defaults.js';
import type { AgentEvents } from './events.js';
import { DriftWatcher } from './drift-watch.js';
import { ErrorLogCounter } from './error-log.js';
import { Floor } from './floor.js';
import { coordinatorSource } from './coordinator-source.js';
import { parseTargets } from '../shared/targets.js';
import { Layout, mkdirServed } from './layout.js';
import { Slots } from './slots.js';
import { isGeneration } from '../shared/generation.js';
import { Stager, type ContentSource } from './stager.js';
import { VitalsSampler, systemMetrics, type MetricsSource } from './vitals.js';

export interface AgentOptions {
  id: string;
  root: string;
  /** host:port of the coordinator, or of several sharing one database, separated by commas. */
  coordinator: string;
  /** @default AGENT_DEFAULTS.slots */
  slots?: number;
  tags?: Record<string, string>;
  /** Run after every switch (apps that cache real paths need a reload). */
  reloadCmd?: string;
  /** Probed after every switch; a failure switches straight back. */
  healthUrl?: string;
  /** @default AGENT_DEFAULTS.healthTimeoutMs */
  healthTimeoutMs?: number;
  /** @default AGENT_DEFAULTS.reloadTimeoutMs */
  reloadTimeoutMs?: number;
  now?: () => number;
  log?: Logger;
  /** Replaces the coordinator as the source of manifests and blobs. */
  source?: ContentSource;
  /** Reconnect backoff. @default { baseMs: 500, maxMs: 30000 } */
  backoff?: { baseMs: number; maxMs: number };
  /** How often vitals are sampled and sent; 0 turns them off. @default AGENT_DEFAULTS.vitalsIntervalMs */
  vitalsIntervalMs?: number;
  /** The app's error log, followed for error incidents. */
  errorLog?: string;
  /** What starts an incident in the error log. @default AGENT_DEFAULTS.errorPattern */
  errorPattern?: RegExp;
  /** An incident with no new line for this long is over. @default 1000 */
  incidentGapMs?: number;
  /** Where load, CPU and memory come from. @default the real host (systeminformation) */
  metrics?: MetricsSource;
  /** Watch the live tree for drift (file events, `current` moved, periodic verification). @default true */
  driftWatch?: boolean;
  /** How often the whole live tree is verified against its manifest; 0 turns it off. @default AGENT_DEFAULTS.verifyIntervalMs */
  verifyIntervalMs?: number;
  /** The full verification's read rate. @default 32 MiB/s */
  verifyBytesPerSecond?: number;
  /** Release keys this host trusts: only releases one of them signed are staged. */
  trustKeys?: readonly TrustedKey[];
  /** With no trusted key, stage releases nobody signed; logged, and reported to the coordinator. @default false */
  allowUnsigned?: boolean;
  /** The fleet this host is in: only releases signed for it are staged. @default "default" */
  fleet?: string;
  /** TLS with this host's certificate from the fleet CA, or plaintext when the operator said --insecure; one is required. */
  transport?: Transport;
  /** Told of each staging, switch and drift finding (agent/metrics.ts, for --metrics-listen). @default none */
  events?: AgentEvents;
}

type State = 'created' | 'running' | 'stopped';

interface Persisted {
  last_generation: number;
}

/** A follower pointed to the leader: go there within this long (jittered). */
const LEADER_REDIRECT_MS = 1_000;
const jitter = (ms: number) => Math.floor(Math.random() * ms);

type ConnectStream = grpc.ClientDuplexStream<AgentMessage, Directive__Output>;

/**
 * Agent keeps one host's live code equal to what the coordinator directs.
 * It is a plain class, with its root, id, clock and content source injected,
 * so that a thousand can run in one process for the fleet simulator.
 */
export class Agent {
  readonly layout: Layout;
  readonly slots: Slots;
  private readonly stager: Stager;
  private readonly floor: Floor;
  private readonly applier: DirectiveApplier;
  private readonly log: Logger;
  /** One channel per coordinator address; the stream and fetches use the one at `target`. */
  private readonly clients = new Map<string, AgentServiceClient>();
  private readonly targets: string[];
  private target: string;
  /** Addresses tried since a stream was last accepted: once every one has failed, backoff grows. */
  private tried = new Set<string>();
  /** Where to go next: the leader a follower named, or the next address after a failure. */
  private nextTarget: string | undefined;
  /** A follower answered since every address was last tried: a leader exists or is being chosen. */
  private followerSeen = false;
  private readonly backoff: Backoff;
  private state: State = 'created';
  private persisted: Persisted = { last_generation: 0 };
  private stream: ConnectStream | undefined;
  /** The coordinator accepted our hello on `stream`: vitals may go out. */
  private accepted = false;
  private vitals: VitalsSampler | undefined;
  private errorLog: ErrorLogCounter | undefined;
  private drift: DriftWatcher | undefined;
  private queued: Directive__Output | undefined;
  private running: { directive: Directive__Output; abort: AbortController } | undefined;
  private lastReport: HostReport | undefined;
  private sleepTimer: { timer: NodeJS.Timeout; wake: () => void } | undefined;
  private loop: Promise<void> | undefined;
  private work: Promise<void> = Promise.resolve();
  /** Called each time a directive has been handled; for tests and the simulator. */
  onDirectiveDone: ((r: HostReport) => void) | undefined;
  /** Called each time the coordinator accepts this agent's hello; for the simulator's reconnect figures. */
  onConnected: (() => void) | undefined;
  /** Called with each directive as it arrives, before it is checked; for the simulator's failover figures. */
  onDirective: ((d: Directive__Output) => void) | undefined;

  constructor(readonly opts: AgentOptions) {
    const now = opts.now ?? Date.now;
    this.layout = new Layout(opts.root);
    this.slots = new Slots(this.layout, opts.slots ?? AGENT_DEFAULTS.slots, now);
    this.log = (opts.log ?? createLogger('agent')).child({ host: opts.id });
    if (!opts.transport) throw new FleetswapError('BAD_USAGE', 'the agent needs --ca, --cert and --key (fleetswap ca issue DIR HOST --role agent), or --insecure for plaintext');
    this.targets = parseTargets(opts.coordinator);
    this.target = this.targets[0] as string;
    const trusted = opts.trustKeys ?? [];
    if (trusted.length === 0 && !opts.allowUnsigned) {
      throw new FleetswapError('BAD_USAGE', 'no release key to trust: give --trust-key FILE (the .pub of fleetswap keys generate), or --allow-unsigned to stage releases nobody signed');
    }
    const fleet = checkFleet(opts.fleet ?? DEFAULT_FLEET);
    this.stager = new Stager(this.layout, this.slots, opts.source ?? coordinatorSource(() => ({ client: this.client(), target: this.target })), { trusted, fleet });
    this.floor = new Floor(this.layout.floor, fleet, trusted, now);
    this.backoff = new Backoff(opts.backoff?.baseMs, opts.backoff?.maxMs);
    this.applier = new DirectiveApplier(opts, this.layout, this.slots, this.stager, this.floor, this.log);
  }

  /** start rebuilds local state from disk, then connects (and keeps reconnecting) in the background. */
  async start(): Promise<void> {
    if (this.state !== 'created') throw new Error(`agent ${this.opts.id} cannot start from state ${this.state}`);
    await mkdirServed(this.layout.root);
    await mkdir(this.layout.own, { recursive: true });
    // Temp trees are never part of a slot; whatever a crash left there goes.
    await rm(this.layout.tmp, { recursive: true, force: true });
    await mkdir(this.layout.tmp, { recursive: true });
    await this.slots.load();
    await this.floor.load();
    this.persisted = await readFile(this.layout.state, 'utf8')
      .then((t) => JSON.parse(t) as Persisted)
      .catch(() => ({ last_generation: 0 }));
    if (!isGeneration(this.persisted.last_generation)) {
      this.log.error({ generation: String(this.persisted.last_generation) }, 'the recorded directive generation is out of range: starting from 0');
      this.persisted = { last_generation: 0 };
    }
    this.state = 'running';
    await this.startVitals();
    if (this.opts.driftWatch ?? true) {
      this.drift = new DriftWatcher({
        layout: this.layout,
        slots: this.slots,
        send: (drift) => {
          if (!this.stream || !this.accepted) return false;
          this.stream.write({ drift });
          return true;
        },
        found: (kind) => this.opts.events?.drift(kind),
        busy: () => this.running !== undefined,
        log: this.log,
        now: this.opts.now ?? Date.now,
        verifyIntervalMs: this.opts.verifyIntervalMs,
        bytesPerSecond: this.opts.verifyBytesPerSecond,
      });
      this.drift.start();
    }
    this.log.info({ release: this.slots.liveRelease(), slots: this.slots.info().length, generation: this.persisted.last_generation, floor: this.floor.current()?.release_id }, 'agent started');
    if (this.opts.transport && 'insecure' in this.opts.transport) this.log.warn('PLAINTEXT: --insecure, no TLS: anyone on the network can read and forge what this agent is told');
    if (this.unsignedAllowed()) this.log.warn('staging releases nobody signed (--allow-unsigned): any release the coordinator names can go live here');
    this.loop = this.connectLoop();
  }

  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopped';
    this.running?.abort.abort();
    this.vitals?.stop();
    await this.errorLog?.close();
    await this.drift?.stop();
    this.stream?.cancel();
    if (this.sleepTimer) {
      clearTimeout(this.sleepTimer.timer);
      this.sleepTimer.wake();
    }
    await this.loop;
    await this.work.catch(() => undefined);
    for (const c of this.clients.values()) c.close();
  }

  private client(): AgentServiceClient {
    let c = this.clients.get(this.target);
    if (!c) {
      c = new (services().agent)(this.target, channelCredentials(this.opts.transport as Transport), channelOptions);
      this.clients.set(this.target, c);
    }
    return c;
  }

  /** stopVitals stops sampling and says what was taken and sent; for the simulator's sent-versus-stored figure. */
  stopVitals(): { taken: number; sent: number; dropped: number } {
    this.vitals?.stop();
    return this.vitals?.stats() ?? { taken: 0, sent: 0, dropped: 0 };
  }

  liveRelease(): string {
    return this.slots.liveRelease();
  }

  /** connected: the coordinator accepted this agent's hello on the stream now open. */
  connected(): boolean {
    return this.accepted;
  }

  /** vitalsFigures is what the vitals sampler has taken, sent and dropped since start, and how many samples wait to be sent. */
  vitalsFigures(): { taken: number; sent: number; dropped: number; buffered: number } {
    return { ...(this.vitals?.stats() ?? { taken: 0, sent: 0, dropped: 0 }), buffered: this.vitals?.buffered() ?? 0 };
  }

  private unsignedAllowed(): boolean {
    return (this.opts.trustKeys ?? []).length === 0;
  }

  lastGeneration(): number {
    return this.persisted.last_generation;
  }

  // ---- connection ----

  private async connectLoop(): Promise<void> {
    while (this.state === 'running') {
      await this.runStream();
      if (this.state !== 'running') break;
      const delay = this.moveOn();
      this.log.info({ delay_ms: delay, coordinator: this.target }, 'coordinator stream closed; reconnecting');
      await new Promise<void>((wake) => {
        this.sleepTimer = { timer: setTimeout(wake, delay), wake };
      });
      this.sleepTimer = undefined;
    }
  }

  /**
   * moveOn picks the coordinator to try next and how long to wait first. A
   * follower that named the leader is followed at once (within a second, so
   * a fleet does not all arrive together); after a failure the addresses are
   * tried in turn, and once all of them failed the wait grows, unless one
   * was a follower: a leader is then being chosen, and is looked for again
   * within a second.
   */
  private moveOn(): number {
    const named = this.nextTarget;
    this.nextTarget = undefined;
    if (named && !this.tried.has(named)) {
      this.target = named;
      return jitter(LEADER_REDIRECT_MS);
    }
    const from = this.targets.indexOf(this.target) + 1;
    const turn = [...this.targets.slice(from), ...this.targets.slice(0, from)];
    const untried = turn.find((t) => !this.tried.has(t));
    const first = this.tried.size <= 1;
    if (untried && this.targets.length > 1) {
      this.target = untried;
      // The first move after a stream ends waits as before, so a fleet that lost its coordinator spreads out.
      return first ? this.backoff.next() : 0;
    }
    this.tried.clear();
    this.target = turn[0] as string;
    if (this.followerSeen) {
      this.followerSeen = false;
      return jitter(LEADER_REDIRECT_MS);
    }
    return this.backoff.next();
  }

  private runStream(): Promise<void> {
    return new Promise((resolve) => {
      const call = this.client().Connect();
      this.stream = call;
      this.tried.add(this.target);
      call.on('metadata', () => {
        this.accepted = true;
        this.tried.clear();
        this.backoff.reset();
        this.drift?.resend();
        this.vitals?.resend();
        this.onConnected?.();
      });
      call.on('data', (d: Directive__Output) => this.receive(d));
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        if (this.stream === call) {
          this.stream = undefined;
          this.accepted = false;
        }
        resolve();
      };
      call.on('error', (err: grpc.ServiceError) => {
        const refused = fromServiceError(err, this.target);
        if (refused.code === 'NOT_LEADER') {
          // A follower: go where it points, if it knows, or try the others.
          this.nextTarget = refused.leader && refused.leader !== this.target ? refused.leader : undefined;
          this.followerSeen = true;
          this.log.info({ coordinator: this.target, leader: refused.leader }, 'coordinator is a follower; moving to the leader');
        } else if (err.code !== grpc.status.CANCELLED) this.log.warn({ err: err.details || err.message, coordinator: this.target }, 'coordinator stream failed');
        finish();
      });
      call.on('end', finish);
      call.on('close', finish);
      call.write({
        hello: {
          host_id: this.opts.id,
          tags: this.opts.tags ?? {},
          slot_count: this.slots.count,
          slots: this.slots.info(),
          live_release: this.slots.liveRelease(),
          last_generation: this.persisted.last_generation,
          agent_version: VERSION,
          last_report: this.lastReport ?? null,
          unsigned_allowed: this.unsignedAllowed(),
        },
      });
    });
  }

  private async startVitals(): Promise<void> {
    const intervalMs = this.opts.vitalsIntervalMs ?? AGENT_DEFAULTS.vitalsIntervalMs;
    if (intervalMs <= 0) return;
    if (this.opts.errorLog) {
      this.errorLog = new ErrorLogCounter(
        this.opts.errorLog,
        { start: this.opts.errorPattern ?? AGENT_DEFAULTS.errorPattern, gapMs: this.opts.incidentGapMs ?? AGENT_DEFAULTS.incidentGapMs },
        this.opts.now ?? Date.now,
      );
      await this.errorLog.start();
    }
    this.vitals = new VitalsSampler({
      intervalMs,
      metrics: this.opts.metrics ?? systemMetrics,
      errorLog: this.errorLog,
      healthUrl: this.opts.healthUrl,
      healthTimeoutMs: this.opts.healthTimeoutMs ?? AGENT_DEFAULTS.healthTimeoutMs,
      now: this.opts.now ?? Date.now,
      liveRelease: () => this.slots.liveRelease(),
      send: (batch) => {
        if (!this.stream || !this.accepted) return false;
        this.stream.write({ vitals: batch });
        return true;
      },
    });
    this.vitals.start();
  }

  private send(report: HostReport): void {
    this.lastReport = report;
    this.stream?.write({ report });
    this.onDirectiveDone?.(report);
  }

  // ---- directives ----

  /**
   * receive queues a directive. Only the newest matters: one that arrives
   * while a staging runs aborts it, so a rollback never waits behind a
   * download it has made pointless.
   */
  private receive(d: Directive__Output): void {
    this.onDirective?.(d);
    if (!isGeneration(d.generation) || d.generation === 0) {
      // A generation no coordinator hands out: applying it would make every later directive look old.
      this.log.warn({ release: d.release_id.slice(0, 64), generation: String(d.generation) }, 'directive refused: its generation is out of range');
      return;
    }
    if (d.generation <= this.persisted.last_generation) {
      // Applied already (a resend after reconnect): say again how it ended.
      if (this.lastReport?.generation === d.generation) this.stream?.write({ report: this.lastReport });
      return;
    }
    if (this.running && d.generation <= this.running.directive.generation) return;
    if (this.queued && d.generation <= this.queued.generation) return;
    this.queued = d;
    if (this.running) this.running.abort.abort();
    this.work = this.work.then(() => this.drain());
  }

  private async drain(): Promise<void> {
    while (this.queued && this.state === 'running') {
      const directive = this.queued;
      this.queued = undefined;
      const abort = new AbortController();
      this.running = { directive, abort };
      const report = await this.applier.apply(directive, abort.signal);
      this.running = undefined;
      if (abort.signal.aborted && this.queued) continue;
      if (abort.signal.aborted && this.state !== 'running') return;
      // Losing the coordinator mid-fetch is no verdict on the directive: leave
      // it unapplied, and the coordinator sends it again after our hello.
      if (report.error_code === 'UNAVAILABLE') continue;
      this.persisted = { last_generation: directive.generation };
      await this.persist();
      failpoint('agent-after-persist');
      this.send(report);
    }
  }

  /**
   * persist records the applied generation. A full disk can refuse even this
   * small write; the report must go out all the same (or the rollout waits
   * for its deadline), and the queue must keep running (a rejected drain
   * would ignore every later directive). Not recorded, the directive is
   * applied once more after a restart, which changes nothing.
   */
  private async persist(): Promise<void> {
    try {
      await writeFileDurably(this.layout.state, JSON.stringify(this.persisted));
    } catch (err) {
      this.log.error({ err: errorMessage(err), generation: this.persisted.last_generation }, 'could not record the applied generation; it is applied again after a restart');
    }
  }
}
