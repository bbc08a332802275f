import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { FleetswapError } from '../../shared/errors.js';
import { parseTags } from '../config.js';
import { driftText, toDriftReport } from '../drift-report.js';
import { actor } from '../push.js';
import { line } from '../safe-text.js';
import { json, out, selectOption, withClient, withConnection, type ConnectionFlags } from './common.js';

// drift, drift clean, drift policy: hosts whose live code is not their release, and what to do about it.

/** registerDrift adds `drift` and its `clean` and `policy`. */
export function registerDrift(program: Command): void {
  const driftCmd = withConnection(
    program
      .command('drift')
      .description('which hosts serve code that differs from their desired release, and what was done about it')
      .option('--json', 'print the report as JSON')
      .option('--html <file>', 'write the report as one self-contained HTML page'),
  ).action(async (opts: { json?: boolean; html?: string } & ConnectionFlags) => {
    if (opts.json && opts.html) throw new FleetswapError('BAD_USAGE', 'give --json or --html FILE, not both');
    const report = toDriftReport(await withClient(opts, (c) => c.call('Drift', {})), opts.coordinator);
    if (opts.json) json(report);
    else if (opts.html) {
      const { driftHtml } = await import('../drift-html.js');
      await writeFile(opts.html, driftHtml(report));
      out(line`wrote ${opts.html}: ${report.summary.hosts} hosts, ${report.summary['content-drift'] + report.summary['version-drift']} drifted`);
    } else out(driftText(report));
    // Drift is a finding, not a failure of the command: the exit code says whether it ran.
  });

  withConnection(driftCmd.command('clean').description('remove the drifted trees a host keeps as evidence').argument('<host>', 'host id')).action(
    async (host: string, opts: ConnectionFlags) => {
      await withClient(opts, (c) => c.call('DriftClean', { host, actor: actor() }));
      out(line`${host}: evidence slots will be removed (see fleetswap hosts)`);
    },
  );

  withConnection(
    driftCmd
      .command('policy')
      .description('revert drifted hosts (default) or only report them; for every host or a --select-ion')
      .argument('<policy>', 'revert | report')
      .addOption(selectOption()),
  ).action(async (policy: string, opts: { select?: string[] } & ConnectionFlags) => {
    const p = await withClient(opts, (c) => c.call('SetDriftPolicy', { policy, select: parseTags(opts.select), actor: actor() }));
    out(line`drift policy: ${p.default_policy} by default${p.rules.map((r) => line`; ${r.policy} for ${Object.entries(r.select).map(([k, v]) => `${k}=${v}`).join(',')}`).join('')}`);
  });
}
