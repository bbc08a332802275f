import type { Command } from 'commander';
import { actor } from '../push.js';
import { line } from '../safe-text.js';
import { json, out, withClient, withConnection, type ConnectionFlags } from './common.js';

// token create / list / revoke: the API tokens the CLI calls the coordinator with.

/** registerTokens adds `token` (create, list, revoke). */
export function registerTokens(program: Command): void {
  const tokenCmd = program.command('token').description('API tokens for the CLI: each has a role (viewer reads; deployer pushes and deploys; admin also halts and manages tokens and policy)');

  withConnection(
    tokenCmd
      .command('create')
      .description('make a token; it is printed once, and only its hash is kept')
      .requiredOption('--name <name>', 'who or what will use it (shown in the audit log)')
      .requiredOption('--role <role>', 'viewer | deployer | admin'),
  ).action(async (opts: { name: string; role: string } & ConnectionFlags) => {
    const t = await withClient(opts, (c) => c.call('CreateToken', { name: opts.name, role: opts.role, actor: actor() }));
    process.stderr.write(`${line`token ${t.name} (${t.role}) made; it is shown once, here:`}\n`);
    out(t.token);
  });

  withConnection(tokenCmd.command('list').description('every token: name, role, who made it, when, whether revoked (never the token)').option('--json', 'print JSON')).action(
    async (opts: { json?: boolean } & ConnectionFlags) => {
      const { tokens } = await withClient(opts, (c) => c.call('ListTokens', {}));
      if (opts.json) json(tokens);
      else for (const t of tokens) out(line`${t.name}\t${t.role}\tmade ${t.created_at} by ${t.created_by}` + (t.revoked_at ? line`\tREVOKED ${t.revoked_at}` : ''));
    },
  );

  withConnection(tokenCmd.command('revoke').description('revoke a token: it is refused from now on').argument('<name>', 'the token\'s name')).action(
    async (name: string, opts: ConnectionFlags) => {
      await withClient(opts, (c) => c.call('RevokeToken', { name, actor: actor() }));
      out(line`token ${name} revoked`);
    },
  );
}
