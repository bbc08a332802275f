import { parseArgs } from 'node:util';
import { bytes } from './format.js';
import { machine } from './machine.js';
import { writeResults } from './results.js';
import { useDatabase } from './fleet.js';
import { SCENARIOS } from './scenarios/index.js';
import type { Target } from './scenarios/scenario.js';

const MAX_AGENTS = 5000;

const USAGE = `usage: npm run bench -- [--agents N] [--scenario NAME] [--database sqlite|postgres] [--json]
  --agents N       simulated hosts (default: the scenario's)
  --scenario NAME  one of: ${[...SCENARIOS.keys()].join(', ')} (default switch)
  --database KIND  the coordinator's state: sqlite (default) or postgres (a throwaway
                   cluster started for the run: Debian's postgresql server programs)
  --json           print one JSON document on stdout and nothing else there
                   (run npm with -s, as in npm run -s bench -- --json: npm itself prints a banner on stdout)
Each run also writes bench/results/<scenario>-<YYYY-MM-DD>.json.`;

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      agents: { type: 'string' },
      scenario: { type: 'string', default: 'switch' },
      database: { type: 'string', default: 'sqlite' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const scenario = SCENARIOS.get(values.scenario);
  if (!scenario) throw new Error(`unknown scenario ${JSON.stringify(values.scenario)}: use one of ${[...SCENARIOS.keys()].join(', ')}`);
  const agents = values.agents === undefined ? scenario.defaultAgents : Number(values.agents);
  if (!Number.isInteger(agents) || agents < 1 || agents > MAX_AGENTS) {
    throw new Error(`--agents must be a whole number from 1 to ${MAX_AGENTS}, not ${JSON.stringify(values.agents)}`);
  }
  const database: 'sqlite' | 'postgres' = values.database === 'postgres' ? 'postgres' : 'sqlite';
  if (values.database !== database) throw new Error(`--database is sqlite or postgres, not ${JSON.stringify(values.database)}`);
  return { scenario, agents, database, json: values.json, help: values.help };
}

async function main(argv: string[]): Promise<number> {
  let opts: ReturnType<typeof parse>;
  try {
    opts = parse(argv);
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const date = new Date();
  const host = machine();
  // Progress is for a person watching; a log file or a pipe gets only the results.
  const progress = (line: string) => {
    if (process.stderr.isTTY) process.stderr.write(`bench: ${line}\n`);
  };
  useDatabase(opts.database);
  const result = await opts.scenario.run({ agents: opts.agents, progress });
  const doc = { scenario: opts.scenario.name, database: opts.database, date: date.toISOString(), machine: host, figures: result.figures, targets: result.targets };
  const file = await writeResults(opts.scenario.name, date, doc);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    return 0;
  }
  const out = [
    `fleetswap bench: scenario ${opts.scenario.name}, ${opts.agents} agents, coordinator on ${opts.database} (${opts.scenario.description})`,
    `machine: nproc ${host.nproc} (${host.cpu_model}), ${bytes(host.total_memory_bytes)} memory, ${host.os}, node ${host.node}; ${doc.date}`,
    '',
    ...result.summary,
    '',
    'targets:',
    ...result.targets.map(targetLine),
    '',
    `results: ${file}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

function targetLine(t: Target): string {
  const show = (x: number): string => {
    switch (t.unit) {
      case 'ratio':
        return x.toFixed(3);
      case 'percent':
        return `${x}%`;
      case 'count':
        return String(x);
      default:
        return `${x} ${t.unit}`;
    }
  };
  const [value, limit] = [show(t.value), show(t.limit)];
  return `  ${t.met ? 'met   ' : 'MISSED'}  ${t.name}: ${value} (target ${t.rule} ${limit})`;
}

// No process.exit: the run must end on its own once the fleet is stopped, which shows nothing was left running.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
