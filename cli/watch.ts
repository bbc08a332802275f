import { TERMINAL_ROLLOUT_STATES, type Rollout } from '../shared/wire.js';
import type { AdminClient } from './admin-client.js';
import { countHosts, rolloutLines } from './format.js';

/**
 * watchRollout follows one rollout until it ends, printing a line whenever
 * its state or host counts change (quiet and line-oriented, fine for logs
 * and pipes). It resolves with the final rollout.
 */
export async function watchRollout(client: AdminClient, id: number, out: (line: string) => void, intervalMs = 200): Promise<Rollout> {
  let last = '';
  for (;;) {
    const s = await client.call('Status', { rollout_id: id });
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
