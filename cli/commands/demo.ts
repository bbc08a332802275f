import type { Command } from 'commander';
import { out } from './common.js';

/** registerDemo adds `demo`: a whole fleet in a temp dir (../demo.js, loaded only when it runs). */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('a coordinator and a few agents in a temp dir: push, deploy, deploy again, roll back')
    .option('--agents <n>', 'how many agents', '4')
    .option('--keep', 'keep the temp dir for a look afterwards')
    .action(async (opts: { agents: string; keep?: boolean }) => {
      const { runDemo } = await import('../demo.js');
      await runDemo({ agents: Number(opts.agents), keep: opts.keep === true, out });
    });
}
