import { Command, CommanderError } from 'commander';
import { errorMessage, isFleetswapError } from '../shared/errors.js';
import { VERSION } from '../shared/version.js';
import { registerAudit } from './commands/audit.js';
import { registerCa } from './commands/ca.js';
import { registerDaemons } from './commands/daemons.js';
import { registerDemo } from './commands/demo.js';
import { registerDrift } from './commands/drift.js';
import { registerHosts } from './commands/hosts.js';
import { registerNotify } from './commands/notify.js';
import { registerPush, registerReleases } from './commands/releases.js';
import { registerHistory, registerRollout } from './commands/rollout.js';
import { registerTokens } from './commands/tokens.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, exitCodeFor } from './exit-codes.js';
import { safe } from './safe-text.js';

// The program, and what becomes of an error. Each command lives in cli/commands/, one module per group.

const program = new Command('fleetswap')
  .description('put new builds live on a fleet of hosts, safely')
  .version(VERSION)
  // Root options only before the sub-command, so that `push --version LABEL` is push's.
  .enablePositionalOptions()
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

// `fleetswap --help` lists the commands in the order they are registered here.
registerDaemons(program); // coordinator, agent
registerPush(program);
registerCa(program); // ca, keys
registerReleases(program);
registerRollout(program); // deploy, rollback, promote, pause, resume, abort, halt, unhalt, status
registerHosts(program);
registerHistory(program);
registerTokens(program); // token
registerAudit(program);
registerDrift(program);
registerNotify(program); // events, notify
registerDemo(program);

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
