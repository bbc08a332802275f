import type { Command } from 'commander';
import { isDuration, parseDuration } from '../../shared/duration.js';
import { FleetswapError } from '../../shared/errors.js';
import { OVERRIDE_TTL_MS } from '../../shared/override.js';
import { ALL_AT_ONCE_PLAN, DEFAULT_PLAN, planOf } from '../../shared/plan.js';
import { checkFleet, loadSigningKey } from '../../shared/signing.js';
import { AT_FULL_FLEET, TERMINAL_ROLLOUT_STATES } from '../../shared/domain.js';
import { parseTags } from '../config.js';
import { EXIT_FAILED, EXIT_OK } from '../exit-codes.js';
import { named, statusText } from '../format.js';
import { signedOverride } from '../override.js';
import { actor } from '../push.js';
import { line } from '../safe-text.js';
import { watchRollout, watchStatus } from '../watch.js';
import { fleetOption, json, out, raw, selectOption, withClient, withConnection, type ConnectionFlags } from './common.js';

// deploy, rollback, promote / pause / resume / abort, halt / unhalt, status, history:
// moving the fleet from one release to another, and what it did.

interface DeployFlags extends ConnectionFlags {
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
}

interface RollbackFlags extends ConnectionFlags {
  to?: string;
  select?: string[];
  reason: string;
  forceIrreversible?: boolean;
  signKey?: string;
  fleet: string;
  wait: boolean;
  json?: boolean;
}

interface RolloutActionFlags extends ConnectionFlags {
  rollout?: string;
  reason: string;
  forceIrreversible?: boolean;
  json?: boolean;
}

/** registerRollout adds deploy, rollback, promote, pause, resume, abort, halt, unhalt and status, in that order. */
export function registerRollout(program: Command): void {
  registerDeploy(program);
  registerRollback(program);
  registerRolloutActions(program);
  registerHalt(program);
  registerStatus(program);
}

function registerDeploy(program: Command): void {
  withConnection(
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
      .addOption(selectOption())
      .option('--skip-offline', 'deploy to connected hosts; offline ones converge when they return')
      .option('--stage-timeout <duration>', 'how long staging may take before the rollout pauses', '10m')
      .option('--switch-timeout <duration>', 'how long each switch may take before the rollout pauses', '2m')
      .option('--reason <text>', 'why (kept in history)', '')
      .option('--watch', 'follow the rollout: exit 0 once every host is live, 1 if it ends any other way')
      .option('--json', 'print the rollout as JSON'),
  ).action(async (release: string, opts: DeployFlags) => {
    // Checked here too, so a typo is a one-line usage error before anything is sent.
    planOf({ canary: opts.canary ?? '', waves: opts.waves ?? '', bake: opts.bake ?? '', wave_bake: opts.waveBake ?? '', watch_for: opts.watchFor ?? '', manual_promote: false }, Number.MAX_SAFE_INTEGER);
    const code = await withClient(opts, async (c) => {
      const rollout = await c.rollout('Deploy', {
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
}

function registerRollback(program: Command): void {
  withConnection(
    program
      .command('rollback')
      .description('put every selected host back on the previous (or a named) release')
      .option('--to <release|ago>', 'version label, release id, or how long ago (30s, 15m, 6h, 2d): each host goes back to what it was meant to run then (default: the previous release)')
      .addOption(selectOption())
      .option('--reason <text>', 'why (kept in history)', '')
      .option('--force-irreversible', 'go back past an irreversible release (needs --reason; hosts that trust release keys also need --sign-key)')
      .option('--sign-key <file>', `with --force-irreversible: sign an override (valid ${OVERRIDE_TTL_MS / 60_000} minutes) with this release key, so hosts go below their irreversible release to --to`)
      .addOption(fleetOption())
      .option('--no-wait', 'return once the rollback is ordered')
      .option('--json', 'print the rollout as JSON'),
  ).action(async (opts: RollbackFlags) => {
    const fleet = checkFleet(opts.fleet);
    if (opts.signKey && !opts.forceIrreversible) throw new FleetswapError('BAD_USAGE', '--sign-key signs an override to go back past an irreversible release: give it with --force-irreversible --reason TEXT');
    if (opts.signKey && (!opts.to || isDuration(opts.to))) throw new FleetswapError('BAD_USAGE', '--sign-key signs an override for one release: name it with --to LABEL or --to ID');
    const signKey = opts.signKey ? await loadSigningKey(opts.signKey) : undefined;
    const select = parseTags(opts.select);
    const code = await withClient(opts, async (c) => {
      const override = signKey && opts.to ? await signedOverride(c, { to: opts.to, select, fleet, key: signKey }) : undefined;
      if (override) process.stderr.write(`signed an override for fleet ${fleet}: to ${override.target}, below ${override.crosses}, until ${new Date(override.expires_ms).toISOString()}\n`);
      const rollout = await c.rollout('Rollback', {
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
}

/** registerRolloutActions adds promote, pause, resume and abort: one action on one rollout each, all taking the same flags. */
function registerRolloutActions(program: Command): void {
  for (const [name, method, what] of [
    ['promote', 'Promote', 'skip what is left of the bake (or the watch) and go on'],
    ['pause', 'Pause', 'stop the rollout where it is; judging and automatic rollback go on'],
    ['resume', 'Resume', 'continue a paused rollout'],
    ['abort', 'Abort', 'end the rollout and put every host that took its release back'],
  ] as const) {
    withConnection(
      program
        .command(name)
        .description(`${what} (the active rollout, or --rollout N)`)
        .option('--rollout <id>', 'which rollout (default: the active one)')
        .option('--reason <text>', 'why (kept with the rollout)', '')
        .option('--force-irreversible', 'abort: put hosts back even from an irreversible release (needs --reason)')
        .option('--json', 'print the rollout as JSON'),
    ).action(async (opts: RolloutActionFlags) => {
      const id = opts.rollout === undefined ? 0 : Number(opts.rollout);
      if (!Number.isInteger(id) || id < 0) throw new FleetswapError('BAD_USAGE', `bad --rollout "${opts.rollout}": give a rollout number`);
      const rollout = await withClient(opts, (c) => c.rollout(method, { rollout_id: id, actor: actor(), reason: opts.reason, force_irreversible: opts.forceIrreversible === true }));
      if (opts.json) json(rollout);
      else out(line`rollout #${rollout.id} ${rollout.state}: ${rollout.message}`);
    });
  }
}

function registerHalt(program: Command): void {
  withConnection(
    program
      .command('halt')
      .description('freeze every rollout and every host in place: nothing switches until unhalt')
      .requiredOption('--reason <text>', 'why (shown everywhere while the halt is in force)'),
  ).action(async (opts: { reason: string } & ConnectionFlags) => {
    const h = await withClient(opts, (c) => c.call('Halt', { actor: actor(), reason: opts.reason }));
    out(line`HALTED at ${h.at}: nothing switches anywhere until fleetswap unhalt`);
  });

  withConnection(program.command('unhalt').description('lift a halt: rollouts continue where they were').option('--reason <text>', 'why', '')).action(
    async (opts: { reason: string } & ConnectionFlags) => {
      const h = await withClient(opts, (c) => c.call('Unhalt', { actor: actor(), reason: opts.reason }));
      out(line`halt lifted at ${h.at}`);
    },
  );
}

function registerStatus(program: Command): void {
  withConnection(
    program
      .command('status')
      .description('the newest rollout and what the fleet runs')
      .option('--json', 'print JSON')
      .option('--watch', 'keep printing changes until interrupted'),
  ).action(async (opts: { json?: boolean; watch?: boolean } & ConnectionFlags) => {
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
}

/** registerHistory adds `history`: every change of desired state (listed after `hosts` in the help). */
export function registerHistory(program: Command): void {
  withConnection(program.command('history').description('every change of desired state: who, when, why, from, to, which hosts').option('--json', 'print JSON')).action(
    async (opts: { json?: boolean } & ConnectionFlags) => {
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
    },
  );
}
