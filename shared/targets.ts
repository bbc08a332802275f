import { FleetswapError } from './errors.js';

/**
 * parseTargets reads a --coordinator value: one host:port, or the addresses
 * of several coordinators sharing one database, separated by commas. Agents
 * and the CLI go to the leader among them.
 */
export function parseTargets(target: string): string[] {
  const targets = target.split(',').map((t) => t.trim()).filter(Boolean);
  if (targets.length === 0) throw new FleetswapError('BAD_USAGE', 'no coordinator address: give --coordinator HOST:PORT[,HOST:PORT...]');
  return [...new Set(targets)];
}
