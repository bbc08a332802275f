import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { FleetswapError } from '../shared/errors.js';

/**
 * applyConfigFile merges a JSON config file under the command's flags: a
 * value from the file is used only where no flag (or environment variable)
 * gave one, so the order of precedence is file < environment < flags.
 * Unknown keys are refused, so a typo fails at start and not later.
 */
export function applyConfigFile(cmd: Command, path: string | undefined): void {
  if (!path) return;
  let values: Record<string, unknown>;
  try {
    values = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new FleetswapError('BAD_USAGE', `cannot read config file ${path}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw new FleetswapError('BAD_USAGE', `config file ${path} must hold one JSON object`);
  }
  const known = new Set(cmd.options.map((o) => o.attributeName()));
  for (const [key, value] of Object.entries(values)) {
    if (!known.has(key) || key === 'config') {
      throw new FleetswapError('BAD_USAGE', `config file ${path}: unknown setting "${key}" (known: ${[...known].filter((k) => k !== 'config').join(', ')})`);
    }
    const source = cmd.getOptionValueSource(key);
    if (source === undefined || source === 'default') cmd.setOptionValueWithSource(key, value, 'config');
  }
}

/** parseTags turns repeated k=v flags (or a config object) into a map. */
export function parseTags(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!Array.isArray(value)) {
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
    throw new FleetswapError('BAD_USAGE', 'tags must be k=v pairs');
  }
  const out: Record<string, string> = {};
  for (const pair of value as string[]) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new FleetswapError('BAD_USAGE', `bad tag or selector "${pair}": use key=value`);
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
