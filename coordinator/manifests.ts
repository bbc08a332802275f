import { diffManifest } from '../shared/manifest-delta.js';
import { parseManifest, type Manifest } from '../shared/manifest.js';
import type { ReleaseSignature } from '../shared/signing.js';
import type { Store } from './store.js';

const CACHE = 32;

export interface ManifestAnswer {
  manifest: Buffer;
  delta: Buffer;
  delta_base: string;
  signatures: ReleaseSignature[];
}

/**
 * ManifestServer answers GetManifest. For a host that holds an earlier
 * release it sends the difference when that is smaller, which for a 1%
 * change of a large tree is about 1% of the bytes. A fleet asks for the
 * same manifest against the same base: parsed manifests and deltas are
 * cached, so a thousand hosts cost one diff.
 */
export class ManifestServer {
  private readonly parsed = new Map<string, Manifest>();
  private readonly deltas = new Map<string, Buffer>();
  private readonly blobSets = new Map<string, Set<string>>();

  constructor(private readonly store: Store) {}

  async answer(releaseId: string, have: string[]): Promise<ManifestAnswer | undefined> {
    const target = await this.store.releases.byId(releaseId);
    if (!target) return undefined;
    const full = { manifest: target.manifest, delta: Buffer.alloc(0), delta_base: '', signatures: target.signatures };
    let base: string | undefined;
    for (const id of have) {
      if (id !== releaseId && (await this.store.releases.byId(id)) !== undefined) {
        base = id;
        break;
      }
    }
    if (base === undefined) return full;
    const delta = await this.delta(base, releaseId);
    return delta.length < target.manifest.length ? { manifest: Buffer.alloc(0), delta, delta_base: base, signatures: target.signatures } : full;
  }

  /** blobsOf is the set of blob hashes a release's files name, or undefined for an unknown release. */
  async blobsOf(releaseId: string): Promise<ReadonlySet<string> | undefined> {
    let set = this.blobSets.get(releaseId);
    if (!set) {
      if (!(await this.store.releases.byId(releaseId))) return undefined;
      set = new Set((await this.manifest(releaseId)).entries.flatMap((e) => (e.type === 'file' ? [e.sha256] : [])));
      remember(this.blobSets, releaseId, set);
    }
    return set;
  }

  private async delta(base: string, target: string): Promise<Buffer> {
    const k = `${base}>${target}`;
    let d = this.deltas.get(k);
    if (!d) {
      d = Buffer.from(JSON.stringify(diffManifest(await this.manifest(base), await this.manifest(target))));
      remember(this.deltas, k, d);
    }
    return d;
  }

  private async manifest(id: string): Promise<Manifest> {
    let m = this.parsed.get(id);
    if (!m) {
      const r = await this.store.releases.byId(id);
      if (!r) throw new Error(`release ${id} vanished`);
      m = parseManifest(r.manifest, id);
      remember(this.parsed, id, m);
    }
    return m;
  }
}

function remember<V>(cache: Map<string, V>, k: string, v: V): void {
  cache.set(k, v);
  if (cache.size > CACHE) cache.delete(cache.keys().next().value as string);
}
