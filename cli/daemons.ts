import { Agent } from '../agent/agent.js';
import { Coordinator } from '../coordinator/coordinator.js';
import { FleetswapError } from '../shared/errors.js';
import { createLogger } from '../shared/log.js';
import { parseDuration } from '../shared/duration.js';
import { HOST_ID_RE } from '../shared/ids.js';

/** untilSignal resolves on SIGTERM or SIGINT, so systemd and Ctrl-C stop a daemon cleanly. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}

export async function runCoordinator(opts: { data: string; listen: string }): Promise<void> {
  const log = createLogger('coordinator');
  const c = await Coordinator.start({ dataDir: opts.data, listen: opts.listen, log });
  const sig = await untilSignal();
  log.info({ signal: sig }, 'stopping');
  await c.stop();
}

export interface AgentFlags {
  coordinator: string;
  id?: string;
  root?: string;
  slots: string | number;
  tag?: unknown;
  reloadCmd?: string;
  healthUrl?: string;
  healthTimeout: string;
}

export async function runAgent(flags: AgentFlags, tags: Record<string, string>): Promise<void> {
  if (!flags.id || !HOST_ID_RE.test(flags.id)) throw new FleetswapError('BAD_USAGE', `--id is required: letters, digits, ".", "_" or "-" (got ${JSON.stringify(flags.id ?? '')})`);
  if (!flags.root) throw new FleetswapError('BAD_USAGE', '--root is required: the directory that holds current and slots/');
  const slots = Number(flags.slots);
  const log = createLogger('agent');
  const agent = new Agent({
    id: flags.id,
    root: flags.root,
    coordinator: flags.coordinator,
    slots,
    tags,
    reloadCmd: flags.reloadCmd,
    healthUrl: flags.healthUrl,
    healthTimeoutMs: parseDuration(flags.healthTimeout),
    log,
  });
  await agent.start();
  const sig = await untilSignal();
  log.info({ host: flags.id, signal: sig }, 'stopping');
  await agent.stop();
}
