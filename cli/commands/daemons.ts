import { Option, type Command } from 'commander';
import { AGENT_DEFAULTS } from '../../agent/defaults.js';
import { DEFAULT_JUDGE } from '../../coordinator/judge.js';
import { formatDuration } from '../../shared/duration.js';
import { FleetswapError } from '../../shared/errors.js';
import { applyConfigFile, collect, parseTags } from '../config.js';
import { runAgent, runCoordinator, type AgentFlags, type CoordinatorFlags } from '../daemons.js';
import { installAgent, installCoordinator } from '../install.js';
import { coordinatorOption, fleetOption, out } from './common.js';
import { registerDatabase } from './database.js';

// coordinator, coordinator install, agent, agent install: the two daemons, and their systemd units.

const DEFAULT_LISTEN = '127.0.0.1:7400';

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

/** errorPatternText says in words what the agent's default error pattern matches. */
const errorPatternText = (re: RegExp) => `${re.source}${re.ignoreCase ? ', any case' : ''}`;

/** withAgentSettings adds the agent's settings, shared by `agent` and `agent install`; the defaults are the agent's own. */
function withAgentSettings(cmd: Command): Command {
  return cmd
    .addOption(coordinatorOption())
    .option('--id <host-id>', 'this host\'s id')
    .option('--root <dir>', 'directory holding current and slots/')
    .option('--slots <n>', 'number of slot directories', String(AGENT_DEFAULTS.slots))
    .option('--tag <k=v>', 'a tag, repeatable (role=web, dc=east)', collect)
    .option('--reload-cmd <cmd>', 'command run after every switch')
    .option('--health-url <url>', 'probed after every switch; failure switches back')
    .option('--health-timeout <duration>', 'how long the health probe may take', formatDuration(AGENT_DEFAULTS.healthTimeoutMs))
    .option('--error-log <file>', 'the app\'s error log, followed for error incidents (vitals)')
    .option('--error-pattern <regex>', `what starts an error incident; its stack trace joins it (default: ${errorPatternText(AGENT_DEFAULTS.errorPattern)})`)
    .option('--incident-gap <duration>', 'an error incident with no new line for this long is over', formatDuration(AGENT_DEFAULTS.incidentGapMs))
    .option('--vitals-interval <duration>', 'how often vitals are sampled and sent', formatDuration(AGENT_DEFAULTS.vitalsIntervalMs))
    .option('--ca <file>', 'the fleet CA certificate (fleetswap ca init)')
    .option('--cert <file>', 'this host\'s certificate (fleetswap ca issue DIR HOST --role agent)')
    .option('--key <file>', 'its key')
    .option('--insecure', 'plaintext, no TLS (logged)')
    .option('--trust-key <file>', 'a release public key: only releases it signed are staged, repeatable', collect)
    .option('--allow-unsigned', 'with no --trust-key, stage releases nobody signed (logged and reported)')
    .addOption(fleetOption())
    .option('--metrics-listen <address:port>', 'serve Prometheus metrics at http://ADDRESS:PORT/metrics (off unless given; bind 127.0.0.1 or a private address: no TLS, no authentication)')
    .option(
      '--verify-interval <duration>',
      'how often the whole live tree is verified against its manifest (0s: never; file events are watched regardless)',
      formatDuration(AGENT_DEFAULTS.verifyIntervalMs),
    );
}

/** withUnitOptions adds what both `install` sub-commands take. */
function withUnitOptions(cmd: Command, role: string): Command {
  return cmd
    .option('--user <name>', `the dedicated user the ${role} runs as`, 'fleetswap')
    .option('--unit-dir <dir>', 'where to write the unit', '/etc/systemd/system')
    .option('--config-dir <dir>', 'where to write the config file', '/etc/fleetswap')
    .option('--exec <path>', 'path of the fleetswap executable', process.argv[1]);
}

/** registerDaemons adds `coordinator` and `agent`, each with its `install`. */
export function registerDaemons(program: Command): void {
  const coordinatorCmd = withCoordinatorTrust(program.command('coordinator'))
    .description('run the coordinator (state in DIR, gRPC on --listen)')
    .option('--data <dir>', 'state directory (SQLite database and blobs)')
    .addOption(new Option('--database <url>', 'PostgreSQL shared by several coordinators (postgres://...); default: SQLite under --data').env('FLEETSWAP_DATABASE'))
    .option('--blobs <dir>', 'keep release blobs in this directory, one every coordinator mounts (default: in the PostgreSQL database with --database, else DATA/blobs)')
    .option('--no-migrate', 'do not run pending database migrations at start: refuse to start on an older schema (for a DBA who runs fleetswap coordinator migrate by hand)')
    .option('--listen <host:port>', 'address to listen on', DEFAULT_LISTEN)
    .option('--name <name>', 'with --database: this coordinator\'s name among those sharing it (default: HOST:PORT, the host name and the port it listens on)')
    .option('--advertise <host:port>', 'with --database: where agents and the CLI reach this coordinator, told to them by the others (default: --listen)')
    .option('--alpha <rate>', 'the false-rollback rate of each judged phase, however often it is judged', String(DEFAULT_JUDGE.alpha))
    .option('--judge-window <duration>', 'vitals are judged as per-host means over windows this long', `${DEFAULT_JUDGE.bucketMs / 1000}s`)
    .option('--stale-after <duration>', 'a canary silent this long holds its rollout', `${DEFAULT_JUDGE.staleMs / 1000}s`)
    .option('--drift-policy <policy>', 'what to do about drift until fleetswap drift policy says otherwise: revert or report', 'revert')
    .option('--upload-rate <MiB/s>', 'the most one push may upload per second, in MiB', '256')
    .option('--admin-token-file <file>', 'on first start, the admin token is written here (or read from here, if it exists: mode 0600, one token) (default: DATA/admin.token)')
    .option('--drift-grace <duration>', 'how long a host may run another release than its desired one, with nothing in flight, before it counts as drift', '30s')
    .option('--http-listen <host:port>', 'serve the web dashboard and /metrics here (over the coordinator\'s TLS certificate; plain HTTP only with --insecure); default: off')
    .option('--metrics-allow <cidr>', 'an address or CIDR range that may read /metrics without a token (the Prometheus servers), repeatable', collect)
    .option('--dashboard-url <url>', 'the dashboard\'s address as people reach it, for links in notifications and fleetswap events (default: the --http-listen address)')
    .option('--notify-give-up <duration>', 'how long a notification is retried before it is given up (and counted in status)', '24h')
    .option('--config <file>', 'JSON file with any of these settings (flags win)')
    .action(async (opts: { config?: string }, cmd: Command) => {
      applyConfigFile(cmd, opts.config);
      const o = cmd.opts<Omit<CoordinatorFlags, 'data'> & { data?: string }>();
      if (!o.data) throw new FleetswapError('BAD_USAGE', '--data is required: the directory for the database and blobs');
      await runCoordinator({ ...o, data: o.data });
    });

  registerDatabase(coordinatorCmd);

  const agentCmd = withAgentSettings(program.command('agent').description('run the agent on this host (see also: agent install)'))
    .option('--config <file>', 'JSON file with any of these settings (flags win)')
    .action(async (_opts: unknown, cmd: Command) => {
      applyConfigFile(cmd, cmd.opts<{ config?: string }>().config);
      const flags = cmd.opts<AgentFlags>();
      await runAgent(flags, parseTags(flags.tag));
    });

  withUnitOptions(withAgentSettings(agentCmd.command('install').description('write a systemd unit and config file for the agent')), 'agent').action(
    async (opts: Parameters<typeof installAgent>[0]) => {
      for (const line of await installAgent(opts)) out(line);
    },
  );

  withUnitOptions(
    withCoordinatorTrust(coordinatorCmd.command('install'))
      .description('write a systemd unit and config file for the coordinator')
      .requiredOption('--data <dir>', 'state directory')
      .option('--database <url>', 'PostgreSQL shared with other coordinators (postgres://...): written to CONFIG-DIR/coordinator.env (mode 0600), not the unit or config, since it holds a password')
      .option('--listen <host:port>', 'address to listen on', DEFAULT_LISTEN)
      .option('--http-listen <host:port>', 'serve the web dashboard and /metrics here; default: off')
      .option('--metrics-allow <cidr>', 'an address or CIDR range that may read /metrics without a token, repeatable', collect),
    'coordinator',
  ).action(async (opts: Parameters<typeof installCoordinator>[0]) => {
    for (const line of await installCoordinator(opts)) out(line);
  });
}
