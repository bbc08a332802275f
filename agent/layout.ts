import { chmod, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FleetswapError } from '../shared/errors.js';
import { SHA256_RE } from '../shared/hash.js';

/** SERVED_DIR_MODE is every directory the web server walks through: ROOT, slots/, and each release's directories. */
export const SERVED_DIR_MODE = 0o755;

/**
 * mkdirServed makes dir and any missing parents with SERVED_DIR_MODE whatever
 * the umask: under the unit's UMask=0077 mkdir alone gives 0700, and the web
 * server, another user, could not read the release. A directory that already
 * exists keeps the mode it has (ROOT is the operator's).
 */
export async function mkdirServed(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  for (let d = dir; ; d = dirname(d)) {
    await chmod(d, SERVED_DIR_MODE);
    if (d === first) return;
  }
}

/**
 * Layout names every path the agent uses under ROOT. The web server sees
 * ROOT/current only; everything the agent keeps for itself is under
 * ROOT/.fleetswap, outside slots/ and current (docs/CONTRACT.md: the host's files).
 */
export class Layout {
  constructor(readonly root: string) {}
  get current(): string {
    return join(this.root, 'current');
  }
  get slotsDir(): string {
    return join(this.root, 'slots');
  }
  slot(index: number): string {
    return join(this.root, 'slots', String(index));
  }
  /** slotLinkTarget is relative, so ROOT can be moved or bind-mounted. */
  slotLinkTarget(index: number): string {
    return `slots/${index}`;
  }
  get own(): string {
    return join(this.root, '.fleetswap');
  }
  get metaDir(): string {
    return join(this.own, 'slot-meta');
  }
  meta(index: number): string {
    return join(this.metaDir, `${index}.json`);
  }
  get manifestsDir(): string {
    return join(this.own, 'manifests');
  }
  /** manifest is where an accepted release's manifest is kept. */
  manifest(id: string): string {
    return join(this.manifestsDir, releaseFileName(id));
  }
  /** signatures is where the signatures a manifest was accepted with are kept, to be checked again before a switch. */
  signatures(id: string): string {
    return join(this.manifestsDir, `${releaseFileName(id)}.sig`);
  }
  /** floor records the release this host may not go below (agent/floor.ts). */
  get floor(): string {
    return join(this.own, 'floor.json');
  }
  get tmp(): string {
    return join(this.own, 'tmp');
  }
  get state(): string {
    return join(this.own, 'state.json');
  }
}

/**
 * releaseFileName is the one gate between an id the coordinator sent and a
 * path: only a sha256 in hex names a file, so "../../dev/zero" never does.
 */
function releaseFileName(id: string): string {
  if (!SHA256_RE.test(id)) throw new FleetswapError('BAD_DIRECTIVE', `${JSON.stringify(id.slice(0, 80))} is not a release id (64 lowercase hex digits); refused`);
  return id;
}
