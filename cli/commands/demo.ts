import type { Command } from 'commander';
import { out } from './common.js';

/** registerDemo adds `demo`: a whole fleet in a temp dir (../demo.js, loaded only when it runs). */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('a coordinator and a few agents in a temp dir: push, deploy, deploy again, roll back')
    .option('--agents <n>', 'how many agents', '4')
    .option('--keep', 'keep the temp dir for a look afterwards')
    .option('--http-listen <host:port>', 'where the dashboard listens (port 0: a free one)', '127.0.0.1:0')
    .option('--no-http', 'no dashboard')
    .option('--stay', 'keep the fleet running after the tour, until Ctrl-C (to look around the dashboard)')
    .action(async (opts: { agents: string; keep?: boolean; httpListen: string; http: boolean; stay?: boolean }) => {
      const { runDemo } = await import('../demo.js');
      await runDemo({ agents: Number(opts.agents), keep: opts.keep === true, out, httpListen: opts.http ? opts.httpListen : undefined, stay: opts.stay === true });
    });
}
