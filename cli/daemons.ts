import { stat } from 'node:fs/promises';
import { FleetswapError } from '../shared/errors.js';
import { createLogger } from '../shared/log.js';
import { parseDuration } from '../shared/duration.js';
import { HOST_ID_RE } from '../shared/ids.js';
import { parseListen } from '../shared/listen.js';
import { DEFAULT_FLEET, checkFleet, loadTrustedKey, type TrustedKey } from '../shared/signing.js';
import { loadTls, type Transport } from '../shared/tls.js';

/** untilSignal resolves on SIGTERM or SIGINT, so systemd and Ctrl-C stop a daemon cleanly. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}

// Each daemon imports only its own side: an agent on every host must not
// carry the coordinator's SQLite and server code in its memory.

/** TrustFlags are what a daemon trusts: release keys and the fleet CA (or, said out loud, nothing). */
export interface TrustFlags {
  trustKey?: string[];
  allowUnsigned?: boolean;
  /** The fleet's name: releases are signed for one fleet. */
  fleet?: string;
  ca?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
}

export interface CoordinatorFlags extends TrustFlags {
  data: string;
  /** A PostgreSQL URL; unset, SQLite under data. */
  database?: string;
  /** A directory every coordinator mounts; unset, the database (PostgreSQL) or DATA/blobs (SQLite). */
  blobs?: string;
  /** False with --no-migrate: a schema behind this fleetswap's stops the start. */
  migrate: boolean;
  listen: string;
  name?: string;
  advertise?: string;
  alpha: string;
  judgeWindow: string;
  staleAfter: string;
  driftPolicy: string;
  driftGrace: string;
  adminTokenFile?: string;
  uploadRate: string;
  crl?: string;
  /** The dashboard and /metrics; unset, off. */
  httpListen?: string;
  metricsAllow?: string[];
  dashboardUrl?: string;
  notifyGiveUp: string;
}

/** databaseUrl checks --database is a PostgreSQL URL: anything else would be taken for a host name by the driver. */
export function databaseUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new FleetswapError('BAD_USAGE', 'bad --database: give a PostgreSQL URL, postgres://USER@HOST:PORT/DB (a password is better in ~/.pgpass or PGPASSWORD than on the command line)');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new FleetswapError('BAD_USAGE', `bad --database: ${u.protocol} is not postgres:// (leave it out for SQLite under --data)`);
  return url;
}

/** dashboardUrl checks --dashboard-url: the dashboard's address as people reach it, put in notifications' links. */
function dashboardUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new FleetswapError('BAD_USAGE', `bad --dashboard-url ${JSON.stringify(url)}: give https://HOST[:PORT]`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new FleetswapError('BAD_USAGE', `bad --dashboard-url: http or https, not ${u.protocol.replace(/:$/, '')}`);
  return u.href.replace(/\/+$/, '');
}

/** parseAddress checks a host:port another process will dial. */
function parseAddress(addr: string, flag: string): void {
  const port = Number(addr.slice(addr.lastIndexOf(':') + 1));
  if (!addr.includes(':') || addr.includes(',') || !Number.isInteger(port) || port < 1 || port > 65535) throw new FleetswapError('BAD_USAGE', `bad ${flag} "${addr}": give HOST:PORT`);
}

/** blobsDir checks --blobs before anything is opened: a directory, or a path where one can be made. */
export async function blobsDir(dir: string): Promise<void> {
  if (dir === '') throw new FleetswapError('BAD_USAGE', 'bad --blobs "": give the directory every coordinator mounts, or leave it out');
  const st = await stat(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
  if (st && !st.isDirectory()) throw new FleetswapError('BAD_USAGE', `bad --blobs ${JSON.stringify(dir)}: not a directory`);
}

function uploadRate(mib: string): number {
  const n = Number(mib);
  if (!(n > 0)) throw new FleetswapError('BAD_USAGE', `bad --upload-rate "${mib}": MiB per second, e.g. 256`);
  return n * 1024 * 1024;
}

/** transportOf is TLS with the given files, or plaintext only when --insecure says so. */
async function transportOf(f: TrustFlags): Promise<Transport> {
  return f.insecure ? { insecure: true } : { tls: await loadTls(f, true) };
}

/** trustedKeys loads every --trust-key; a bad one stops the daemon at start, not at the first push. */
async function trustedKeys(files: readonly string[] | undefined): Promise<TrustedKey[]> {
  return Promise.all((files ?? []).map((f) => loadTrustedKey(f)));
}

export async function runCoordinator(opts: CoordinatorFlags): Promise<void> {
  const { Coordinator } = await import('../coordinator/coordinator.js');
  const { DEFAULT_JUDGE } = await import('../coordinator/judge.js');
  const alpha = Number(opts.alpha);
  if (!(alpha > 0 && alpha < 0.5)) throw new FleetswapError('BAD_USAGE', `bad --alpha "${opts.alpha}": give the false-rollback rate, e.g. 0.01`);
  const bucketMs = parseDuration(opts.judgeWindow);
  if (bucketMs < 100) throw new FleetswapError('BAD_USAGE', `--judge-window ${opts.judgeWindow} is too short: at least 100ms`);
  // Samples still in flight when a window ends count: judge each window a little after it ends.
  const judge = { ...DEFAULT_JUDGE, alpha, bucketMs, lagMs: Math.min(DEFAULT_JUDGE.lagMs, bucketMs * 0.3), staleMs: parseDuration(opts.staleAfter) };
  if (opts.driftPolicy !== 'revert' && opts.driftPolicy !== 'report') throw new FleetswapError('BAD_USAGE', `bad --drift-policy "${opts.driftPolicy}": revert or report`);
  const drift = { policy: opts.driftPolicy, graceMs: parseDuration(opts.driftGrace) } as const;
  const log = createLogger('coordinator');
  const signing = { trusted: await trustedKeys(opts.trustKey), allowUnsigned: opts.allowUnsigned === true, fleet: checkFleet(opts.fleet ?? DEFAULT_FLEET) };
  const database = opts.database ? databaseUrl(opts.database) : undefined;
  if ((opts.name || opts.advertise) && !database) throw new FleetswapError('BAD_USAGE', '--name and --advertise are for several coordinators sharing a PostgreSQL --database');
  if (opts.advertise) parseAddress(opts.advertise, '--advertise');
  if (opts.blobs !== undefined) await blobsDir(opts.blobs);
  if (opts.metricsAllow && !opts.httpListen) throw new FleetswapError('BAD_USAGE', '--metrics-allow is for /metrics on the dashboard\'s listener: give --http-listen HOST:PORT too');
  const http = opts.httpListen ? { listen: opts.httpListen, metricsAllow: opts.metricsAllow } : undefined;
  const notify = { giveUpMs: parseDuration(opts.notifyGiveUp), dashboardUrl: opts.dashboardUrl === undefined ? undefined : dashboardUrl(opts.dashboardUrl) };
  const c = await Coordinator.start({ notify, dataDir: opts.data, database, blobsDir: opts.blobs, migrate: opts.migrate, listen: opts.listen, name: opts.name, advertise: opts.advertise, log, judge, drift, signing, adminTokenFile: opts.adminTokenFile, transport: await transportOf(opts), crl: opts.crl, uploadBytesPerSecond: uploadRate(opts.uploadRate), http });
  const halt = await c.engine.haltState();
  if (halt.halted) log.warn({ since: halt.at, actor: halt.actor, reason: halt.reason }, 'the fleet is HALTED: nothing switches until fleetswap unhalt');
  const sig = await untilSignal();
  log.info({ signal: sig }, 'stopping');
  await c.stop();
}

export interface AgentFlags extends TrustFlags {
  coordinator: string;
  id?: string;
  root?: string;
  slots: string | number;
  tag?: unknown;
  reloadCmd?: string;
  healthUrl?: string;
  healthTimeout: string;
  errorLog?: string;
  errorPattern?: string;
  incidentGap: string;
  vitalsInterval: string;
  verifyInterval: string;
  /** ADDRESS:PORT for GET /metrics; unset, no listener. */
  metricsListen?: string;
}

/** errorPattern compiles --error-pattern once, at start (or install), so a bad one fails there and not at the first log line; none given is the agent's default. */
export function errorPattern(text: string | undefined): RegExp | undefined {
  if (text === undefined) return undefined;
  try {
    return new RegExp(text);
  } catch (err) {
    throw new FleetswapError('BAD_USAGE', `bad --error-pattern ${JSON.stringify(text)}: ${(err as Error).message}`);
  }
}

// Below the gap within which any line continues an incident the gap means
// nothing; past a minute, frames that lost their incident would join one.
const MIN_INCIDENT_GAP_MS = 100;
const MAX_INCIDENT_GAP_MS = 60_000;

/** incidentGapMs checks --incident-gap: how long an error incident stays open with no new line. */
export function incidentGapMs(text: string): number {
  const ms = parseDuration(text);
  if (ms < MIN_INCIDENT_GAP_MS || ms > MAX_INCIDENT_GAP_MS) throw new FleetswapError('BAD_USAGE', `bad --incident-gap "${text}": between 100ms and 60s`);
  return ms;
}

export async function runAgent(flags: AgentFlags, tags: Record<string, string>): Promise<void> {
  if (!flags.id || !HOST_ID_RE.test(flags.id)) throw new FleetswapError('BAD_USAGE', `--id is required: letters, digits, ".", "_" or "-" (got ${JSON.stringify(flags.id ?? '')})`);
  if (!flags.root) throw new FleetswapError('BAD_USAGE', '--root is required: the directory that holds current and slots/');
  // Refused before anything starts: a mistyped address must not leave an agent running unwatched.
  const metricsAt = flags.metricsListen === undefined ? undefined : parseListen(flags.metricsListen, '--metrics-listen');
  const { Agent } = await import('../agent/agent.js');
  const metrics = metricsAt && new (await import('../agent/metrics.js')).AgentMetrics();
  const slots = Number(flags.slots);
  const log = createLogger('agent');
  const agent = new Agent({
    id: flags.id,
    root: flags.root,
    coordinator: flags.coordinator,
    slots,
    tags,
    reloadCmd: flags.reloadCmd,
    healthUrl: flags.healthUrl,
    healthTimeoutMs: parseDuration(flags.healthTimeout),
    errorLog: flags.errorLog,
    errorPattern: errorPattern(flags.errorPattern),
    incidentGapMs: incidentGapMs(flags.incidentGap),
    vitalsIntervalMs: parseDuration(flags.vitalsInterval),
    verifyIntervalMs: parseDuration(flags.verifyInterval),
    trustKeys: await trustedKeys(flags.trustKey),
    allowUnsigned: flags.allowUnsigned === true,
    fleet: checkFleet(flags.fleet ?? DEFAULT_FLEET),
    transport: await transportOf(flags),
    log,
    events: metrics,
  });
  metrics?.watch(agent);
  // Bound before the agent starts: an address in use stops it in one line.
  const server = metricsAt && metrics ? await (await import('../agent/metrics-server.js')).MetricsServer.start(metricsAt, metrics, log.child({ host: flags.id })) : undefined;
  await agent.start();
  const sig = await untilSignal();
  log.info({ host: flags.id, signal: sig }, 'stopping');
  await server?.stop();
  await agent.stop();
}
