import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { FleetswapError } from '../../shared/errors.js';
import { DEFAULT_FLEET } from '../../shared/signing.js';
import { loadTls } from '../../shared/tls.js';
import { AdminClient, DEFAULT_COORDINATOR } from '../admin-client.js';
import { collect } from '../config.js';
import { safeBlock } from '../safe-text.js';

// What every command module shares: how output is written, the options more
// than one command takes, and the connection to the coordinator.

// Text for people goes through safeBlock (format.ts and line`` escape each value; this is the
// backstop for anything that was not); JSON goes out exactly as serialised, for scripts.
export const raw = (s: string) => process.stdout.write(`${s}\n`);
export const out = (s: string) => raw(safeBlock(s));
export const json = (v: unknown) => raw(JSON.stringify(v, null, 2));

export const coordinatorOption = () =>
  new Option('--coordinator <host:port>', 'coordinator address, or several sharing one database, comma-separated (the leader is found)').env('FLEETSWAP_COORDINATOR').default(DEFAULT_COORDINATOR);

export const fleetOption = () =>
  new Option('--fleet <name>', 'the fleet\'s name: a release is signed for one fleet, and runs only there').env('FLEETSWAP_FLEET').default(DEFAULT_FLEET);

export const selectOption = () => new Option('--select <k=v>', 'only hosts with this tag, repeatable').argParser(collect);

/** ConnectionFlags are what withConnection adds: where the coordinator is and how to reach it as whom. */
export interface ConnectionFlags {
  coordinator: string;
  tokenFile?: string;
  ca?: string;
  insecure?: boolean;
}

/**
 * withConnection adds the flags of every command that calls the coordinator
 * (address, token file, CA, --insecure), after the command's own, so that
 * each lists them last and the same way; withClient reads them.
 */
export function withConnection(cmd: Command): Command {
  return cmd
    .addOption(coordinatorOption())
    .addOption(new Option('--token-file <file>', 'a file holding the API token (default: FLEETSWAP_TOKEN)').env('FLEETSWAP_TOKEN_FILE'))
    .addOption(new Option('--ca <file>', 'the fleet CA certificate the coordinator\'s is checked against').env('FLEETSWAP_CA'))
    .addOption(new Option('--insecure', 'plaintext, no TLS (only against a coordinator started with --insecure)').env('FLEETSWAP_INSECURE'));
}

/** withClient runs an admin command against the coordinator with the caller's token, and always closes the channel. */
export async function withClient<T>(opts: ConnectionFlags, fn: (c: AdminClient) => Promise<T>): Promise<T> {
  const transport = opts.insecure ? { insecure: true as const } : { tls: await loadTls({ ca: opts.ca }, false) };
  let token = process.env.FLEETSWAP_TOKEN ?? '';
  if (opts.tokenFile) {
    token = (await readFile(opts.tokenFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new FleetswapError('BAD_USAGE', `cannot read --token-file ${opts.tokenFile}: ${err.code ?? err.message}`);
    })).trim();
  }
  const client = new AdminClient(opts.coordinator, token, transport);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}
