import { mkdir } from 'node:fs/promises';
import type { AgentFlags, TrustFlags } from './daemons.js';
import { join, resolve } from 'node:path';
import { FleetswapError } from '../shared/errors.js';
import { writeFileDurably } from '../shared/fsync.js';
import { HOST_ID_RE } from '../shared/ids.js';
import { CRL_NEEDS_TLS } from '../shared/tls.js';
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

// Units run the daemon as a dedicated user with the file system read-only
// except the one directory the daemon owns: an agent compromised through
// its input can at worst change its own ROOT.

function hardening(writable: string, user: string): string {
  return `User=${user}
Group=${user}
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=${writable}
ProtectHome=read-only
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
LockPersonality=yes
Restart=always
# Exit 2 is bad configuration: restarting cannot fix it, so do not loop on it.
RestartPreventExitStatus=2
RestartSec=2`;
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
}

function unit(u: UnitSpec): string {
  const execStart = [
    unitWord("node's path", process.execPath, 'executable'),
    unitWord('--exec', u.exec, 'argument'),
    u.sub,
    '--config',
    unitWord('--config-dir', u.configFile, 'argument'),
  ].join(' ');
  return `[Unit]
Description=${u.description}
Documentation=https://example.invalid/fleetswap/README.md
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart=${execStart}
${hardening(unitWord(u.writableFlag, u.writable, 'path'), u.user)}

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
  return { ...(o.trustKey?.length ? { trustKey: o.trustKey.map((f) => resolve(f)) } : {}), ...(o.allowUnsigned ? { allowUnsigned: true } : {}) };
}

/** installAgent writes fleetswap-agent.service and its config; it returns what it did and what to run next. */
export async function installAgent(o: InstallAgentOptions): Promise<string[]> {
  if (!o.id) throw new FleetswapError('BAD_USAGE', '--id is required: this host\'s id');
  if (!HOST_ID_RE.test(o.id)) throw new FleetswapError('BAD_USAGE', `bad --id ${JSON.stringify(o.id)}: letters, digits, ".", "_" or "-"`);
  if (!o.root) throw new FleetswapError('BAD_USAGE', '--root is required: the directory that holds current and slots/');
  checkUser(o.user);
  const root = resolve(o.root);
  const config = {
    coordinator: o.coordinator,
    id: o.id,
    root,
    slots: o.slots,
    tag: parseTags(o.tag),
    ...(o.reloadCmd ? { reloadCmd: o.reloadCmd } : {}),
    ...(o.healthUrl ? { healthUrl: o.healthUrl, healthTimeout: o.healthTimeout } : {}),
    ...(o.errorLog ? { errorLog: resolve(o.errorLog) } : {}),
    ...(o.errorPattern ? { errorPattern: o.errorPattern } : {}),
    vitalsInterval: o.vitalsInterval,
    verifyInterval: o.verifyInterval,
    ...signingConfig(o),
    ...transportConfig(o),
  };
  return install(o, { role: 'agent', description: `fleetswap agent (host ${o.id})`, writableFlag: '--root', writable: root, config });
}

export interface InstallCoordinatorOptions extends UnitPlacement, TrustFlags {
  data: string;
  listen: string;
  crl?: string;
}

/** installCoordinator writes fleetswap-coordinator.service and its config. */
export async function installCoordinator(o: InstallCoordinatorOptions): Promise<string[]> {
  checkUser(o.user);
  if (o.crl && o.insecure) throw new FleetswapError('BAD_USAGE', CRL_NEEDS_TLS);
  const data = resolve(o.data);
  return install(o, { role: 'coordinator', description: 'fleetswap coordinator', writableFlag: '--data', writable: data, config: { data, listen: o.listen, ...signingConfig(o), ...transportConfig(o), ...(o.crl ? { crl: resolve(o.crl) } : {}) } });
}

/** install writes ROLE.json and fleetswap-ROLE.service and says what to run next. */
async function install(
  o: UnitPlacement,
  u: { role: 'agent' | 'coordinator'; description: string; writableFlag: string; writable: string; config: Record<string, unknown> },
): Promise<string[]> {
  const configFile = join(resolve(o.configDir), `${u.role}.json`);
  const unitFile = join(resolve(o.unitDir), `fleetswap-${u.role}.service`);
  // Rendered before anything is written, so a path the unit cannot hold leaves nothing behind.
  const text = unit({ description: u.description, sub: u.role, exec: resolve(o.exec), configFile, writableFlag: u.writableFlag, writable: u.writable, user: o.user });
  await mkdir(resolve(o.configDir), { recursive: true });
  await mkdir(resolve(o.unitDir), { recursive: true });
  await writeFileDurably(configFile, `${JSON.stringify(u.config, null, 2)}\n`);
  await writeFileDurably(unitFile, text);
  return [
    `wrote ${unitFile}`,
    `wrote ${configFile}`,
    `next: useradd --system --no-create-home ${o.user}; mkdir -p ${u.writable}; chown ${o.user}: ${u.writable}`,
    `then: systemctl daemon-reload && systemctl enable --now fleetswap-${u.role}`,
  ];
}
