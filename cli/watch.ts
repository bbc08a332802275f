import cliProgress from 'cli-progress';
import { isFleetswapError } from '../shared/errors.js';
import { TERMINAL_ROLLOUT_STATES, type Rollout } from '../shared/wire.js';
import type { AdminClient } from './admin-client.js';
import { countHosts, rolloutLines } from './format.js';

const UNREACHABLE_LIMIT_MS = 60_000;
// Off a terminal, a progress line at most this often: a log of an 800-host
// rollout should read as phases, not as 1,600 count updates.
const QUIET_LINE_MS = 5_000;

/**
 * watchRollout follows one rollout until it ends and resolves with the final
 * rollout. On a terminal it draws one progress bar per phase; otherwise it
 * prints a line when the phase changes and a count line now and then.
 */
export async function watchRollout(
  client: AdminClient,
  id: number,
  out: (line: string) => void,
  opts: { intervalMs?: number; tty?: boolean } = {},
): Promise<Rollout> {
  const tty = opts.tty ?? process.stdout.isTTY === true;
  let phase = '';
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
      const r = s.rollout as Rollout;
      const done = progress(r, r.state);
      if (r.state !== phase) {
        // The phase may have ended between two polls: show where it got to.
        bar?.update(progress(r, phase).value);
        bar?.stop();
        bar = undefined;
        phase = r.state;
        if (TERMINAL_ROLLOUT_STATES.has(r.state)) {
          out(rolloutLines(r, s.labels).join('\n'));
          return r;
        }
        out(`rollout #${r.id} ${r.state}: ${r.message}`);
        lastLine = Date.now();
        if (tty) {
          bar = new cliProgress.SingleBar({ format: `  ${r.state} [{bar}] {value}/{total} hosts`, stream: process.stdout }, cliProgress.Presets.shades_classic);
          bar.start(done.total, done.value);
        }
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

/** progress is how far a phase got: hosts staged for staging, hosts switched after that. */
function progress(r: Rollout, phase: string): { value: number; total: number } {
  const active = r.hosts.filter((h) => h.stage !== 'skipped');
  const value = active.filter((h) => (phase === 'staging' ? h.stage === 'staged' : h.switch === 'done')).length;
  return { value, total: active.length };
}
