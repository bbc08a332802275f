import { mkdir } from 'node:fs/promises';
import { databaseUrl, errorPattern, incidentGapMs, type AgentFlags, type TrustFlags } from './daemons.js';
import { join, resolve } from 'node:path';
import { FleetswapError } from '../shared/errors.js';
import { writeFileDurably } from '../shared/fsync.js';
import { HOST_ID_RE } from '../shared/ids.js';
import { parseListen } from '../shared/listen.js';
import { DEFAULT_FLEET, checkFleet } from '../shared/signing.js';
import { CRL_NEEDS_TLS } from '../shared/tls.js';
import { compileHttpOptions } from '../coordinator/http/options.js';
import { parseTags } from './config.js';

// systemd lexes unit values itself (systemd.syntax(7)): whitespace splits
// words, "%" starts a specifier, and in command-line arguments "$" starts a
// variable. Written bare, ReadWritePaths=/srv/my app is two paths, the second
// relative and ignored with only a warning, so the daemon would find its own
// ROOT read-only; and a newline would start a directive of its own. So each
// value goes in as one word, quoted when it needs to be. What no quoting can
// carry is refused here rather than left for systemd to reject at start:
// control characters anywhere, and quotes or backslashes in the executable.
type WordKind = 'executable' | 'argument' | 'path';

function unitWord(what: string, value: string, kind: WordKind): string {
  if (/[\x00-\x1f\x7f]/.test(value) || (kind === 'executable' && /["'\\]/.test(value))) {
    throw new FleetswapError('BAD_USAGE', `${what} ${JSON.stringify(value)} cannot go in a systemd unit`);
  }
  let v = value.replaceAll('%', '%%');
  if (kind === 'argument') v = v.replaceAll('$', () => '$$');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(v)) return v;
  return `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

// Units run the daemon as a dedicated user in as tight a sandbox as Node
// tolerates (systemd-analyze security rates both 1.1 OK): no capabilities,
// the file system read-only except the one directory the daemon owns, no
// view of other users' processes, of devices, kernel knobs or logs, and only
// the system calls and socket families a network service needs. A daemon
// compromised through its input can at worst change its own ROOT or DATA.
// Left out, and why:
// - MemoryDenyWriteExecute=: V8's JIT writes machine code into memory it then
//   executes; under it Node aborts at its first compiled function.
// - ProcSubset=pid: it hides /proc/stat, /proc/meminfo, /proc/loadavg and
//   /proc/cpuinfo, which the agent's vitals read (systeminformation,
//   os.cpus, os.loadavg).
// - AF_NETLINK: no daemon lists interfaces. glibc's getaddrinfo asks netlink
//   which address families are configured, and when it cannot, assumes both.
// - PrivateNetwork=, IPAddressDeny=: the daemons reach each other, the
//   health URL and whatever the reload command talks to, at addresses only
//   the operator knows.
// AF_UNIX stays: the agent's child processes get socketpairs for their
// output, and name lookups may go through nscd or systemd-resolved.
// The reload command runs in the same sandbox as the same user: it may
// signal that user's processes or write under ROOT (README: the host's files).
interface Limits {
  /** MemoryMax: far above what the daemon needs, so a leak or a flood ends in a restart of it, not in the host's OOM killer choosing a victim. */
  memoryMax: string;
  /** LimitNOFILE: the coordinator holds a socket per agent, the agent a few files per staging worker. */
  noFile: number;
}

const LIMITS: Record<'agent' | 'coordinator', Limits> = {
  agent: { memoryMax: '1G', noFile: 4096 },
  coordinator: { memoryMax: '4G', noFile: 65536 },
};

// ProtectHome=yes hides these whole. A unit that needs a path under one of
// them (node from ~/.nvm, a key in /root) would not start, so it gets
// read-only instead: nothing there is writable to the daemon either way.
const HOME_DIRS = ['/home', '/root', '/run/user'];

function protectHome(paths: string[]): 'yes' | 'read-only' {
  return paths.some((p) => HOME_DIRS.some((h) => p === h || p.startsWith(`${h}/`))) ? 'read-only' : 'yes';
}

interface UnitSpec {
  description: string;
  sub: 'agent' | 'coordinator';
  exec: string;
  configFile: string;
  /** the flag that named the writable directory, for error messages */
  writableFlag: string;
  writable: string;
  user: string;
  /** every absolute path the daemon opens besides writable: node, the script, the config, keys, the error log */
  reads: string[];
  /** a file of secrets systemd reads (as root) into the daemon's environment */
  environmentFile?: string;
}

function unit(u: UnitSpec): string {
  const execStart = [
    unitWord("node's path", process.execPath, 'executable'),
    unitWord('--exec', u.exec, 'argument'),
    u.sub,
    '--config',
    unitWord('--config-dir', u.configFile, 'argument'),
  ].join(' ');
  const limits = LIMITS[u.sub];
  return `[Unit]
Description=${u.description}
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart=${execStart}
User=${u.user}
Group=${u.user}
${u.environmentFile ? `EnvironmentFile=${unitWord('--config-dir', u.environmentFile, 'path')}
` : ''}# What the daemon writes is its own. The agent sets the modes of the tree the
# web server reads itself (directories 0755, files as in the manifest).
UMask=0077
MemoryMax=${limits.memoryMax}
LimitNOFILE=${limits.noFile}
NoNewPrivileges=yes
CapabilityBoundingSet=
AmbientCapabilities=
PrivateUsers=yes
ProtectSystem=strict
ReadWritePaths=${unitWord(u.writableFlag, u.writable, 'path')}
ProtectHome=${protectHome([u.writable, ...u.reads])}
PrivateTmp=yes
PrivateDevices=yes
PrivateMounts=yes
ProtectProc=invisible
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RemoveIPC=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
# A call outside the filter fails (Node falls back) instead of killing the
# daemon in the middle of a switch.
SystemCallErrorNumber=EPERM
Restart=always
# Exit 2 is bad configuration: restarting cannot fix it, so do not loop on it.
RestartPreventExitStatus=2
RestartSec=2

[Install]
WantedBy=multi-user.target
`;
}

function checkUser(user: string): void {
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user)) throw new FleetswapError('BAD_USAGE', `bad --user "${user}": a system user name`);
}

/** UnitPlacement: where the unit and config go, and who and what the unit runs. */
export interface UnitPlacement {
  user: string;
  unitDir: string;
  configDir: string;
  exec: string;
}

/** An agent is installed with the settings it runs with (as commander hands them over) and where the unit goes. */
export interface InstallAgentOptions extends UnitPlacement, Omit<AgentFlags, 'slots' | 'tag'> {
  slots: string;
  tag?: string[];
}

/** transportConfig is TLS by absolute paths, or plaintext only when --insecure says so. */
function transportConfig(o: TrustFlags): Record<string, unknown> {
  if (o.insecure) return { insecure: true };
  if (!o.ca || !o.cert || !o.key) throw new FleetswapError('BAD_USAGE', 'TLS needs --ca, --cert and --key (fleetswap ca init / ca issue), or --insecure for plaintext');
  return { ca: resolve(o.ca), cert: resolve(o.cert), key: resolve(o.key) };
}

/** signingConfig is the trust settings as the daemon reads them back; keys by absolute path, since the unit runs elsewhere. */
function signingConfig(o: TrustFlags): Record<string, unknown> {
  if (!o.trustKey?.length && !o.allowUnsigned) throw new FleetswapError('BAD_USAGE', 'no release key to trust: give --trust-key FILE, or --allow-unsigned');
  const fleet = checkFleet(o.fleet ?? DEFAULT_FLEET);
  return {
    ...(o.trustKey?.length ? { trustKey: o.trustKey.map((f) => resolve(f)) } : {}),
    ...(o.allowUnsigned ? { allowUnsigned: true } : {}),
    ...(fleet !== DEFAULT_FLEET ? { fleet } : {}),
  };
}

/** installAgent writes fleetswap-agent.service and its config; it returns what it did and what to run next. */
export async function installAgent(o: InstallAgentOptions): Promise<string[]> {
  if (!o.id) throw new FleetswapError('BAD_USAGE', '--id is required: this host\'s id');
  if (!HOST_ID_RE.test(o.id)) throw new FleetswapError('BAD_USAGE', `bad --id ${JSON.stringify(o.id)}: letters, digits, ".", "_" or "-"`);
  if (!o.root) throw new FleetswapError('BAD_USAGE', '--root is required: the directory that holds current and slots/');
  checkUser(o.user);
  // What the agent would refuse at start is refused here, before a unit is written.
  errorPattern(o.errorPattern);
  incidentGapMs(o.incidentGap);
  if (o.metricsListen !== undefined) parseListen(o.metricsListen, '--metrics-listen');
  const root = resolve(o.root);
  const config = {
    coordinator: o.coordinator,
    id: o.id,
    root,
    slots: o.slots,
    tag: parseTags(o.tag),
    ...(o.reloadCmd ? { reloadCmd: o.reloadCmd } : {}),
    ...(o.healthUrl ? { healthUrl: o.healthUrl, healthTimeout: o.healthTimeout } : {}),
    ...(o.errorLog ? { errorLog: resolve(o.errorLog), incidentGap: o.incidentGap } : {}),
    ...(o.errorPattern ? { errorPattern: o.errorPattern } : {}),
    vitalsInterval: o.vitalsInterval,
    verifyInterval: o.verifyInterval,
    ...(o.metricsListen ? { metricsListen: o.metricsListen } : {}),
    ...signingConfig(o),
    ...transportConfig(o),
  };
  return install(o, { role: 'agent', description: `fleetswap agent (host ${o.id})`, writableFlag: '--root', writable: root, config });
}

export interface InstallCoordinatorOptions extends UnitPlacement, TrustFlags {
  data: string;
  listen: string;
  crl?: string;
  database?: string;
  httpListen?: string;
  metricsAllow?: string[];
}

/**
 * databaseEnv is the EnvironmentFile that carries --database: its URL holds
 * the database password, so it goes neither into the unit (world-readable,
 * and shown by systemctl cat) nor the config file nor the command line (the
 * process list), but into a file only root reads, which systemd puts into
 * the coordinator's environment (FLEETSWAP_DATABASE) before it drops to its
 * user. Single quotes keep systemd from reading "$", "\" or '"' in a
 * password; what they cannot hold is refused.
 */
function databaseEnv(url: string): string {
  databaseUrl(url);
  if (/[\x00-\x1f\x7f']/.test(url)) throw new FleetswapError('BAD_USAGE', "bad --database: a control character or ' cannot go in a systemd environment file (write ' as %27)");
  return `# fleetswap coordinator install: the database the coordinator keeps its state in.\n# Mode 0600: the URL holds its password.\nFLEETSWAP_DATABASE='${url}'\n`;
}

/** installCoordinator writes fleetswap-coordinator.service, its config and, with --database, its environment file. */
export async function installCoordinator(o: InstallCoordinatorOptions): Promise<string[]> {
  checkUser(o.user);
  if (o.crl && o.insecure) throw new FleetswapError('BAD_USAGE', CRL_NEEDS_TLS);
  const data = resolve(o.data);
  const env = o.database ? databaseEnv(o.database) : undefined;
  if (o.httpListen) compileHttpOptions({ listen: o.httpListen, metricsAllow: o.metricsAllow });
  else if (o.metricsAllow) throw new FleetswapError('BAD_USAGE', '--metrics-allow is for /metrics on the dashboard\'s listener: give --http-listen HOST:PORT too');
  return install(o, {
    role: 'coordinator',
    description: 'fleetswap coordinator',
    writableFlag: '--data',
    writable: data,
    config: {
      data,
      listen: o.listen,
      ...signingConfig(o),
      ...transportConfig(o),
      ...(o.crl ? { crl: resolve(o.crl) } : {}),
      ...(o.httpListen ? { httpListen: o.httpListen } : {}),
      ...(o.metricsAllow ? { metricsAllow: o.metricsAllow } : {}),
    },
    env,
  });
}

/** install writes ROLE.json and fleetswap-ROLE.service and says what to run next. */
async function install(
  o: UnitPlacement,
  u: { role: 'agent' | 'coordinator'; description: string; writableFlag: string; writable: string; config: Record<string, unknown>; env?: string },
): Promise<string[]> {
  const configFile = join(resolve(o.configDir), `${u.role}.json`);
  const envFile = u.env === undefined ? undefined : join(resolve(o.configDir), `${u.role}.env`);
  const unitFile = join(resolve(o.unitDir), `fleetswap-${u.role}.service`);
  // Rendered before anything is written, so a path the unit cannot hold leaves nothing behind.
  const text = unit({
    description: u.description,
    sub: u.role,
    exec: resolve(o.exec),
    configFile,
    writableFlag: u.writableFlag,
    writable: u.writable,
    user: o.user,
    reads: [process.execPath, resolve(o.exec), configFile, ...absolutePaths(u.config)],
    environmentFile: envFile,
  });
  await mkdir(resolve(o.configDir), { recursive: true });
  await mkdir(resolve(o.unitDir), { recursive: true });
  await writeFileDurably(configFile, `${JSON.stringify(u.config, null, 2)}\n`);
  if (envFile && u.env !== undefined) await writeFileDurably(envFile, u.env, 0o600);
  await writeFileDurably(unitFile, text);
  const w = shellWord(u.writable);
  // The TLS key is the daemon's identity: readable by its user alone (ca issue writes it root's, 0600).
  const key = typeof u.config.key === 'string' ? shellWord(u.config.key) : undefined;
  return [
    `wrote ${unitFile}`,
    `wrote ${configFile}`,
    ...(envFile ? [`wrote ${envFile} (mode 0600, root's: it holds the database password)`] : []),
    `next: useradd --system --user-group --no-create-home --shell /usr/sbin/nologin ${o.user}`,
    // The mode given, not left to the umask: ROOT is walked by the web server;
    // DATA holds every release (configs included) and the admin token.
    `next: install -d -o ${o.user} -g ${o.user} -m ${u.role === 'agent' ? '0755' : '0700'} ${w}`,
    ...(key ? [`next: chown ${o.user}: ${key} && chmod 0400 ${key}`] : []),
    `then: systemctl daemon-reload && systemctl enable --now fleetswap-${u.role}`,
  ];
}

/** absolutePaths lists the absolute paths a config names (directories, keys, the error log): what the unit must be able to reach. */
function absolutePaths(config: Record<string, unknown>): string[] {
  return Object.values(config)
    .flatMap((v) => (Array.isArray(v) ? v : [v]))
    .filter((v): v is string => typeof v === 'string' && v.startsWith('/'));
}

/** shellWord quotes a path for the printed commands, which an operator pastes into a shell. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
