import { join } from 'node:path';

/**
 * Layout names every path the agent uses under ROOT. The web server sees
 * ROOT/current only; everything the agent keeps for itself is under
 * ROOT/.fleetswap, outside slots/ and current (DESIGN: the host's files).
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
  manifest(id: string): string {
    return join(this.manifestsDir, id);
  }
  get tmp(): string {
    return join(this.own, 'tmp');
  }
  get state(): string {
    return join(this.own, 'state.json');
  }
}
