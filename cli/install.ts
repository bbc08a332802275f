import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FleetswapError } from '../shared/errors.js';
import { writeFileDurably } from '../shared/fsync.js';
import { HOST_ID_RE } from '../shared/ids.js';
import { parseTags } from './config.js';

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
RestartSec=2`;
}

function unit(description: string, exec: string, configFile: string, sub: string, writable: string, user: string): string {
  return `[Unit]
Description=${description}
Documentation=https://example.invalid/fleetswap/README.md
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart=${process.execPath} ${exec} ${sub} --config ${configFile}
${hardening(writable, user)}

[Install]
WantedBy=multi-user.target
`;
}

function checkUser(user: string): void {
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user)) throw new FleetswapError('BAD_USAGE', `bad --user "${user}": a system user name`);
}

export interface InstallAgentOptions {
  coordinator: string;
  id: string;
  root: string;
  slots: string;
  tag?: string[];
  reloadCmd?: string;
  healthUrl?: string;
  user: string;
  unitDir: string;
  configDir: string;
  exec: string;
}

/** installAgent writes fleetswap-agent.service and its config; it returns what it did and what to run next. */
export async function installAgent(o: InstallAgentOptions): Promise<string[]> {
  if (!HOST_ID_RE.test(o.id)) throw new FleetswapError('BAD_USAGE', `bad --id "${o.id}": letters, digits, ".", "_" or "-"`);
  checkUser(o.user);
  const root = resolve(o.root);
  const config = {
    coordinator: o.coordinator,
    id: o.id,
    root,
    slots: o.slots,
    tag: parseTags(o.tag),
    ...(o.reloadCmd ? { reloadCmd: o.reloadCmd } : {}),
    ...(o.healthUrl ? { healthUrl: o.healthUrl } : {}),
  };
  const configFile = join(resolve(o.configDir), 'agent.json');
  const unitFile = join(resolve(o.unitDir), 'fleetswap-agent.service');
  await mkdir(resolve(o.configDir), { recursive: true });
  await mkdir(resolve(o.unitDir), { recursive: true });
  await writeFileDurably(configFile, `${JSON.stringify(config, null, 2)}\n`);
  await writeFileDurably(unitFile, unit(`fleetswap agent (host ${o.id})`, resolve(o.exec), configFile, 'agent', root, o.user));
  return [
    `wrote ${unitFile}`,
    `wrote ${configFile}`,
    `next: useradd --system --no-create-home ${o.user}; mkdir -p ${root}; chown ${o.user}: ${root}`,
    'then: systemctl daemon-reload && systemctl enable --now fleetswap-agent',
  ];
}

export interface InstallCoordinatorOptions {
  data: string;
  listen: string;
  user: string;
  unitDir: string;
  configDir: string;
  exec: string;
}

export async function installCoordinator(o: InstallCoordinatorOptions): Promise<string[]> {
  checkUser(o.user);
  const data = resolve(o.data);
  const configFile = join(resolve(o.configDir), 'coordinator.json');
  const unitFile = join(resolve(o.unitDir), 'fleetswap-coordinator.service');
  await mkdir(resolve(o.configDir), { recursive: true });
  await mkdir(resolve(o.unitDir), { recursive: true });
  await writeFileDurably(configFile, `${JSON.stringify({ data, listen: o.listen }, null, 2)}\n`);
  await writeFileDurably(unitFile, unit('fleetswap coordinator', resolve(o.exec), configFile, 'coordinator', data, o.user));
  return [
    `wrote ${unitFile}`,
    `wrote ${configFile}`,
    `next: useradd --system --no-create-home ${o.user}; mkdir -p ${data}; chown ${o.user}: ${data}`,
    'then: systemctl daemon-reload && systemctl enable --now fleetswap-coordinator',
  ];
}
