import { Command, CommanderError, Option } from 'commander';
import { FleetswapError, errorMessage, isFleetswapError } from '../shared/errors.js';
import { parseDuration } from '../shared/duration.js';
import { VERSION } from '../shared/version.js';
import { TERMINAL_ROLLOUT_STATES } from '../shared/wire.js';
import { AdminClient, DEFAULT_COORDINATOR } from './admin-client.js';
import { applyConfigFile, collect, parseTags } from './config.js';
import { runAgent, runCoordinator, type AgentFlags } from './daemons.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, exitCodeFor } from './exit-codes.js';
import { bytes, hostsTable, named, releasesTable, short, statusText } from './format.js';
import { installAgent, installCoordinator } from './install.js';
import { actor, push } from './push.js';
import { watchRollout } from './watch.js';

const out = (s: string) => process.stdout.write(`${s}\n`);
const json = (v: unknown) => out(JSON.stringify(v, null, 2));

const coordinatorOption = () =>
  new Option('--coordinator <host:port>', 'coordinator address').env('FLEETSWAP_COORDINATOR').default(DEFAULT_COORDINATOR);

/** withClient runs an admin command against the coordinator and always closes the channel. */
async function withClient<T>(opts: { coordinator: string }, fn: (c: AdminClient) => Promise<T>): Promise<T> {
  const client = new AdminClient(opts.coordinator);
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

const coordinatorCmd = program
  .command('coordinator')
  .description('run the coordinator (state in DIR, gRPC on --listen)')
  .option('--data <dir>', 'state directory (SQLite database and blobs)')
  .option('--listen <host:port>', 'address to listen on', '127.0.0.1:7400')
  .option('--config <file>', 'JSON file with any of these settings (flags win)')
  .action(async (opts: { data?: string; listen: string; config?: string }, cmd: Command) => {
    applyConfigFile(cmd, opts.config);
    const o = cmd.opts<{ data?: string; listen: string }>();
    if (!o.data) throw new FleetswapError('BAD_USAGE', '--data is required: the directory for the database and blobs');
    await runCoordinator({ data: o.data, listen: o.listen });
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
    .option('--error-log <file>', 'the app\'s error log, followed for matching lines (vitals)')
    .option('--error-pattern <regex>', 'what counts as an error line (default: error|fatal|exception, any case)')
    .option('--vitals-interval <duration>', 'how often vitals are sampled and sent', '1s');
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
  coordinatorCmd
    .command('install')
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
  .option('--json', 'print the release as JSON')
  .addOption(coordinatorOption())
  .action(async (dir: string, opts: { version: string; owner: string; notes: string; irreversible: string; json?: boolean; coordinator: string }) => {
    const res = await withClient(opts, (c) =>
      push(c, dir, { label: opts.version, owner: opts.owner, notes: opts.notes, irreversible: opts.irreversible }, process.stderr.isTTY === true),
    );
    if (opts.json) {
      json(res);
      return;
    }
    const r = res.release;
    out(
      res.created
        ? `pushed ${r.label} as ${short(r.id)}: ${r.files} files, ${bytes(r.bytes)}; uploaded ${res.uploadedBlobs} new blobs (${bytes(res.uploadedBytes)})`
        : `${r.label} (${short(r.id)}) is already pushed with this content: nothing to do`,
    );
  });

program
  .command('releases')
  .description('list pushed releases')
  .option('--json', 'print JSON')
  .addOption(coordinatorOption())
  .action(async (opts: { json?: boolean; coordinator: string }) => {
    const { releases } = await withClient(opts, (c) => c.call('ListReleases', {}));
    if (opts.json) json(releases);
    else out(releasesTable(releases));
  });

program
  .command('deploy')
  .description('stage a release on every selected host, then switch them all')
  .argument('<release>', 'version label or release id')
  .option('--canary <n>', 'canary cohort size; 0 switches all hosts together', '0')
  .option('--select <k=v>', 'only hosts with this tag, repeatable', collect)
  .option('--skip-offline', 'deploy to connected hosts; offline ones converge when they return')
  .option('--stage-timeout <duration>', 'how long staging may take before the deploy fails', '10m')
  .option('--switch-timeout <duration>', 'how long the switch may take', '2m')
  .option('--reason <text>', 'why (kept in history)', '')
  .option('--watch', 'follow the rollout; exit 0 when every host is live, 1 otherwise')
  .option('--json', 'print the rollout as JSON')
  .addOption(coordinatorOption())
  .action(
    async (
      release: string,
      opts: { canary: string; select?: string[]; skipOffline?: boolean; stageTimeout: string; switchTimeout: string; reason: string; watch?: boolean; json?: boolean; coordinator: string },
    ) => {
      const canary = Number(opts.canary);
      if (!Number.isInteger(canary) || canary < 0) throw new FleetswapError('BAD_USAGE', `bad --canary "${opts.canary}": give a number of hosts`);
      const code = await withClient(opts, async (c) => {
        const { rollout } = await c.call('Deploy', {
          release,
          select: parseTags(opts.select),
          canary,
          skip_offline: opts.skipOffline === true,
          actor: actor(),
          reason: opts.reason,
          stage_timeout_ms: parseDuration(opts.stageTimeout),
          switch_timeout_ms: parseDuration(opts.switchTimeout),
        });
        if (!opts.watch) {
          if (opts.json) json(rollout);
          else out(`rollout #${rollout.id} started: ${rollout.message}; follow it with fleetswap status --watch`);
          return EXIT_OK;
        }
        const final = await watchRollout(c, rollout.id, opts.json ? () => undefined : out, { tty: !opts.json && process.stdout.isTTY === true });
        if (opts.json) json(final);
        return final.state === 'complete' ? EXIT_OK : EXIT_FAILED;
      });
      process.exitCode = code;
    },
  );

program
  .command('rollback')
  .description('put every selected host back on the previous (or a named) release')
  .option('--to <release>', 'version label or release id (default: the previous release)')
  .option('--select <k=v>', 'only hosts with this tag, repeatable', collect)
  .option('--reason <text>', 'why (kept in history)', '')
  .option('--no-wait', 'return once the rollback is ordered')
  .option('--json', 'print the rollout as JSON')
  .addOption(coordinatorOption())
  .action(async (opts: { to?: string; select?: string[]; reason: string; wait: boolean; json?: boolean; coordinator: string }) => {
    const code = await withClient(opts, async (c) => {
      const { rollout } = await c.call('Rollback', { to: opts.to ?? '', select: parseTags(opts.select), actor: actor(), reason: opts.reason });
      if (!opts.json && !opts.wait) out(`rollout #${rollout.id}: ${rollout.message}`);
      const final = opts.wait && !TERMINAL_ROLLOUT_STATES.has(rollout.state) ? await watchRollout(c, rollout.id, opts.json ? () => undefined : out, { tty: !opts.json && process.stdout.isTTY === true }) : rollout;
      if (opts.json) json(final);
      return final.state === 'complete' || !opts.wait ? EXIT_OK : EXIT_FAILED;
    });
    process.exitCode = code;
  });

program
  .command('status')
  .description('the newest rollout and what the fleet runs')
  .option('--json', 'print JSON')
  .option('--watch', 'keep printing changes until interrupted')
  .addOption(coordinatorOption())
  .action(async (opts: { json?: boolean; watch?: boolean; coordinator: string }) => {
    await withClient(opts, async (c) => {
      let last = '';
      for (;;) {
        const s = await c.call('Status', { rollout_id: 0 });
        const text = opts.json ? JSON.stringify(s, null, 2) : statusText(s);
        if (text !== last) out(opts.watch && !opts.json ? `--- ${new Date().toISOString()}\n${text}` : text);
        last = text;
        if (!opts.watch) return;
        await new Promise((r) => setTimeout(r, 500));
      }
    });
  });

program
  .command('hosts')
  .description('every host: live release, slots, last seen, last staging')
  .option('--json', 'print JSON')
  .addOption(coordinatorOption())
  .action(async (opts: { json?: boolean; coordinator: string }) => {
    const res = await withClient(opts, (c) => c.call('ListHosts', {}));
    if (opts.json) json(res.hosts);
    else out(hostsTable(res.hosts, res.labels));
  });

program
  .command('history')
  .description('every change of desired state: who, when, why, from, to, which hosts')
  .option('--json', 'print JSON')
  .addOption(coordinatorOption())
  .action(async (opts: { json?: boolean; coordinator: string }) => {
    const res = await withClient(opts, (c) => c.call('History', {}));
    if (opts.json) {
      json(res.changes);
      return;
    }
    if (res.changes.length === 0) out('no changes yet');
    for (const ch of res.changes) {
      out(
        `${ch.at} #${ch.id} ${ch.action} by ${ch.actor}: ${named(ch.from_release, res.labels)} -> ${named(ch.to_release, res.labels)} on ${ch.hosts.length} host(s)${ch.reason ? ` — ${ch.reason}` : ''}`,
      );
    }
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
      process.stderr.write(`fleetswap: ${err.message}\n`);
      process.exitCode = exitCodeFor(err.code);
      return;
    }
    process.stderr.write(`fleetswap: unexpected error: ${errorMessage(err)}\n`);
    if (process.env.FLEETSWAP_DEBUG) console.error(err);
    process.exitCode = EXIT_FAILED;
  }
}

await main();
