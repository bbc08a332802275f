import { mkdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { errorMessage, FleetswapError } from '../shared/errors.js';
import { createLogger, type Logger } from '../shared/log.js';
import { serverOptions, services } from '../shared/proto.js';
import { adminService } from './admin-service.js';
import { agentService } from './agent-service.js';
import type { BlobStore } from './blobs/blob-store.js';
import { blobStoreFor } from './blobs/blob-store-for.js';
import { Fleet } from './fleet.js';
import { closeRevoked } from './peers.js';
import { Revocation } from './revocation.js';
import { CRL_NEEDS_TLS, serverCredentials, type Transport } from '../shared/tls.js';
import { AuditLog } from './audit.js';
import { Auth, readTokenFile } from './auth.js';
import { edgeInterceptor, withMessageLimits } from './edge.js';
import { Refusals } from './refusals.js';
import { DriftMonitor, type DriftOptions } from './drift.js';
import { JoinRule } from './join.js';
import { Leadership } from './leadership.js';
import type { CoordinatorMember } from '../shared/gen/fleetswap/v1/CoordinatorMember.js';
import type { JudgeConfig } from './judge.js';
import type { SigningPolicy } from './releases.js';
import { DEFAULT_FLEET, checkFleet } from '../shared/signing.js';
import { RolloutEngine, type Clock } from './rollout.js';
import { Store } from './store.js';
import { VitalsSink, type VitalsOptions } from './vitals.js';
import type { ServiceDeps } from './deps.js';
import { Notifier, type NotifierOptions } from './notify/notifier.js';
import type { HttpServer } from './http/server.js';
import { compileHttpOptions, type HttpOptions } from './http/options.js';

export interface CoordinatorOptions {
  /** Blobs, the SQLite database (unless `database` is given), the first admin token. */
  dataDir: string;
  /** A PostgreSQL URL (postgres://...) shared with other coordinators; unset, SQLite under dataDir. */
  database?: string;
  /** Where blobs are kept: a directory every coordinator mounts. @default in the database with `database`, else DATA/blobs */
  blobsDir?: string;
  /** Run the database's pending migrations at start; false refuses a schema behind this fleetswap's (`--no-migrate`). @default true */
  migrate?: boolean;
  /** host:port; port 0 picks a free one (see `address` after start). */
  listen: string;
  /** Several coordinators on one database: this one's name (default HOST:PORT, the host name and the port it listens on) and where agents and the CLI reach it (default the listen address). */
  name?: string;
  advertise?: string;
  /** How long a leader's lease lasts unrenewed (renewed every fifth of it). @default 5000 */
  leaseMs?: number;
  now?: Clock;
  log?: Logger;
  /** How often deadlines are checked. @default 250 */
  tickMs?: number;
  vitals?: VitalsOptions;
  /** How canaries are judged. @default DEFAULT_JUDGE */
  judge?: JudgeConfig;
  /** How long after its bake a judged phase may stay undecided before it pauses. @default 60 s */
  decisionGraceMs?: number;
  drift?: DriftOptions;
  /** Release keys checked on push, whether unsigned pushes are accepted, the fleet's name. @default none trusted, unsigned refused, fleet "default" */
  signing?: Partial<SigningPolicy>;
  /** Where the first admin token is written on first start (or read from, if it exists). @default DATA/admin.token */
  adminTokenFile?: string;
  /** TLS with the fleet CA's files, or plaintext when the operator said --insecure; one of them is required. */
  transport?: Transport;
  /** The most one push may upload per second. @default 256 MiB */
  uploadBytesPerSecond?: number;
  /** How long a new agent stream may go without a hello; an idle stranger holds no stream open. @default 10 s */
  helloTimeoutMs?: number;
  /** The fleet CA's revocation list (`fleetswap ca revoke` writes it), re-read when it changes; TLS only. @default nothing revoked */
  crl?: string;
  /** The dashboard and /metrics (`--http-listen`), over this coordinator's TLS certificate when it has one. @default off */
  http?: HttpOptions;
  /** Notifications: the dashboard's public address for links (`--dashboard-url`; default the --http-listen one), how long a delivery is retried (`--notify-give-up`). */
  notify?: Omit<NotifierOptions, 'leading'>;
}

const DRIFT_TICK_MS = 1_000;
export const DEFAULT_UPLOAD_BYTES_PER_SECOND = 256 * 1024 * 1024;

/** Coordinator wires the store, the blob store, the rollout engine and the gRPC server. */
export class Coordinator {
  readonly store: Store;
  readonly blobs: BlobStore;
  readonly fleet = new Fleet();
  readonly engine: RolloutEngine;
  readonly vitals: VitalsSink;
  readonly drift: DriftMonitor;
  readonly join: JoinRule;
  readonly audit: AuditLog;
  readonly auth: Auth;
  readonly refusals = new Refusals();
  readonly revocation: Revocation;
  readonly notifier: Notifier;
  /** On PostgreSQL, where several coordinators may share the database: which one leads. Absent on SQLite (one coordinator, always leading). */
  private leadership: Leadership | undefined;
  private readonly server: grpc.Server;
  /** What the gRPC handlers are built from; the dashboard is built from the same. */
  private readonly deps: ServiceDeps;
  /** The dashboard and /metrics, with --http-listen. */
  http: HttpServer | undefined;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  /** The tick in progress, if any: stop waits for it before closing the database. */
  private ticking: Promise<void> | undefined;
  /** Reading back the vitals the leader before stored, on taking the lead. */
  private taking: Promise<void> | undefined;
  address = '';

  readonly transport: Transport;

  private constructor(opts: CoordinatorOptions & { transport: Transport; log: Logger }, store: Store, audit: AuditLog) {
    this.transport = opts.transport;
    const now = opts.now ?? Date.now;
    this.log = opts.log;
    this.store = store;
    this.blobs = blobStoreFor(opts, store.blobs);
    this.vitals = new VitalsSink(this.store, now, this.log, opts.vitals);
    this.audit = audit;
    this.engine = new RolloutEngine(this.store, this.fleet, now, this.log, {
      samples: this.vitals,
      judge: opts.judge,
      decisionGraceMs: opts.decisionGraceMs,
      audit: this.audit,
    });
    this.auth = new Auth(this.store, now, this.log);
    this.drift = new DriftMonitor(this.store, this.fleet, this.engine, now, this.log, opts.drift);
    this.join = new JoinRule(this.store, this.engine, this.audit, now, this.log);
    this.revocation = new Revocation(opts.crl && 'tls' in this.transport ? { file: opts.crl, caPem: this.transport.tls.ca } : undefined, this.audit, now, this.log);
    this.notifier = new Notifier(this.store, now, this.log, { ...opts.notify, leading: () => this.leading });
    this.server = new grpc.Server({ ...serverOptions, interceptors: [edgeInterceptor(this)] });
    const signing: SigningPolicy = { trusted: opts.signing?.trusted ?? [], allowUnsigned: opts.signing?.allowUnsigned ?? false, fleet: checkFleet(opts.signing?.fleet ?? DEFAULT_FLEET) };
    if (signing.allowUnsigned) this.log.warn('accepting unsigned releases (--allow-unsigned)');
    if ('insecure' in this.transport) this.log.warn('PLAINTEXT: --insecure, no TLS: anyone on the network can read and forge what this coordinator says and hears, and anyone can fetch code (every release, config included)');
    const deps: ServiceDeps = { cluster: this, refusals: this.refusals, helloTimeoutMs: opts.helloTimeoutMs ?? 10_000, uploadBytesPerSecond: opts.uploadBytesPerSecond ?? DEFAULT_UPLOAD_BYTES_PER_SECOND, transport: this.transport, store: this.store, blobs: this.blobs, fleet: this.fleet, engine: this.engine, vitals: this.vitals, drift: this.drift, join: this.join, audit: this.audit, auth: this.auth, revocation: this.revocation, notifier: this.notifier, signing, now, log: this.log };
    this.deps = deps;
    const svc = services();
    this.server.addService(withMessageLimits(svc.agent.service), agentService(deps));
    this.server.addService(withMessageLimits(svc.admin.service), adminService(deps));
  }

  static async start(opts: CoordinatorOptions): Promise<Coordinator> {
    const { transport } = opts;
    if (!transport) throw new FleetswapError('BAD_USAGE', 'the coordinator needs --ca, --cert and --key (fleetswap ca init / ca issue), or --insecure for plaintext');
    if (opts.crl && 'insecure' in transport) throw new FleetswapError('BAD_USAGE', CRL_NEEDS_TLS);
    // A bad --http-listen or --metrics-allow stops the start before anything is opened.
    if (opts.http) compileHttpOptions(opts.http);
    const log = opts.log ?? createLogger('coordinator');
    await mkdir(opts.dataDir, { recursive: true });
    // Checked before anything is opened: a refused start leaves DATA as it was.
    const tokenFile = opts.adminTokenFile ?? join(opts.dataDir, 'admin.token');
    const givenToken = await readTokenFile(tokenFile);
    const store = await Store.at({ database: opts.database, dataDir: opts.dataDir }, (err) => log.warn({ err: err.message }, 'database connection lost; reconnecting'), { migrate: opts.migrate });
    const c = await AuditLog.open(store, opts.now ?? Date.now).then(
      (audit) => new Coordinator({ ...opts, transport, log }, store, audit),
      async (err: unknown) => {
        await store.close();
        throw err;
      },
    );
    const closing = async (err: unknown): Promise<never> => {
      await c.store.close();
      throw err;
    };
    // A revocation list the CA did not sign stops the start: nobody listens until the list in force is known.
    await c.revocation.load().catch(closing);
    // Uploads in progress were written to DATA/tmp before they moved inside the blobs directory; what an older version left there was never visible.
    await rm(join(opts.dataDir, 'tmp'), { recursive: true, force: true });
    await c.blobs.init().catch(closing);
    await c.auth.bootstrap(tokenFile, givenToken).catch(closing);
    const port = await new Promise<number>((resolve, reject) =>
      c.server.bindAsync(opts.listen, serverCredentials(c.transport), (err, p) => (err ? reject(err) : resolve(p))),
    ).catch((err: Error) => closing(new FleetswapError('BAD_USAGE', `cannot listen on ${opts.listen}: ${err.message}`)));
    c.address = `${opts.listen.slice(0, opts.listen.lastIndexOf(':'))}:${port}`;
    await c.vitals.start();
    if (opts.database) await c.lead(opts).catch(closing);
    if (opts.http) {
      const http = opts.http;
      // Loaded only when asked for: a coordinator without a dashboard does not load fastify.
      const { HttpServer } = await import('./http/server.js');
      const { adminOperations } = await import('./admin-service.js');
      c.http = await HttpServer.start({ ...c.deps, ops: adminOperations(c.deps), requireLeader: () => c.requireLeader(), leading: () => c.leading, name: c.address }, http).catch(async (err: unknown) => {
        c.server.forceShutdown();
        await c.leadership?.stop();
        await c.vitals.stop();
        return closing(err);
      });
      const { CoordinatorMetrics } = await import('./metrics.js');
      c.http.metrics ??= new CoordinatorMetrics(c);
      c.notifier.useDashboard(c.http.url);
    }
    c.notifier.start();
    const tls = 'tls' in c.transport ? c.transport.tls : undefined;
    if (tls) c.revocation.watch(() => closeRevoked(c.fleet, tls.ca, c.revocation));
    // Drift is a matter of seconds (its grace is 30 s by default); reading every host 4 times a second is not needed.
    let lastDrift = 0;
    // One tick at a time: a slow database makes ticks late, never stacked.
    const tick = async (): Promise<void> => {
      // Followers wait: only the leader moves rollouts, repairs drift and sends directives.
      if (!c.leading) return;
      // Judging waits until what the leader before stored has been read back.
      await c.taking;
      await c.engine.tick();
      if (Date.now() - lastDrift >= DRIFT_TICK_MS) {
        lastDrift = Date.now();
        await c.drift.tick();
        await c.join.tick();
      }
    };
    c.timer = setInterval(() => {
      if (c.ticking) return;
      c.ticking = tick()
        .catch((err: unknown) => c.log.error({ err: errorMessage(err) }, 'tick failed; trying again on the next one'))
        .finally(() => (c.ticking = undefined));
    }, opts.tickMs ?? 250);
    c.log.info({ address: c.address, data: opts.dataDir, database: opts.database ? 'postgres' : 'sqlite', blobs: c.blobs.where, schema: await c.store.schemaVersion() }, 'coordinator listening');
    return c;
  }

  /** leading: this coordinator may act (it holds the lease, or it is the only one). */
  get leading(): boolean {
    return this.leadership?.leading ?? true;
  }

  /** requireLeader refuses, naming the leader, what only the leader may do. */
  async requireLeader(): Promise<void> {
    if (this.leadership && !this.leadership.leading) throw await this.leadership.notLeader();
  }

  async view(): Promise<{ coordinators: CoordinatorMember[]; answered_by: string; epoch: number }> {
    if (!this.leadership) return { coordinators: [], answered_by: '', epoch: 0 };
    const [members, leader] = await Promise.all([this.leadership.members(), this.leadership.leader()]);
    return { coordinators: members.map((m) => ({ name: m.name, address: m.address, leader: m.leader, seen_ms: m.seen_ms })), answered_by: this.leadership.name, epoch: leader?.epoch ?? 0 };
  }

  /**
   * lead joins the election among the coordinators sharing the database and
   * fences every transaction with it. A coordinator that stops leading drops
   * its agents' streams (they find the leader); one that starts reloads what
   * it judges from the database, since followers hear no vitals.
   */
  private async lead(opts: CoordinatorOptions): Promise<void> {
    const leaseMs = opts.leaseMs ?? 5_000;
    const leadership = new Leadership(this.store.db, {
      // Host and port: two coordinators on one machine are told apart, and a restart keeps its name.
      name: opts.name ?? `${hostname()}:${this.address.slice(this.address.lastIndexOf(':') + 1)}`,
      address: opts.advertise ?? this.address,
      ttlMs: leaseMs,
      renewMs: leaseMs / 5,
      log: this.log,
      onChange: (leading) => {
        if (!leading) return this.fleet.closeAll();
        this.engine.takeOver();
        this.taking = this.vitals.reload().catch((err: unknown) => this.log.error({ err: errorMessage(err) }, 'could not reload vitals on taking the lead'));
      },
    });
    this.store.fenceWith(() => leadership.fence());
    this.leadership = leadership;
    await leadership.start();
  }

  async stop(): Promise<void> {
    await this.http?.stop();
    await this.notifier.stop();
    clearInterval(this.timer);
    await this.ticking;
    await this.leadership?.stop();
    this.revocation.stop();
    this.fleet.closeAll();
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 2000);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    await this.vitals.stop();
    await this.store.close();
  }
}
