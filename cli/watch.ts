import { TERMINAL_ROLLOUT_STATES, type Rollout } from '../shared/wire.js';
import { isFleetswapError } from '../shared/errors.js';
import type { AdminClient } from './admin-client.js';

const UNREACHABLE_LIMIT_MS = 60_000;
import { countHosts, rolloutLines } from './format.js';

/**
 * watchRollout follows one rollout until it ends, printing a line whenever
 * its state or host counts change (quiet and line-oriented, fine for logs
 * and pipes). It resolves with the final rollout.
 */
export async function watchRollout(client: AdminClient, id: number, out: (line: string) => void, intervalMs = 200): Promise<Rollout> {
  let last = '';
  let unreachableSince: number | undefined;
  for (;;) {
    let s;
    try {
      s = await client.call('Status', { rollout_id: id }, 5_000);
      unreachableSince = undefined;
    } catch (err) {
      // The rollout lives in the coordinator's database, not in this watch:
      // ride out a coordinator restart instead of reporting a failure.
      if (!isFleetswapError(err) || err.code !== 'UNAVAILABLE') throw err;
      unreachableSince ??= Date.now();
      if (Date.now() - unreachableSince > UNREACHABLE_LIMIT_MS) throw err;
      if (last !== 'unreachable') out(`coordinator unreachable; still watching rollout #${id}`);
      last = 'unreachable';
      await new Promise((res) => setTimeout(res, 500));
      continue;
    }
    const r = s.rollout as Rollout;
    const line = `rollout #${r.id} ${r.state}: ${countHosts(r)}`;
    if (line !== last) {
      out(TERMINAL_ROLLOUT_STATES.has(r.state) ? rolloutLines(r, s.labels).join('\n') : line);
      last = line;
    }
    if (TERMINAL_ROLLOUT_STATES.has(r.state)) return r;
    await new Promise((res) => setTimeout(res, intervalMs));
  }
}
