import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { FleetswapError } from '../../shared/errors.js';
import type { Event__Output } from '../../shared/gen/fleetswap/v1/Event.js';
import type { NotifyReceiver__Output } from '../../shared/gen/fleetswap/v1/NotifyReceiver.js';
import { collect, parseTags } from '../config.js';
import { EXIT_FAILED } from '../exit-codes.js';
import { actor } from '../push.js';
import { line } from '../safe-text.js';
import { json, out, raw, withClient, withConnection, type ConnectionFlags } from './common.js';

// events: the event stream in the terminal; notify: the receivers told of it.

const FOLLOW_POLL_MS = 1_000;
const MAX_SECRET_FILE = 4_096;

/** registerNotify adds `events` and `notify` (add, list, remove, test). */
export function registerNotify(program: Command): void {
  withConnection(
    program
      .command('events')
      .description('the event stream: rollout phases and verdicts, automatic rollbacks, pauses, halts, drift; what notification receivers are sent')
      .option('--since <id>', 'only events after this one', '0')
      .option('--follow', 'keep printing events as they happen')
      .option('--json', 'one JSON object per line'),
  ).action(async (opts: { since: string; follow?: boolean; json?: boolean } & ConnectionFlags) => {
    let after = Number(opts.since);
    if (!Number.isSafeInteger(after) || after < 0) throw new FleetswapError('BAD_USAGE', `bad --since ${JSON.stringify(opts.since)}: an event id, e.g. 120`);
    let printed = 0;
    await withClient(opts, async (c) => {
      for (;;) {
        const page = await c.call('Events', { after_id: after, limit: 0 });
        for (const e of page.events) {
          if (opts.json) raw(JSON.stringify(e));
          else out(eventLine(e));
          printed++;
        }
        after = page.events.at(-1)?.id ?? after;
        if (page.more) continue;
        if (!opts.follow) break;
        await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
      }
    });
    if (printed === 0 && !opts.json) out('no events yet');
  });

  const notifyCmd = program.command('notify').description('notification receivers: webhooks told of the event stream (Slack, generic JSON, CloudEvents), signed with a secret');

  withConnection(
    notifyCmd
      .command('add')
      .description('add a receiver (admin): every matching event is delivered to it at least once, in order, retried while it is down')
      .argument('<name>', 'the receiver\'s name')
      .requiredOption('--url <url>', 'where to POST (http or https)')
      .requiredOption('--format <format>', 'slack | generic | cloudevents')
      .option('--events <kinds>', 'comma-separated kinds or families: rollout.*, drift.*, halt, unhalt, rollout.verdict, ... (default: every event)')
      .option('--min-severity <severity>', 'info | warning | critical', 'info')
      .option('--select <k=v>', 'only events about hosts with this tag (fleet-wide events always pass), repeatable', collect)
      .option('--secret-file <file>', 'sign each request with the secret in this file (Standard Webhooks HMAC-SHA256)'),
  ).action(async (name: string, opts: { url: string; format: string; events?: string; minSeverity: string; select?: string[]; secretFile?: string } & ConnectionFlags) => {
    const secret = opts.secretFile === undefined ? '' : await readSecret(opts.secretFile);
    const r = await withClient(opts, (c) =>
      c.call('AddNotify', { name, url: opts.url, format: opts.format, events: (opts.events ?? '').split(',').map((e) => e.trim()).filter(Boolean), min_severity: opts.minSeverity, select: parseTags(opts.select), secret, actor: actor() }),
    );
    out(line`receiver ${r.name} added: ${r.format} to ${r.url}${r.signed ? ', signed' : ''}`);
  });

  withConnection(notifyCmd.command('list').description('every receiver, its filters and deliveries (never its secret, nor its URL\'s path)').option('--json', 'print JSON')).action(
    async (opts: { json?: boolean } & ConnectionFlags) => {
      const { receivers } = await withClient(opts, (c) => c.call('ListNotify', {}));
      if (opts.json) json(receivers);
      else if (receivers.length === 0) out('no receivers: fleetswap notify add NAME --url URL --format slack|generic|cloudevents');
      else for (const r of receivers) out(receiverLine(r));
    },
  );

  withConnection(notifyCmd.command('remove').description('remove a receiver (admin), and what it was still owed').argument('<name>', 'the receiver\'s name')).action(async (name: string, opts: ConnectionFlags) => {
    await withClient(opts, (c) => c.call('RemoveNotify', { name, actor: actor() }));
    out(line`receiver ${name} removed`);
  });

  withConnection(notifyCmd.command('test').description('send a test event to a receiver now and say how it answered').argument('<name>', 'the receiver\'s name')).action(async (name: string, opts: ConnectionFlags) => {
    const r = await withClient(opts, (c) => c.call('TestNotify', { name, actor: actor() }));
    // What a receiver answers is a stranger's text: line`` escapes it.
    out(line`receiver ${name}: ${r.ok ? 'delivered' : 'failed'} (${r.outcome})`);
    if (!r.ok) process.exitCode = EXIT_FAILED;
  });
}

/** readSecret reads --secret-file: refused in one line when it cannot be read, is empty, or is too big to be a secret. */
async function readSecret(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new FleetswapError('BAD_USAGE', `cannot read --secret-file ${file}: ${err.code ?? err.message}`);
  });
  if (text.length > MAX_SECRET_FILE) throw new FleetswapError('BAD_USAGE', `--secret-file ${file} is over ${MAX_SECRET_FILE} bytes: is it the right file?`);
  const secret = text.trim();
  if (!secret) throw new FleetswapError('BAD_USAGE', `--secret-file ${file} is empty`);
  return secret;
}

export function eventLine(e: Event__Output): string {
  const about = e.rollout_id ? line` rollout #${e.rollout_id} (${e.label})` : e.host ? line` host ${e.host}` : '';
  return line`#${e.id} ${e.at} ${e.severity.toUpperCase()} ${e.kind}` + about + line` ${e.actor}: ${e.reason}` + (e.link ? line`  ${e.link}` : '');
}

export function receiverLine(r: NotifyReceiver__Output): string {
  const filters = [r.events.length ? r.events.join(',') : 'every event', `>= ${r.min_severity}`, ...Object.entries(r.select).map(([k, v]) => `${k}=${v}`)].join(' ');
  return (
    line`${r.name}\t${r.format}\t${r.url}\t${filters}\t${r.signed ? 'signed' : 'unsigned'}\tdelivered ${r.delivered}, pending ${r.pending}, given up ${r.failed}` +
    (r.last_error ? line`\tlast error: ${r.last_error}` : '')
  );
}
