import type { Command } from 'commander';
import { ChainChecker } from '../../shared/audit-chain.js';
import { EXIT_FAILED } from '../exit-codes.js';
import { line, safe } from '../safe-text.js';
import { out, withClient, withConnection, type ConnectionFlags } from './common.js';

// audit: the hash-chained log of every authorised action, read and checked here.

/** registerAudit adds `audit`. */
export function registerAudit(program: Command): void {
  withConnection(
    program
      .command('audit')
      .description('every authorised action and host state change, each entry chained to the one before by its hash')
      .option('--json', 'print the entries as JSON')
      .option('--verify', 'walk the chain; exit 1 naming the first entry changed or removed'),
  ).action(async (opts: { json?: boolean; verify?: boolean } & ConnectionFlags) => {
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
}
