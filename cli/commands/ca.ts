import type { Command } from 'commander';
import { generateKeys } from '../../shared/signing.js';
import { collect } from '../config.js';
import { out } from './common.js';

// ca init / issue / revoke and keys generate: the fleet's certificates and release keys, made
// and kept on the operator's machine. ../ca.js is loaded only when one of them runs.

/** registerCa adds `ca` (init, issue, revoke) and `keys` (generate). */
export function registerCa(program: Command): void {
  const caCmd = program.command('ca').description('the fleet\'s certificate authority: every channel uses TLS with certificates it signed');

  caCmd
    .command('init')
    .description('make a CA: DIR/ca.crt, DIR/ca.key (keep ca.key off the fleet) and its revocation list DIR/ca.crl')
    .argument('<dir>', 'where the CA lives')
    .action(async (dir: string) => {
      const { caInit } = await import('../ca.js');
      const f = await caInit(dir);
      out(`wrote ${f.cert}, ${f.key} and ${f.crl} (no certificate revoked yet)`);
    });

  caCmd
    .command('issue')
    .description('sign a key and certificate: DIR/NAME.crt and DIR/NAME.key; NAME is a host id, or the coordinator\'s DNS name')
    .argument('<dir>', 'the CA directory')
    .argument('<name>', 'host id (agents), or the name clients dial (coordinator)')
    .option('--role <role>', 'coordinator | agent | admin', 'agent')
    .option('--san <name>', 'another DNS name or IP address the coordinator answers to, repeatable', collect)
    .action(async (dir: string, name: string, opts: { role: string; san?: string[] }) => {
      const { caIssue } = await import('../ca.js');
      const f = await caIssue(dir, name, opts.role, opts.san ?? []);
      out(`wrote ${f.cert} and ${f.key} (${opts.role} ${name})`);
    });

  caCmd
    .command('revoke')
    .description('revoke every certificate issued to NAME: it is listed in DIR/ca.crl, which a coordinator started with --crl re-reads within seconds')
    .argument('<dir>', 'the CA directory')
    .argument('<name>', 'the name the certificate was issued to (a host id, an admin, a coordinator)')
    .action(async (dir: string, name: string) => {
      const { caRevoke } = await import('../ca.js');
      const r = await caRevoke(dir, name);
      const serials = r.serials.join(', ');
      out(
        r.already
          ? `${name} was already revoked (serial ${serials}): ${r.crl} unchanged`
          : `revoked ${name} (serial ${serials}): wrote ${r.crl} (CRL #${r.number}); put it where coordinators read --crl, they pick it up within seconds`,
      );
    });

  program
    .command('keys')
    .description('release signing keys')
    .command('generate')
    .description('make an ed25519 release key: PATH.key (private, 0600) for push --sign-key, PATH.pub for --trust-key')
    .argument('<path>', 'DIR/NAME, without an extension')
    .action(async (path: string) => {
      const k = await generateKeys(path);
      out(`wrote ${k.keyFile} (keep it secret: it can put code on the fleet) and ${k.pubFile}; key id ${k.id}`);
    });
}
