import type { Command } from 'commander';
import { haltBanner, hostsTable } from '../format.js';
import { json, out, withClient, withConnection, type ConnectionFlags } from './common.js';

// hosts: the fleet as the coordinator sees it.

/** registerHosts adds `hosts`. */
export function registerHosts(program: Command): void {
  withConnection(program.command('hosts').description('every host: live release, slots, last seen, last staging').option('--json', 'print JSON')).action(
    async (opts: { json?: boolean } & ConnectionFlags) => {
      const res = await withClient(opts, (c) => c.call('ListHosts', {}));
      if (opts.json) json(res.hosts);
      else out([haltBanner(res.halt), hostsTable(res.hosts, res.labels)].filter(Boolean).join('\n'));
    },
  );
}
