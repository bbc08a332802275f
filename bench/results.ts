import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** repoRoot finds the checkout from dist/bench as well as from bench/, so results land in bench/results/ either way. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the benchmark');
    dir = up;
  }
  return dir;
}

/** writeResults keeps one file per scenario and day (UTC): a rerun the same day replaces it. Returns its path, relative to the checkout. */
export async function writeResults(scenario: string, date: Date, doc: unknown): Promise<string> {
  const root = repoRoot();
  const file = join(root, 'bench', 'results', `${scenario}-${date.toISOString().slice(0, 10)}.json`);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(doc, null, 2)}\n`);
  return relative(root, file);
}
