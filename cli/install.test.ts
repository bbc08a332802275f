import { spawn } from 'node:child_process';
import { generateKeys } from '../shared/signing.js';
import { access, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient, BIN, aCoordinator, aRelease, aTree, checkLive, cleanup, deployAndWait, runCli, tempDir, waitFor } from '../test/fixtures.js';

// `agent install` and `coordinator install` as an operator runs them, with
// the units they write checked by systemd's own parser (systemd-analyze
// verify, from the Debian package systemd, which .ci/run installs). Without
// it a unit that systemd half-ignores looks fine to every string assertion.
// The sandbox is rated by systemd too (systemd-analyze security --offline).
// No systemd runs as PID 1 here or in CI, so no unit is started: the agent is
// run with the unit's command line and umask instead. The system call filter
// and socket families were tried by hand (2026-12, Node 20, systemd 252):
// both daemons ran deploys, the reload command, the health probe, vitals and
// a drift repair as nobody, with no capabilities, under an equivalent
// seccomp filter built from `systemd-analyze syscall-filter`.
//
// No user is created: verify does not look up User= (users are resolved when
// the service starts, and may come from sysusers at boot), so the default
// "fleetswap" need not exist here and the test leaves the machine as it was.
// The executable verify does check is node (process.execPath), which exists;
// the script after it is the repo's bin/fleetswap.js, the --exec default when
// the CLI is run as `node bin/fleetswap.js`.

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => reject(new Error(`cannot run ${cmd} (apt-get install systemd): ${err.message}`)));
    // 'close', not 'exit': at exit the pipes may still hold output not yet read (seen: a rating missing under load).
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const systemdVerify = (unitFile: string) => run('systemd-analyze', ['verify', unitFile]);

/** exposure is systemd's own rating of a unit's sandbox: 0 is fully confined, 10 not at all (today's units rated 7.0). */
async function exposure(unitFile: string): Promise<number> {
  const res = await run('systemd-analyze', ['security', '--offline=true', '--no-pager', unitFile]);
  const m = /Overall exposure level for \S+: (\d+\.\d+)/.exec(res.stdout);
  if (!m) throw new Error(`systemd-analyze security gave no rating (exit ${res.code}): ${res.stderr}`);
  return Number(m[1]);
}

/** serviceSettings reads a unit's [Service] section: each key's values in order (SystemCallFilter= comes twice). */
function serviceSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let section = '';
  for (const line of text.split('\n')) {
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1]!;
    const eq = line.indexOf('=');
    if (section === 'Service' && eq > 0 && !line.startsWith('#')) settings.set(line.slice(0, eq), [...(settings.get(line.slice(0, eq)) ?? []), line.slice(eq + 1)]);
  }
  return settings;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** expectAcceptedAndHardened checks what the unit promises: systemd takes it whole, rates it at most 2.0, and it confines and restarts the daemon. */
async function expectAcceptedAndHardened(unitFile: string, writable: string): Promise<Map<string, string[]>> {
  // systemd-analyze exits 0 even for settings it ignores with a warning (a
  // relative ReadWritePaths= entry, say), so its stderr must be empty too.
  // Nothing unrelated showed up there on Debian 12 (systemd 252), so nothing
  // is filtered out.
  const verify = await systemdVerify(unitFile);
  expect(verify.stderr).toBe('');
  expect(verify.code).toBe(0);
  expect(await exposure(unitFile)).toBeLessThanOrEqual(2.0);
  const text = await readFile(unitFile, 'utf8');
  // No placeholder an operator would follow (the unit once linked example.invalid).
  expect(text).not.toMatch(/Documentation=|example\.|https?:/);
  const s = serviceSettings(text);
  expect(s.get('Restart')).toEqual(['always']);
  expect(s.get('NoNewPrivileges')).toEqual(['yes']);
  expect(s.get('ProtectSystem')).toEqual(['strict']);
  expect(s.get('ReadWritePaths')).toEqual([writable]);
  expect(s.get('User')).toEqual(['fleetswap']);
  expect(s.get('UMask')).toEqual(['0077']);
  expect(s.get('CapabilityBoundingSet')).toEqual(['']);
  expect(s.get('SystemCallFilter')).toEqual(['@system-service', '~@privileged @resources']);
  // What the daemons need, no more: netlink and raw sockets are out.
  expect(s.get('RestrictAddressFamilies')).toEqual(['AF_INET AF_INET6 AF_UNIX']);
  // Left out on purpose: V8's JIT, and the agent's vitals from /proc (see install.ts).
  expect(s.has('MemoryDenyWriteExecute')).toBe(false);
  expect(s.has('ProcSubset')).toBe(false);
  return s;
}

// Each case works in its own directory, so they run side by side: most of the
// time is node starting the CLI.
describe.concurrent('agent install and coordinator install', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await tempDir('fleetswap-install-');
  });
  afterAll(() => cleanup(dir));

  it('writes an agent unit systemd accepts, and a config the agent reads back', async () => {
    const root = join(dir, 'agent', 'srv', 'shop');
    const units = join(dir, 'agent', 'units');
    const etc = join(dir, 'agent', 'etc');
    const key = await generateKeys(join(dir, 'agent', 'release'));
    const install = await runCli([
      'agent', 'install',
      '--trust-key', key.pubFile,
      '--insecure',
      '--coordinator', 'coord.example:7400',
      '--id', 'web-1',
      '--root', root,
      '--tag', 'role=web',
      '--tag', 'dc=east',
      '--unit-dir', units,
      '--config-dir', etc,
    ]);
    expect(install.stderr).toBe('');
    expect(install.code).toBe(0);

    const configFile = join(etc, 'agent.json');
    const s = await expectAcceptedAndHardened(join(units, 'fleetswap-agent.service'), root);
    expect(s.get('ExecStart')).toEqual([`${process.execPath} ${BIN} agent --config ${configFile}`]);

    const config = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ coordinator: 'coord.example:7400', id: 'web-1', root, tag: { role: 'web', dc: 'east' }, trustKey: [key.pubFile] });

    // An unknown key would be refused before the flags are looked at, and a
    // missing id or root would be reported before --slots: so an error about
    // --slots, and only that, shows the file parsed and every key was known.
    const agent = await runCli(['agent', '--config', configFile, '--slots', '2']);
    expect(agent.code).toBe(2);
    expect(agent.stderr).toMatch(/^fleetswap: --slots must be [^\n]*\n$/);
  });

  it('passes the error-log settings to the agent config, and refuses a bad --incident-gap or --error-pattern before writing anything', async () => {
    const at = (...p: string[]) => join(dir, 'errors', ...p);
    const base = ['agent', 'install', '--allow-unsigned', '--insecure', '--id', 'web-1', '--root', at('root'), '--unit-dir', at('units'), '--error-log', 'app-error.log'];
    const install = await runCli([...base, '--config-dir', at('etc'), '--error-pattern', '^\\[ERROR\\]', '--incident-gap', '3s']);
    expect(install.stderr).toBe('');
    const configFile = at('etc', 'agent.json');
    expect(JSON.parse(await readFile(configFile, 'utf8'))).toMatchObject({ errorLog: join(process.cwd(), 'app-error.log'), errorPattern: '^\\[ERROR\\]', incidentGap: '3s' });
    // Every key known and valid: the agent gets as far as --slots (see the first case).
    const agent = await runCli(['agent', '--config', configFile, '--slots', '2']);
    expect(agent.stderr).toMatch(/^fleetswap: --slots must be [^\n]*\n$/);

    const refusals: [string[], string][] = [
      [['--incident-gap', '50ms'], 'fleetswap: bad --incident-gap "50ms": between 100ms and 60s\n'],
      [['--incident-gap', '2m'], 'fleetswap: bad --incident-gap "2m": between 100ms and 60s\n'],
      [['--incident-gap', 'soon'], 'fleetswap: bad duration "soon": use a number and a unit, e.g. 500ms, 30s, 15m, 6h, 2d\n'],
      [['--error-pattern', '(unclosed'], 'fleetswap: bad --error-pattern "(unclosed": Invalid regular expression: /(unclosed/: Unterminated group\n'],
    ];
    for (const [flags, message] of refusals) {
      const bad = await runCli([...base, '--config-dir', at('etc-bad'), ...flags]);
      expect([bad.code, bad.stderr]).toEqual([2, message]);
      expect(await exists(at('etc-bad', 'agent.json'))).toBe(false);
    }
    const started = await runCli(['agent', '--config', configFile, '--incident-gap', '0s']);
    expect([started.code, started.stderr]).toEqual([2, 'fleetswap: bad --incident-gap "0s": between 100ms and 60s\n']);
  });

  it('writes a coordinator unit systemd accepts, and a config the coordinator reads back', async () => {
    const data = join(dir, 'coordinator', 'data');
    const units = join(dir, 'coordinator', 'units');
    const etc = join(dir, 'coordinator', 'etc');
    const install = await runCli(['coordinator', 'install', '--data', data, '--allow-unsigned', '--insecure', '--unit-dir', units, '--config-dir', etc]);
    expect(install.stderr).toBe('');
    expect(install.code).toBe(0);

    const configFile = join(etc, 'coordinator.json');
    const s = await expectAcceptedAndHardened(join(units, 'fleetswap-coordinator.service'), data);
    expect(s.get('ExecStart')).toEqual([`${process.execPath} ${BIN} coordinator --config ${configFile}`]);
    expect(JSON.parse(await readFile(configFile, 'utf8'))).toEqual({ data, listen: '127.0.0.1:7400', allowUnsigned: true, insecure: true });

    // A port that cannot be bound stops the coordinator just after it opened
    // its state directory, which it can only have found in the config file.
    const coordinator = await runCli(['coordinator', '--config', configFile, '--listen', '127.0.0.1:99999']);
    expect(coordinator.stderr).toMatch(/^fleetswap: cannot listen on 127\.0\.0\.1:99999[^\n]*\n$/);
    expect(coordinator.code).toBe(2);
    expect(await exists(join(data, 'state.db'))).toBe(true);
  });

  it('passes --crl through to the coordinator config by absolute path, and refuses it in plaintext', async () => {
    const etc = join(dir, 'crl', 'etc');
    const base = ['coordinator', 'install', '--data', join(dir, 'crl', 'data'), '--allow-unsigned', '--unit-dir', join(dir, 'crl', 'units'), '--config-dir', etc];
    const install = await runCli([...base, '--ca', '/etc/fleetswap/ca.crt', '--cert', '/etc/fleetswap/coord.crt', '--key', '/etc/fleetswap/coord.key', '--crl', 'ca.crl']);
    expect(install.stderr).toBe('');
    expect(JSON.parse(await readFile(join(etc, 'coordinator.json'), 'utf8'))).toMatchObject({ crl: join(process.cwd(), 'ca.crl') });
    const plain = await runCli([...base, '--insecure', '--crl', 'ca.crl']);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toBe('fleetswap: --crl needs TLS (--ca, --cert, --key): a plaintext coordinator knows no certificates\n');
  });

  it('passes --http-listen and --metrics-allow to the coordinator config, checked first', async () => {
    const etc = join(dir, 'http', 'etc');
    const base = ['coordinator', 'install', '--data', join(dir, 'http', 'data'), '--allow-unsigned', '--insecure', '--unit-dir', join(dir, 'http', 'units'), '--config-dir', etc];
    const install = await runCli([...base, '--http-listen', '127.0.0.1:7401', '--metrics-allow', '10.0.0.0/8', '--metrics-allow', '192.168.1.5']);
    expect(install.stderr).toBe('');
    expect(JSON.parse(await readFile(join(etc, 'coordinator.json'), 'utf8'))).toMatchObject({ httpListen: '127.0.0.1:7401', metricsAllow: ['10.0.0.0/8', '192.168.1.5'] });
    const bad = await runCli([...base, '--http-listen', '127.0.0.1:7401', '--metrics-allow', 'everyone']);
    expect([bad.code, bad.stderr]).toEqual([2, 'fleetswap: bad --metrics-allow "everyone": give an address or a CIDR range, e.g. 10.0.0.0/8 or 127.0.0.1\n']);
  });

  it('puts --database (its password) in an environment file only root reads, not in the unit, the config or the command line', async () => {
    const data = join(dir, 'second', 'data');
    const units = join(dir, 'second', 'units');
    const etc = join(dir, 'second', 'etc');
    // A password with what systemd would otherwise read itself: "$", "\\", '"', "%".
    const url = 'postgres://fleet:s3cr$t\\"%25x@db.internal:5432/fleet';
    const install = await runCli(['coordinator', 'install', '--data', data, '--database', url, '--allow-unsigned', '--insecure', '--unit-dir', units, '--config-dir', etc]);
    expect(install.stderr).toBe('');
    expect(install.code).toBe(0);
    const envFile = join(etc, 'coordinator.env');
    expect(install.stdout).toContain(`wrote ${envFile} (mode 0600, root's: it holds the database password)`);

    const unitFile = join(units, 'fleetswap-coordinator.service');
    const s = await expectAcceptedAndHardened(unitFile, data);
    expect(s.get('EnvironmentFile')).toEqual([envFile]);
    expect(s.get('ExecStart')![0]).not.toContain('postgres');
    const configFile = join(etc, 'coordinator.json');
    for (const f of [unitFile, configFile]) expect(await readFile(f, 'utf8')).not.toContain('s3cr');
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    // In single quotes, systemd takes the value as written (systemd.exec(5), EnvironmentFile=).
    expect((await readFile(envFile, 'utf8')).split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([`FLEETSWAP_DATABASE='${url}'`]);
  });

  it('refuses a --database that is not PostgreSQL, or that no environment file can hold, and writes nothing', async () => {
    const units = join(dir, 'bad-db', 'units');
    const etc = join(dir, 'bad-db', 'etc');
    const base = ['coordinator', 'install', '--data', join(dir, 'bad-db', 'data'), '--allow-unsigned', '--insecure', '--unit-dir', units, '--config-dir', etc];
    const mysql = await runCli([...base, '--database', 'mysql://root@db/fleet']);
    expect(mysql.code).toBe(2);
    expect(mysql.stderr).toBe('fleetswap: bad --database: mysql: is not postgres:// (leave it out for SQLite under --data)\n');
    const quote = await runCli([...base, '--database', "postgres://fleet:it's@db/fleet"]);
    expect(quote.code).toBe(2);
    expect(quote.stderr).toBe("fleetswap: bad --database: a control character or ' cannot go in a systemd environment file (write ' as %27)\n");
    expect(await exists(units)).toBe(false);
    expect(await exists(etc)).toBe(false);
  });

  it('keeps a root and config directory with spaces, "%" and "$" in them one path each', async () => {
    // Written bare, "/srv/shop app" would be two ReadWritePaths= entries, the
    // second relative and dropped, leaving the agent's own root read-only.
    const root = join(dir, 'odd', 'srv', 'shop app 100%');
    const etc = join(dir, 'odd', 'etc', 'fleet $wap');
    const units = join(dir, 'odd', 'units');
    const install = await runCli(['agent', 'install', '--id', 'web-1', '--root', root, '--allow-unsigned', '--insecure', '--unit-dir', units, '--config-dir', etc]);
    expect(install.code).toBe(0);

    const s = await expectAcceptedAndHardened(join(units, 'fleetswap-agent.service'), `"${root.replace('%', '%%')}"`);
    expect(s.get('ExecStart')).toEqual([`${process.execPath} ${BIN} agent --config "${etc.replace('$', () => '$$')}/agent.json"`]);
  });

  it('prints a useradd with no login shell, and makes the TLS key readable by the daemon\'s user alone', async () => {
    const base = join(dir, 'steps');
    const root = join(base, 'srv', 'shop app');
    const etc = join(base, 'etc');
    const res = await runCli([
      'agent', 'install', '--id', 'web-1', '--root', root, '--allow-unsigned',
      '--ca', join(etc, 'ca.crt'), '--cert', join(etc, 'web-1.crt'), '--key', join(etc, 'web-1.key'),
      '--unit-dir', join(base, 'units'), '--config-dir', etc,
    ]);
    expect(res.code).toBe(0);
    const next = res.stdout.split('\n').filter((l) => l.startsWith('next: '));
    expect(next).toEqual([
      'next: useradd --system --user-group --no-create-home --shell /usr/sbin/nologin fleetswap',
      // 0755 given, not left to root's umask: the web server walks ROOT.
      `next: install -d -o fleetswap -g fleetswap -m 0755 '${root}'`,
      `next: chown fleetswap: ${join(etc, 'web-1.key')} && chmod 0400 ${join(etc, 'web-1.key')}`,
    ]);

    const data = join(base, 'data');
    const coord = await runCli(['coordinator', 'install', '--data', data, '--allow-unsigned', '--insecure', '--unit-dir', join(base, 'units'), '--config-dir', etc]);
    expect(coord.code).toBe(0);
    // DATA holds every release, configs included, and the admin token. No key under --insecure, so no key step.
    expect(coord.stdout.split('\n').filter((l) => l.startsWith('next: '))).toEqual([
      'next: useradd --system --user-group --no-create-home --shell /usr/sbin/nologin fleetswap',
      `next: install -d -o fleetswap -g fleetswap -m 0700 ${data}`,
    ]);
  });

  it('gives a unit that needs a path under /home read-only home directories, still rated at most 2.0', async () => {
    // ProtectHome=yes would hide /home whole, and the agent could not reach its root.
    const units = join(dir, 'home', 'units');
    const install = await runCli(['agent', 'install', '--id', 'web-1', '--root', '/home/shop/app', '--allow-unsigned', '--insecure', '--unit-dir', units, '--config-dir', join(dir, 'home', 'etc')]);
    expect(install.code).toBe(0);
    const s = await expectAcceptedAndHardened(join(units, 'fleetswap-agent.service'), '/home/shop/app');
    expect(s.get('ProtectHome')).toEqual(['read-only']);
  });

  it('runs an agent under the unit\'s UMask=0077 whose releases the web server, another user, can still read', async () => {
    const base = join(dir, 'umask');
    const coordinator = await aCoordinator(join(base, 'data'));
    const client = new AdminClient(coordinator.address);
    const root = join(base, 'srv', 'shop');
    const units = join(base, 'units');
    try {
      const install = await runCli(['agent', 'install', '--coordinator', coordinator.address, '--id', 'web-1', '--root', root, '--allow-unsigned', '--insecure', '--unit-dir', units, '--config-dir', join(base, 'etc')]);
      expect(install.code).toBe(0);
      const s = serviceSettings(await readFile(join(units, 'fleetswap-agent.service'), 'utf8'));
      // The unit's own command line and umask (no word of it needs quoting here).
      const [umask] = s.get('UMask')!;
      const [node, ...args] = s.get('ExecStart')![0]!.split(' ');
      const agent = spawn('/bin/sh', ['-c', `umask ${umask} && exec "$@"`, 'sh', node!, ...args], { stdio: 'ignore' });
      try {
        await waitFor('agent connected', () => coordinator.fleet.connectedCount() === 1);
        const build = await aTree(join(base, 'build'), {
          'index.html': 'home',
          'css/site.css': 'body {}',
          'bin/warm': ['#!/bin/sh\n', 0o755],
          'secret.txt': ['owner only, as built', 0o600],
        });
        const release = await aRelease(client, build, 'v1');
        expect((await deployAndWait(client, 'v1')).state).toBe('complete');
        expect(await checkLive(root)).toBe(release.id);

        const mode = async (p: string) => (await stat(join(root, p))).mode & 0o777;
        const live = await readlink(join(root, 'current'));
        // The umask took: what the agent keeps for itself is its own.
        expect(await mode('.fleetswap')).toBe(0o700);
        // Every directory down to the files is 0755, every file has its manifest mode.
        for (const d of ['.', 'slots', live, `${live}/css`, `${live}/bin`]) expect([d, await mode(d)]).toEqual([d, 0o755]);
        expect(await mode(`${live}/index.html`)).toBe(0o644);
        expect(await mode(`${live}/bin/warm`)).toBe(0o755);
        expect(await mode(`${live}/secret.txt`)).toBe(0o600);
      } finally {
        agent.kill('SIGKILL');
      }
    } finally {
      client.close();
      await coordinator.stop();
    }
  });

  it.each([
    ['a host id that is not a plain name', ['--id', '../x', '--root', 'srv', '--allow-unsigned', '--insecure'], /^fleetswap: bad --id "\.\.\/x"/],
    ['a root no unit can hold', ['--id', 'web-1', '--root', 'srv\nExecStartPre=/bin/true', '--allow-unsigned', '--insecure'], /^fleetswap: --root .* cannot go in a systemd unit/],
    ['neither TLS files nor --insecure', ['--id', 'web-1', '--root', 'srv', '--allow-unsigned'], /^fleetswap: TLS needs --ca, --cert and --key/],
    ['no release key to trust and no --allow-unsigned', ['--id', 'web-1', '--root', 'srv', '--insecure'], /^fleetswap: no release key to trust: give --trust-key FILE, or --allow-unsigned/],
  ])('refuses %s with exit 2, one line on stderr, and nothing written', async (_what, args, message) => {
    const base = await tempDir('fleetswap-install-bad-');
    try {
      const units = join(base, 'units');
      const etc = join(base, 'etc');
      const res = await runCli(['agent', 'install', ...args, '--unit-dir', units, '--config-dir', etc]);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(message);
      expect(res.stderr).toMatch(/^[^\n]+\n$/);
      expect(res.stdout).toBe('');
      expect(await exists(units)).toBe(false);
      expect(await exists(etc)).toBe(false);
    } finally {
      await cleanup(base);
    }
  });
});
