import cliProgress from 'cli-progress';
import { isFleetswapError } from '../shared/errors.js';
import { AT_FULL_FLEET, TERMINAL_ROLLOUT_STATES } from '../shared/domain.js';
import type { Rollout__Output } from '../shared/gen/fleetswap/v1/Rollout.js';
import type { StatusReply__Output } from '../shared/gen/fleetswap/v1/StatusReply.js';
import { carried, type AdminClient } from './admin-client.js';
import { countHosts, haltBanner, rolloutLines, statusText, verdictHeadline } from './format.js';
import { line } from './safe-text.js';

const UNREACHABLE_LIMIT_MS = 60_000;
// Off a terminal, a progress line at most this often: a log of an 800-host
// rollout should read as phases, not as 1,600 count updates.
const QUIET_LINE_MS = 5_000;

/**
 * watchRollout follows one rollout until it ends (or, with untilFullFleet,
 * until every host is live) and resolves with the rollout as it was then.
 * On a terminal it draws one progress bar per phase; otherwise it prints a
 * line when the phase or the verdict changes and a count line now and then.
 */
export async function watchRollout(
  client: AdminClient,
  id: number,
  out: (line: string) => void,
  opts: { intervalMs?: number; tty?: boolean; untilFullFleet?: boolean } = {},
): Promise<Rollout__Output> {
  const tty = opts.tty ?? process.stdout.isTTY === true;
  let phase = '';
  let verdict = '';
  let lastLine = 0;
  let bar: cliProgress.SingleBar | undefined;
  let unreachableSince: number | undefined;
  try {
    for (;;) {
      let s;
      try {
        s = await client.call('Status', { rollout_id: id }, 5_000);
        unreachableSince = undefined;
      } catch (err) {
        // The rollout lives in the coordinator's database, not in this watch:
        // ride out a coordinator restart instead of reporting a failure.
        if (!isFleetswapError(err) || err.code !== 'UNAVAILABLE') throw err;
        if (unreachableSince === undefined) out(`coordinator unreachable; still watching rollout #${id}`);
        unreachableSince ??= Date.now();
        if (Date.now() - unreachableSince > UNREACHABLE_LIMIT_MS) throw err;
        await new Promise((res) => setTimeout(res, 500));
        continue;
      }
      // Asked for by its id: the reply carries it, or the call failed.
      const r = carried(s.rollout, client, 'Status', `rollout #${id}`);
      const done = progress(r, r.state);
      if (r.state !== phase) {
        // The phase may have ended between two polls: show where it got to.
        bar?.update(progress(r, phase).value);
        bar?.stop();
        bar = undefined;
        phase = r.state;
        if (TERMINAL_ROLLOUT_STATES.has(r.state) || (opts.untilFullFleet && AT_FULL_FLEET.has(r.state))) {
          out(rolloutLines(r, s.labels, s.now_ms).join('\n'));
          return r;
        }
        out(line`rollout #${r.id} ${r.state === 'wave' ? `wave ${r.wave}` : r.state}: ${r.message}`);
        if (s.halt?.halted) out(haltBanner(s.halt));
        lastLine = Date.now();
        if (tty) {
          bar = new cliProgress.SingleBar({ format: `  ${r.state} [{bar}] {value}/{total} hosts`, stream: process.stdout }, cliProgress.Presets.shades_classic);
          bar.start(done.total, done.value);
        }
      } else if (r.verdict && `${r.verdict.phase}:${r.verdict.outcome}` !== verdict) {
        verdict = `${r.verdict.phase}:${r.verdict.outcome}`;
        bar?.stop();
        bar = undefined;
        out(`rollout #${r.id} ${verdictHeadline(r.verdict, r, s.now_ms || Date.now())}`);
      } else if (bar) {
        bar.update(done.value);
      } else if (Date.now() - lastLine >= QUIET_LINE_MS) {
        out(`rollout #${r.id} ${r.state}: ${countHosts(r)}`);
        lastLine = Date.now();
      }
      await new Promise((res) => setTimeout(res, opts.intervalMs ?? 200));
    }
  } finally {
    bar?.stop();
  }
}

/**
 * watchStatus is `status --watch`: on a terminal the whole status redrawn
 * every second; otherwise one line per event (phase, verdict, halt, hosts
 * per release), or with json one JSON document per line per change.
 */
export async function watchStatus(client: AdminClient, out: (line: string) => void, opts: { json: boolean; tty: boolean; intervalMs?: number }): Promise<never> {
  let last = '';
  let lastEvent: string[] = [];
  for (;;) {
    const s = await client.call('Status', { rollout_id: 0 }, 5_000).catch((err: unknown) => {
      if (isFleetswapError(err) && err.code === 'UNAVAILABLE') return undefined;
      throw err;
    });
    if (!s) {
      if (last !== 'unreachable') out('coordinator unreachable; still watching');
      last = 'unreachable';
    } else if (opts.tty) {
      process.stdout.write('\x1b[H\x1b[2J');
      out(`fleetswap status --watch · ${new Date().toISOString()}`);
      out(statusText(s));
    } else {
      const event = events(s);
      const changed = event.filter((e, i) => e !== lastEvent[i]);
      if (changed.length) out(opts.json ? JSON.stringify(s) : `${new Date().toISOString()} ${changed.join(' · ')}`);
      lastEvent = event;
      last = '';
    }
    // Off a terminal, poll faster: a line per event should not miss a short phase.
    await new Promise((res) => setTimeout(res, opts.intervalMs ?? (opts.tty ? 1_000 : 250)));
  }
}

/** events are the parts of a status whose change is worth a line. */
function events(s: StatusReply__Output): string[] {
  const r = s.rollout;
  const live = Object.entries(s.live_counts).map(([id, n]) => line`${n} on ${s.labels[id] ?? (id.slice(0, 12) || 'nothing')}`).sort().join(', ');
  return [
    s.halt?.halted ? line`HALTED: ${s.halt.reason}` : 'not halted',
    r ? line`rollout #${r.id} ${r.state === 'wave' ? `wave ${r.wave}` : r.state}: ${r.message}` : 'no rollout',
    r?.verdict ? line`verdict ${r.verdict.phase}: ${r.verdict.outcome}${r.verdict.outcome === 'pending' ? '' : line` (${r.verdict.reason})`}` : '',
    `hosts: ${live}`,
  ];
}

/** progress is how far a phase got: hosts staged for staging, hosts switched after that. */
function progress(r: Rollout__Output, phase: string): { value: number; total: number } {
  const active = r.hosts.filter((h) => h.stage !== 'skipped');
  const value = active.filter((h) => (phase === 'staging' ? h.stage === 'staged' : h.switch === 'done')).length;
  return { value, total: active.length };
}
