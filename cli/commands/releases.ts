import { Option, type Command } from 'commander';
import { checkFleet, loadSigningKey } from '../../shared/signing.js';
import { bytes, releasesTable, short } from '../format.js';
import { push } from '../push.js';
import { line } from '../safe-text.js';
import { fleetOption, json, out, withClient, withConnection, type ConnectionFlags } from './common.js';

// push and releases: putting builds on the coordinator, and listing them.

interface PushFlags extends ConnectionFlags {
  version: string;
  owner: string;
  notes: string;
  irreversible: string;
  signKey?: string;
  fleet: string;
  json?: boolean;
}

/** registerPush adds `push DIR`. */
export function registerPush(program: Command): void {
  withConnection(
    program
      .command('push')
      .description('upload a build directory as a new release')
      .argument('<dir>', 'the build directory')
      .requiredOption('--version <label>', 'version label, unique per content')
      .option('--owner <name>', 'who owns this release (contact)', '')
      .option('--notes <text>', 'release notes', '')
      .option('--irreversible <reason>', 'mark as impossible to roll back past (e.g. a schema migration)', '')
      .addOption(new Option('--sign-key <file>', 'the release key (from fleetswap keys generate) that signs the release for --fleet').env('FLEETSWAP_SIGN_KEY'))
      .addOption(fleetOption())
      .option('--json', 'print the release as JSON'),
  ).action(async (dir: string, opts: PushFlags) => {
    const fleet = checkFleet(opts.fleet);
    const signKey = opts.signKey ? await loadSigningKey(opts.signKey) : undefined;
    const res = await withClient(opts, (c) =>
      push(c, dir, { label: opts.version, owner: opts.owner, notes: opts.notes, irreversible: opts.irreversible }, process.stderr.isTTY === true, signKey, fleet),
    );
    if (opts.json) {
      json(res);
      return;
    }
    const r = res.release;
    out(
      res.created
        ? line`pushed ${r.label} as ${short(r.id)}: ${r.files} files, ${bytes(r.bytes)}; uploaded ${res.uploadedBlobs} new blobs (${bytes(res.uploadedBytes)})`
        : line`${r.label} (${short(r.id)}) is already pushed with this content: nothing to do`,
    );
  });
}

/** registerReleases adds `releases`. */
export function registerReleases(program: Command): void {
  withConnection(program.command('releases').description('list pushed releases').option('--json', 'print JSON')).action(async (opts: { json?: boolean } & ConnectionFlags) => {
    const { releases } = await withClient(opts, (c) => c.call('ListReleases', {}));
    if (opts.json) json(releases);
    else out(releasesTable(releases));
  });
}
