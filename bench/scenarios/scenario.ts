/** Target is one pass/fail line of a scenario: `value` against `limit`. */
export interface Target {
  name: string;
  value: number;
  limit: number;
  unit: 'ms' | 'ratio' | 'MiB' | 'percent' | 'count';
  /** How value compares with limit for the target to be met. */
  rule: '<' | '<=';
  met: boolean;
}

export interface ScenarioOptions {
  agents: number;
  /** Lines on what is happening, for a person waiting at a terminal. */
  progress: (line: string) => void;
}

export interface ScenarioResult {
  /** The figures, as they go into the JSON document. */
  figures: Record<string, unknown>;
  targets: Target[];
  /** The figures for a person. */
  summary: string[];
}

export interface Scenario {
  name: string;
  description: string;
  defaultAgents: number;
  run(opts: ScenarioOptions): Promise<ScenarioResult>;
}

export function target(name: string, value: number, rule: Target['rule'], limit: number, unit: Target['unit']): Target {
  return { name, value, limit, unit, rule, met: rule === '<' ? value < limit : value <= limit };
}
