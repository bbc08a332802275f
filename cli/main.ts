import { readFile, writeFile } from 'node:fs/promises';
import { Command, CommanderError, Option } from 'commander';
import { FleetswapError, errorMessage, isFleetswapError } from '../shared/errors.js';
import { isDuration, parseDuration } from '../shared/duration.js';
import { VERSION } from '../shared/version.js';
import { ALL_AT_ONCE_PLAN, DEFAULT_PLAN, planOf } from '../shared/plan.js';
import { AT_FULL_FLEET, TERMINAL_ROLLOUT_STATES } from '../shared/wire.js';
import { ChainChecker } from '../shared/audit-chain.js';
import { AdminClient, DEFAULT_COORDINATOR } from './admin-client.js';
import { applyConfigFile, collect, parseTags } from './config.js';
import { DEFAULT_JUDGE } from '../coordinator/judge.js';
import { runAgent, runCoordinator, type AgentFlags, type CoordinatorFlags } from './daemons.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, exitCodeFor } from './exit-codes.js';
import { bytes, haltBanner, hostsTable, named, releasesTable, short, statusText } from './format.js';
import { driftText, toDriftReport } from './drift-report.js';
import { line, safe, safeBlock } from './safe-text.js';
import { installAgent, installCoordinator } from './install.js';
import { DEFAULT_FLEET, checkFleet, generateKeys, loadSigningKey } from '../shared/signing.js';
import { loadTls } from '../shared/tls.js';
import { actor, push } from './push.js';
import { signedOverride } from './override.js';
import { OVERRIDE_TTL_MS } from '../shared/override.js';
import { watchRollout, watchStatus } from './watch.js';

interface DeployFlags {
  canary?: string;
  waves?: string;
  bake?: string;
  waveBake?: string;
  watchFor?: string;
  manualPromote?: boolean;
  supersede?: boolean;
  select?: string[];
  skipOffline?: boolean;
  stageTimeout: string;
  switchTimeout: string;
  reason: string;
  watch?: boolean;
  json?: boolean;
  coordinator: string;
}

// Text for people goes through safeBlock (format.ts and line`` escape each value; this is the
// backstop for anything that was not); JSON goes out exactly as serialised, for scripts.
const raw = (s: string) => process.stdout.write(`${s}\n`);
const out = (s: string) => raw(safeBlock(s));
const json = (v: unknown) => raw(JSON.stringify(v, null, 2));

const coordinatorOption = () =>
  new Option('--coordinator <host:port>', 'coordinator address').env('FLEETSWAP_COORDINATOR').default(DEFAULT_COORDINATOR);

const caOption = () => new Option('--ca <file>', 'the fleet CA certificate the coordinator\'s is checked against').env('FLEETSWAP_CA');
const insecureOption = () => new Option('--insecure', 'plaintext, no TLS (only against a coordinator started with --insecure)').env('FLEETSWAP_INSECURE');

const fleetOption = () =>
  new Option('--fleet <name>', 'the fleet\'s name: a release is signed for one fleet, and runs only there').env('FLEETSWAP_FLEET').default(DEFAULT_FLEET);

const tokenFileOption = () => new Option('--token-file <file>', 'a file holding the API token (default: FLEETSWAP_TOKEN)').env('FLEETSWAP_TOKEN_FILE');

/** withClient runs an admin command against the coordinator with the caller's token, and always closes the channel. */
async function withClient<T>(opts: { coordinator: string; tokenFile?: string; ca?: string; insecure?: boolean }, fn: (c: AdminClient) => Promise<T>): Promise<T> {
  const transport = opts.insecure ? { insecure: true as const } : { tls: await loadTls({ ca: opts.ca }, false) };
  let token = process.env.FLEETSWAP_TOKEN ?? '';
  if (opts.tokenFile) {
    token = (await readFile(opts.tokenFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new FleetswapError('BAD_USAGE', `cannot read --token-file ${opts.tokenFile}: ${err.code ?? err.message}`);
    })).trim();
  }
  const client = new AdminClient(opts.coordinator, token, transport);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

const program = new Command('fleetswap')
  .description('put new builds live on a fleet of hosts, safely')
  .version(VERSION)
  // Root options only before the sub-command, so that `push --version LABEL` is push's.
  .enablePositionalOptions()
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

/** withCoordinatorTrust adds what the coordinator trusts (release keys, TLS), shared by `coordinator` and `coordinator install`. */
function withCoordinatorTrust(cmd: Command): Command {
  return cmd
    .option('--trust-key <file>', 'a release public key whose signature a push must carry, repeatable', collect)
    .option('--allow-unsigned', 'accept pushes nobody signed (logged)')
    .addOption(fleetOption())
    .option('--ca <file>', 'the fleet CA certificate (fleetswap ca init)')
    .option('--cert <file>', 'the coordinator\'s certificate (fleetswap ca issue DIR NAME --role coordinator --san HOST)')
    .option('--key <file>', 'its key')
    .option('--crl <file>', 'the fleet CA\'s revocation list (fleetswap ca revoke writes DIR/ca.crl); re-read when it changes')
    .option('--insecure', 'plaintext, no TLS (logged, and shown in status)');
}

const coordinatorCmd = withCoordinatorTrust(program.command('coordinator'))
  .description('run the coordinator (state in DIR, gRPC on --listen)')
  .option('--data <dir>', 'state directory (SQLite database and blobs)')
  .option('--listen <host:port>', 'address to listen on', '127.0.0.1:7400')
  .option('--alpha <rate>', 'the false-rollback rate of each judged phase, however often it is judged', String(DEFAULT_JUDGE.alpha))
  .option('--judge-window <duration>', 'vitals are judged as per-host means over windows this long', `${DEFAULT_JUDGE.bucketMs / 1000}s`)
  .option('--stale-after <duration>', 'a canary silent this long holds its rollout', `${DEFAULT_JUDGE.staleMs / 1000}s`)
  .option('--drift-policy <policy>', 'what to do about drift until fleetswap drift policy says otherwise: revert or report', 'revert')
  .option('--upload-rate <MiB/s>', 'the most one push may upload per second, in MiB', '256')
  .option('--admin-token-file <file>', 'on first start, the admin token is written here (or read from here, if it exists: mode 0600, one token) (default: DATA/admin.token)')
  .option('--drift-grace <duration>', 'how long a host may run another release than its desired one, with nothing in flight, before it counts as drift', '30s')
  .option('--config <file>', 'JSON file with any of these settings (flags win)')
  .action(async (opts: { config?: string }, cmd: Command) => {
    applyConfigFile(cmd, opts.config);
    const o = cmd.opts<Omit<CoordinatorFlags, 'data'> & { data?: string }>();
    if (!o.data) throw new FleetswapError('BAD_USAGE', '--data is required: the directory for the database and blobs');
    await runCoordinator({ ...o, data: o.data });
  });

/** withAgentSettings adds the agent's settings, shared by `agent` and `agent install`. */
function withAgentSettings(cmd: Command): Command {
  return cmd
    .addOption(coordinatorOption())
    .option('--id <host-id>', 'this host\'s id')
    .option('--root <dir>', 'directory holding current and slots/')
    .option('--slots <n>', 'number of slot directories', '5')
    .option('--tag <k=v>', 'a tag, repeatable (role=web, dc=east)', collect)
    .option('--reload-cmd <cmd>', 'command run after every switch')
    .option('--health-url <url>', 'probed after every switch; failure switches back')
    .option('--health-timeout <duration>', 'how long the health probe may take', '10s')
    .option('--error-log <file>', 'the app\'s error log, followed for error incidents (vitals)')
    .option('--error-pattern <regex>', 'what starts an error incident; its stack trace joins it (default: error|fatal|exception, any case)')
    .option('--incident-gap <duration>', 'an error incident with no new line for this long is over', '1s')
    .option('--vitals-interval <duration>', 'how often vitals are sampled and sent', '1s')
    .option('--ca <file>', 'the fleet CA certificate (fleetswap ca init)')
    .option('--cert <file>', 'this host\'s certificate (fleetswap ca issue DIR HOST --role agent)')
    .option('--key <file>', 'its key')
    .option('--insecure', 'plaintext, no TLS (logged)')
    .option('--trust-key <file>', 'a release public key: only releases it signed are staged, repeatable', collect)
    .option('--allow-unsigned', 'with no --trust-key, stage releases nobody signed (logged and reported)')
    .addOption(fleetOption())
    .option('--verify-interval <duration>', 'how often the whole live tree is verified against its manifest (0s: never; file events are watched regardless)', '10m');
}

const agentCmd = withAgentSettings(program.command('agent').description('run the agent on this host (see also: agent install)'))
  .option('--config <file>', 'JSON file with any of these settings (flags win)')
  .action(async (_opts: unknown, cmd: Command) => {
    applyConfigFile(cmd, cmd.opts<{ config?: string }>().config);
    const flags = cmd.opts<AgentFlags>();
    await runAgent(flags, parseTags(flags.tag));
  });

/** withUnitOptions adds what both `install` sub-commands take. */
function withUnitOptions(cmd: Command, role: string): Command {
  return cmd
    .option('--user <name>', `the dedicated user the ${role} runs as`, 'fleetswap')
    .option('--unit-dir <dir>', 'where to write the unit', '/etc/systemd/system')
    .option('--config-dir <dir>', 'where to write the config file', '/etc/fleetswap')
    .option('--exec <path>', 'path of the fleetswap executable', process.argv[1]);
}

withUnitOptions(withAgentSettings(agentCmd.command('install').description('write a systemd unit and config file for the agent')), 'agent').action(
  async (opts: Parameters<typeof installAgent>[0]) => {
    for (const line of await installAgent(opts)) out(line);
  },
);

withUnitOptions(
  withCoordinatorTrust(coordinatorCmd.command('install'))
    .description('write a systemd unit and config file for the coordinator')
    .requiredOption('--data <dir>', 'state directory')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:7400'),
  'coordinator',
).action(async (opts: Parameters<typeof installCoordinator>[0]) => {
  for (const line of await installCoordinator(opts)) out(line);
});

program
  .command('push')
  .description('upload a build directory as a new release')
  .argument('<dir>', 'the build directory')
  .requiredOption('--version <label>', 'version label, unique per content')
  .option('--owner <name>', 'who owns this release (contact)', '')
  .option('--notes <text>', 'release notes', '')
  .option('--irreversible <reason>', 'mark as impossible to roll back past (e.g. a schema migration)', '')
  .addOption(new Option('--sign-key <file>', 'the release key (from fleetswap keys generate) that signs the release for --fleet').env('FLEETSWAP_SIGN_KEY'))
  .addOption(fleetOption())
  .option('--json', 'print the release as JSON')
  .addOption(coordinatorOption())
  .addOption(tokenFileOption())
  .addOption(caOption())
  .addOption(insecureOption())
  .action(async (dir: string, opts: { version: string; owner: string; notes: string; irreversible: string; signKey?: string; fleet: string; json?: boolean; coordinator: string }) => {
    const fleet = checkFleet(opts.fleet);
    const signKey = opts.signKey ? await loadSigningKey(opts.signKey) : undefined;
    const res = await withClient(opts, (c) =>
      push(c, dir, { label: opts.version, owner: opts.owner, notes: opts.notes, irreversible: opts.irreversible }, process.stderr.isTTY === true, signKey, fleet),
    );
    if (opts.json) {
      json(res);
      return;
    }
    const r = res.release;
    out(
      res.created
        ? line`pushed ${r.label} as ${short(r.id)}: ${r.files} files, ${bytes(r.bytes)}; uploaded ${res.uploadedBlobs} new blobs (${bytes(res.uploadedBytes)})`
        : line`${r.label} (${short(r.id)}) is already pushed with this content: nothing to do`,
    );
  });

const caCmd = program.command('ca').description('the fleet\'s certificate authority: every channel uses TLS with certificates it signed');

caCmd
  .command('init')
  .description('make a CA: DIR/ca.crt, DIR/ca.key (keep ca.key off the fleet) and its revocation list DIR/ca.crl')
  .argument('<dir>', 'where the CA lives')
  .action(async (dir: string) => {
    const { caInit } = await import('./ca.js');
    const f = await caInit(dir);
    out(`wrote ${f.cert}, ${f.key} and ${f.crl} (no certificate revoked yet)`);
  });

caCmd
  .command('issue')
  .description('sign a key and certificate: DIR/NAME.crt and DIR/NAME.key; NAME is a host id, or the coordinator\'s DNS name')
  .argument('<dir>', 'the CA directory')
  .argument('<name>', 'host id (agents), or the name clients dial (coordinator)')
  .option('--role <role>', 'coordinator | agent | admin', 'agent')
  .option('--san <name>', 'another DNS name or IP address the coordinator answers to, repeatable', collect)
  .action(async (dir: string, name: string, opts: { role: string; san?: string[] }) => {
    const { caIssue } = await import('./ca.js');
    const f = await caIssue(dir, name, opts.role, opts.san ?? []);
    out(`wrote ${f.cert} and ${f.key} (${opts.role} ${name})`);
  });

caCmd
  .command('revoke')
  .description('revoke every certificate issued to NAME: it is listed in DIR/ca.crl, which a coordinator started with --crl re-reads within seconds')
  .argument('<dir>', 'the CA directory')
  .argument('<name>', 'the name the certificate was issued to (a host id, an admin, a coordinator)')
  .action(async (dir: string, name: string) => {
    const { caRevoke } = await import('./ca.js');
    const r = await caRevoke(dir, name);
    const serials = r.serials.join(', ');
    out(
      r.already
        ? `${name} was already revoked (serial ${serials}): ${r.crl} unchanged`
        : `revoked ${name} (serial ${serials}): wrote ${r.crl} (CRL #${r.number}); put it where coordinators read --crl, they pick it up within seconds`,
    );
  });

program
  .command('keys')
  .description('release signing keys')
  .command('generate')
  .description('make an ed25519 release key: PATH.key (private, 0600) for push --sign-key, PATH.pub for --trust-key')
  .argument('<path>', 'DIR/NAME, without an extension')
  .action(async (path: string) => {
    const k = await generateKeys(path);
    out(`wrote ${k.keyFile} (keep it secret: it can put code on the fleet) and ${k.pubFile}; key id ${k.id}`);
  });

program
  .command('releases')
  .description('list pushed releases')
  .option('--json', 'print JSON')
  .addOption(coordinatorOption())
  .addOption(tokenFileOption())
  .addOption(caOption())
  .addOption(insecureOption())
  .action(async (opts: { json?: boolean; coordinator: string }) => {
    const { releases } = await withClient(opts, (c) => c.call('ListReleases', {}));
    if (opts.json) json(releases);
    else out(releasesTable(releases));
  });

program
  .command('deploy')
  .description('stage a release everywhere, switch a canary cohort, judge it, then switch the rest in waves')
  .argument('<release>', 'version label or release id')
  .option('--canary <n|p%>', `canary cohort: hosts (3) or a share (5%); 0 is all at once: no canary, and no waves, bakes or watch unless given (default ${DEFAULT_PLAN.canary})`)
  .option('--waves <list>', `cumulative shares after the canary (default ${DEFAULT_PLAN.waves}; ${ALL_AT_ONCE_PLAN.waves} with --canary 0)`)
  .option('--bake <duration>', `how long the canaries are judged (default ${DEFAULT_PLAN.bake})`)
  .option('--wave-bake <duration>', `how long each wave is judged before the next (default ${DEFAULT_PLAN.waveBake}; ${ALL_AT_ONCE_PLAN.waveBake} with --canary 0)`)
  .option('--watch-for <duration>', `how long the fleet is watched at 100%; 0s skips (default ${DEFAULT_PLAN.watchFor}; ${ALL_AT_ONCE_PLAN.watchFor} with --canary 0)`)
  .option('--manual-promote', 'after a passing verdict, wait for fleetswap promote')
  .option('--supersede', 'replace the active rollout instead of being refused')
  .option('--select <k=v>', 'only hosts with this tag, repeatable', collect)
  .option('--skip-offline', 'deploy to connected hosts; offline ones converge when they return')
  .option('--stage-timeout <duration>', 'how long staging may take before the rollout pauses', '10m')
  .option('--switch-timeout <duration>', 'how long each switch may take before the rollout pauses', '2m')
  .option('--reason <text>', 'why (kept in history)', '')
  .option('--watch', 'follow the rollout: exit 0 once every host is live, 1 if it ends any other way')
  .option('--json', 'print the rollout as JSON')
  .addOption(coordinatorOption())
  .addOption(tokenFileOption())
  .addOption(caOption())
  .addOption(insecureOption())
  .action(async (release: string, opts: DeployFlags) => {
    // Checked here too, so a typo is a one-line usage error before anything is sent.
    planOf({ canary: opts.canary ?? '', waves: opts.waves ?? '', bake: opts.bake ?? '', wave_bake: opts.waveBake ?? '', watch_for: opts.watchFor ?? '', manual_promote: false }, Number.MAX_SAFE_INTEGER);
    const code = await withClient(opts, async (c) => {
      const { rollout } = await c.call('Deploy', {
        release,
        select: parseTags(opts.select),
        canary: opts.canary ?? '',
        waves: opts.waves ?? '',
        bake: opts.bake ?? '',
        wave_bake: opts.waveBake ?? '',
        watch_for: opts.watchFor ?? '',
        manual_promote: opts.manualPromote === true,
        supersede: opts.supersede === true,
        skip_offline: opts.skipOffline === true,
        actor: actor(),
        reason: opts.reason,
        stage_timeout_ms: parseDuration(opts.stageTimeout),
        switch_timeout_ms: parseDuration(opts.switchTimeout),
      });
      if (!opts.watch) {
        if (opts.json) json(rollout);
        else out(line`rollout #${rollout.id} started: ${rollout.message}; follow it with fleetswap status --watch`);
        return EXIT_OK;
      }
      const final = await watchRollout(c, rollout.id, opts.json ? () => undefined : out, { tty: !opts.json && process.stdout.isTTY === true, untilFullFleet: true });
      if (opts.json) json(final);
      else if (final.state === 'watching') out(line`every host is live on ${final.release_label}; the coordinator keeps watching it (fleetswap status --watch)`);
      return AT_FULL_FLEET.has(final.state) ? EXIT_OK : EXIT_FAILED;
    });
    process.exitCode = code;
  });

program
  .command('rollback')
  .description('put every selected host back on the previous (or a named) release')
  .option('--to <release|ago>', 'version label, release id, or how long ago (30s, 15m, 6h, 2d): each host goes back to what it was meant to run then (default: the previous release)')
  .option('--select <k=v>', 'only hosts with this tag, repeatable', collect)
  .option('--reason <text>', 'why (kept in history)', '')
  .option('--force-irreversible', 'go back past an irreversible release (needs --reason; hosts that trust release keys also need --sign-key)')
  .option('--sign-key <file>', `with --force-irreversible: sign an override (valid ${OVERRIDE_TTL_MS / 60_000} minutes) with this release key, so hosts go below their irreversible release to --to`)
  .addOption(fleetOption())
  .option('--no-wait', 'return once the rollback is ordered')
  .option('--json', 'print the rollout as JSON')
  .addOption(coordinatorOption())
  .addOption(tokenFileOption())
  .addOption(caOption())
  .addOption(insecureOption())
  .action(async (opts: { to?: string; select?: string[]; reason: string; forceIrreversible?: boolean; signKey?: string; fleet: string; wait: boolean; json?: boolean; coordinator: string }) => {
    const fleet = checkFleet(opts.fleet);
    if (opts.signKey && !opts.forceIrreversible) throw new FleetswapError('BAD_USAGE', '--sign-key signs an override to go back past an irreversible release: give it with --force-irreversible --reason TEXT');
    if (opts.signKey && (!opts.to || isDuration(opts.to))) throw new FleetswapError('BAD_USAGE', '--sign-key signs an override for one release: name it with --to LABEL or --to ID');
    const signKey = opts.signKey ? await loadSigningKey(opts.signKey) : undefined;
    const select = parseTags(opts.select);
    const code = await withClient(opts, async (c) => {
      const override = signKey && opts.to ? await signedOverride(c, { to: opts.to, select, fleet, key: signKey }) : undefined;
      if (override) process.stderr.write(`signed an override for fleet ${fleet}: to ${override.target}, below ${override.crosses}, until ${new Date(override.expires_ms).toISOString()}\n`);
      const { rollout } = await c.call('Rollback', {
        to: opts.to ?? '',
        select,
        actor: actor(),
        reason: opts.reason,
        force_irreversible: opts.forceIrreversible === true,
        ...(override ? { override } : {}),
      });
      if (!opts.json && !opts.wait) out(line`rollout #${rollout.id}: ${rollout.message}`);
      const final = opts.wait && !TERMINAL_ROLLOUT_STATES.has(rollout.state) ? await watchRollout(c, rollout.id, opts.json ? () => undefined : out, { tty: !opts.json && process.stdout.isTTY === true }) : rollout;
      if (opts.json) json(final);
      return final.state === 'complete' || !opts.wait ? EXIT_OK : EXIT_FAILED;
    });
    process.exitCode = code;
  });

for (const [name, method, what] of [
  ['promote', 'Promote', 'skip what is left of the bake (or the watch) and go on'],
  ['pause', 'Pause', 'stop the rollout where it is; judging and automatic rollback go on'],
  ['resume', 'Resume', 'continue a paused rollout'],
  ['abort', 'Abort', 'end the rollout and put every host that took its release back'],
] as const) {
  program
    .command(name)
    .description(`${what} (the active rollout, or --rollout N)`)
    .option('--rollout <id>', 'which rollout (default: the active one)')
    .option('--reason <text>', 'why (kept with the rollout)', '')
    .option('--force-irreversible', 'abort: put hosts back even from an irreversible release (needs --reason)')
    .option('--json', 'print the rollout as JSON')
    .addOption(coordinatorOption())
  .addOption(tokenFileOption())
  .addOption(caOption())
  .addOption(insecureOption())
    .action(async (opts: { rollout?: string; reason: string; forceIrreversible?: boolean; json?: boolean; coordinator: string }) => {
      const id = opts.rollout === undefined ? 0 : Number(opts.rollout);
      if (!Number.isInteger(id) || id < 0) throw new FleetswapError('BAD_USAGE', `bad --rollout "${opts.rollout}": give a rollout number`);
      const { rollout } = await withClient(opts, (c) => c.call(method, { rollout_id: id, actor: actor(), reason: opts.reason, force_irreversible: opts.forceIrreversible === true }));
      if (opts.json) json(rollout);
      else out(line`rollout #${rollout.id} ${rollout.state}: ${rollout.message}`);
    });
}

program
  .command('halt')
  .description('freeze every rollout and every host in place: nothing switches until unhalt')
  .requiredOption('--reason <text>', 'why (shown everywhere while the halt is in force)')
  .addOption(coordinatorOption())
  .addOption(tokenFileOption())
  .addOption(caOption())
  .addOption(insecureOption())
  .action(async (opts: { reason: string; coordinator: string }) => {
    const h = await withClient(opts, (c) => c.call('Halt', { actor: actor(), reason: opts.reason }));
    out(line`HALTED at ${h.at}: nothing switches anywhere until fleetswap unhalt`);
  });

program
  .command('unhalt')
  .description('lift a halt: rollouts continue where they were')
  .option('--reason <text>', 'why', '')
  .addOption(coordinatorOption())
  .addOption(tokenFileOption())
  .addOption(caOption())
  .addOption(insecureOption())
  .action(async (opts: { reason: string; coordinator: string }) => {
    const h = await withClient(opts, (c) => c.call('Unhalt', { actor: actor(), reason: opts.reason }));
    out(line`halt lifted at ${h.at}`);
  });

program
  .command('status')
  .description('the newest rollout and what the fleet runs')
  .option('--json', 'print JSON')
  .option('--watch', 'keep printing changes until interrupted')
  .addOption(coordinatorOption())
  .addOption(tokenFileOption())
  .addOption(caOption())
  .addOption(insecureOption())
  .action(async (opts: { json?: boolean; watch?: boolean; coordinator: string }) => {
    await withClient(opts, async (c) => {
      if (!opts.watch) {
        const s = await c.call('Status', { rollout_id: 0 });
        if (opts.json) json(s);
        else out(statusText(s));
        return;
      }
      await watchStatus(c, opts.json ? raw : out, { json: opts.json === true, tty: !opts.json && process.stdout.isTTY === true });
    });
  });

program
  .command('hosts')
  .description('every host: live release, slots, last seen, last staging')
  .option('--json', 'print JSON')
  .addOption(coordinatorOption())
  .addOption(tokenFileOption())
  .addOption(caOption())
  .addOption(insecureOption())
  .action(async (opts: { json?: boolean; coordinator: string }) => {
    const res = await withClient(opts, (c) => c.call('ListHosts', {}));
    if (opts.json) json(res.hosts);
    else out([haltBanner(res.halt), hostsTable(res.hosts, res.labels)].filter(Boolean).join('\n'));
  });

program
  .command('history')
  .description('every change of desired state: who, when, why, from, to, which hosts')
  .option('--json', 'print JSON')
  .addOption(coordinatorOption())
  .addOption(tokenFileOption())
  .addOption(caOption())
  .addOption(insecureOption())
  .action(async (opts: { json?: boolean; coordinator: string }) => {
    const res = await withClient(opts, (c) => c.call('History', {}));
    if (opts.json) {
      // Scripts read labels: each release id has its label beside it ('' where there was no release).
      const label = (id: string) => (id ? (res.labels[id] ?? '') : '');
      json(res.changes.map(({ from_release, to_release, hosts, ...rest }) => ({ ...rest, from_release, from_label: label(from_release), to_release, to_label: label(to_release), hosts })));
      return;
    }
    if (res.changes.length === 0) out('no changes yet');
    for (const ch of res.changes) {
      out(
        line`${ch.at} #${ch.id} ${ch.action} by ${ch.actor}: ${named(ch.from_release, res.labels)} -> ${named(ch.to_release, res.labels)} on ${ch.hosts.length} host(s)${ch.reason ? line` — ${ch.reason}` : ''}`,
      );
    }
  });

const tokenCmd = program.command('token').description('API tokens for the CLI: each has a role (viewer reads; deployer pushes and deploys; admin also halts and manages tokens and policy)');

tokenCmd
  .command('create')
  .description('make a token; it is printed once, and only its hash is kept')
  .requiredOption('--name <name>', 'who or what will use it (shown in the audit log)')
  .requiredOption('--role <role>', 'viewer | deployer | admin')
  .addOption(coordinatorOption())
  .addOption(tokenFileOption())
  .addOption(caOption())
  .addOption(insecureOption())
  .action(async (opts: { name: string; role: string; coordinator: string; tokenFile?: string }) => {
    const t = await withClient(opts, (c) => c.call('CreateToken', { name: opts.name, role: opts.role, actor: actor() }));
    process.stderr.write(`${line`token ${t.name} (${t.role}) made; it is shown once, here:`}\n`);
    out(t.token);
  });

tokenCmd
  .command('list')
  .description('every token: name, role, who made it, when, whether revoked (never the token)')
  .option('--json', 'print JSON')
  .addOption(coordinatorOption())
  .addOption(tokenFileOption())
  .addOption(caOption())
  .addOption(insecureOption())
  .action(async (opts: { json?: boolean; coordinator: string; tokenFile?: string }) => {
    const { tokens } = await withClient(opts, (c) => c.call('ListTokens', {}));
    if (opts.json) json(tokens);
    else for (const t of tokens) out(line`${t.name}\t${t.role}\tmade ${t.created_at} by ${t.created_by}` + (t.revoked_at ? line`\tREVOKED ${t.revoked_at}` : ''));
  });

tokenCmd
  .command('revoke')
  .description('revoke a token: it is refused from now on')
  .argument('<name>', 'the token\'s name')
  .addOption(coordinatorOption())
  .addOption(tokenFileOption())
  .addOption(caOption())
  .addOption(insecureOption())
  .action(async (name: string, opts: { coordinator: string; tokenFile?: string }) => {
    await withClient(opts, (c) => c.call('RevokeToken', { name, actor: actor() }));
    out(line`token ${name} revoked`);
  });

program
  .command('audit')
  .description('every authorised action and host state change, each entry chained to the one before by its hash')
  .option('--json', 'print the entries as JSON')
  .option('--verify', 'walk the chain; exit 1 naming the first entry changed or removed')
  .addOption(coordinatorOption())
  .addOption(tokenFileOption())
  .addOption(caOption())
  .addOption(insecureOption())
  .action(async (opts: { json?: boolean; verify?: boolean; coordinator: string }) => {
    // Page by page, checking the chain here as entries arrive: the CLI does not take the
    // coordinator's word for it, and a log of any size costs one page of memory.
    const chain = new ChainChecker();
    let count = 0;
    let head = { id: 0, hash: '' };
    await withClient(opts, async (c) => {
      for (let after = 0, more = true; more; ) {
        const page = await c.call('Audit', { after_id: after, limit: 0 }, 120_000);
        for (const e of page.entries) {
          chain.next(e);
          if (opts.json) process.stdout.write(`${count === 0 ? '[\n' : ',\n'}${JSON.stringify({ ...e, detail: JSON.parse(e.detail) as unknown })}`);
          else if (!opts.verify) out(line`#${e.id} ${e.at} ${e.actor} ${e.action} ${e.target}${e.reason ? line` — ${e.reason}` : ''}`);
          count++;
        }
        head = { id: page.head_id, hash: page.head_hash };
        more = page.more && page.entries.length > 0;
        after = page.entries.at(-1)?.id ?? after;
      }
    });
    const broken = chain.end(head.id);
    if (opts.json) {
      process.stdout.write(count === 0 ? '[]\n' : '\n]\n');
      if (broken) process.exitCode = EXIT_FAILED;
      return;
    }
    if (opts.verify) {
      if (!broken) out(line`audit log whole: ${count} entries, head ${count ? chain.last().hash : '(empty)'}`);
      else {
        process.stderr.write(`fleetswap: audit log broken: ${safe(broken.message)}\n`);
        process.exitCode = EXIT_FAILED;
      }
      return;
    }
    if (count === 0) out('no entries yet');
    if (broken) out(line`WARNING: the chain is broken: ${broken.message}`);
  });

const driftCmd = program
  .command('drift')
  .description('which hosts serve code that differs from their desired release, and what was done about it')
  .option('--json', 'print the report as JSON')
  .option('--html <file>', 'write the report as one self-contained HTML page')
  .addOption(coordinatorOption())
  .addOption(tokenFileOption())
  .addOption(caOption())
  .addOption(insecureOption())
  .action(async (opts: { json?: boolean; html?: string; coordinator: string }) => {
    if (opts.json && opts.html) throw new FleetswapError('BAD_USAGE', 'give --json or --html FILE, not both');
    const report = toDriftReport(await withClient(opts, (c) => c.call('Drift', {})), opts.coordinator);
    if (opts.json) json(report);
    else if (opts.html) {
      const { driftHtml } = await import('./drift-html.js');
      await writeFile(opts.html, driftHtml(report));
      out(line`wrote ${opts.html}: ${report.summary.hosts} hosts, ${report.summary['content-drift'] + report.summary['version-drift']} drifted`);
    } else out(driftText(report));
    // Drift is a finding, not a failure of the command: the exit code says whether it ran.
  });

driftCmd
  .command('clean')
  .description('remove the drifted trees a host keeps as evidence')
  .argument('<host>', 'host id')
  .addOption(coordinatorOption())
  .addOption(tokenFileOption())
  .addOption(caOption())
  .addOption(insecureOption())
  .action(async (host: string, opts: { coordinator: string }) => {
    await withClient(opts, (c) => c.call('DriftClean', { host, actor: actor() }));
    out(line`${host}: evidence slots will be removed (see fleetswap hosts)`);
  });

driftCmd
  .command('policy')
  .description('revert drifted hosts (default) or only report them; for every host or a --select-ion')
  .argument('<policy>', 'revert | report')
  .option('--select <k=v>', 'only hosts with this tag, repeatable', collect)
  .addOption(coordinatorOption())
  .addOption(tokenFileOption())
  .addOption(caOption())
  .addOption(insecureOption())
  .action(async (policy: string, opts: { select?: string[]; coordinator: string }) => {
    const p = await withClient(opts, (c) => c.call('SetDriftPolicy', { policy, select: parseTags(opts.select), actor: actor() }));
    out(line`drift policy: ${p.default_policy} by default${p.rules.map((r) => line`; ${r.policy} for ${Object.entries(r.select).map(([k, v]) => `${k}=${v}`).join(',')}`).join('')}`);
  });

program
  .command('demo')
  .description('a coordinator and a few agents in a temp dir: push, deploy, deploy again, roll back')
  .option('--agents <n>', 'how many agents', '4')
  .option('--keep', 'keep the temp dir for a look afterwards')
  .action(async (opts: { agents: string; keep?: boolean }) => {
    const { runDemo } = await import('./demo.js');
    await runDemo({ agents: Number(opts.agents), keep: opts.keep === true, out });
  });

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
      return;
    }
    if (isFleetswapError(err)) {
      // Error text can carry a host's words (a staging error): one line, escaped like any other output.
      process.stderr.write(`fleetswap: ${safe(err.message)}\n`);
      process.exitCode = exitCodeFor(err.code);
      return;
    }
    process.stderr.write(`fleetswap: unexpected error: ${safe(errorMessage(err))}\n`);
    if (process.env.FLEETSWAP_DEBUG) console.error(err);
    process.exitCode = EXIT_FAILED;
  }
}

await main();
