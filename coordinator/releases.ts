import { FleetswapError } from '../shared/errors.js';
import { fileEntries, parseManifest } from '../shared/manifest.js';
import { sha256 } from '../shared/hash.js';
import type { Release } from '../shared/wire.js';
import type { BlobStore } from './blob-store.js';
import type { Store, StoredRelease } from './store.js';

const ID_PREFIX_RE = /^[0-9a-f]{6,64}$/;

/** resolveRelease finds a release by label, full id, or a unique id prefix of at least 6 hex digits. */
export function resolveRelease(store: Store, ref: string): StoredRelease {
  const byLabel = store.releaseByLabel(ref);
  if (byLabel) return byLabel;
  if (ID_PREFIX_RE.test(ref)) {
    const found = store.releasesByIdPrefix(ref);
    if (found.length === 1) return found[0] as StoredRelease;
    if (found.length > 1) throw new FleetswapError('AMBIGUOUS_RELEASE', `release id prefix ${ref} matches more than one release; give more digits`);
  }
  throw new FleetswapError('UNKNOWN_RELEASE', `no release with label or id ${JSON.stringify(ref)}: see fleetswap releases`);
}

export function toWireRelease(r: StoredRelease): Release {
  const { manifest: _manifest, ...rest } = r;
  return rest;
}

/**
 * registerRelease checks a pushed manifest against everything the
 * coordinator holds and stores it. A label may name one content only;
 * pushing the same content again is a no-op.
 */
export async function registerRelease(
  store: Store,
  blobs: BlobStore,
  bytes: Buffer,
  pushedBy: string,
  at: string,
  dryRun: boolean,
): Promise<{ release: Release; created: boolean }> {
  const manifest = parseManifest(bytes);
  const id = sha256(bytes);
  const existing = store.releaseByLabel(manifest.label);
  if (existing && existing.id !== id) {
    throw new FleetswapError(
      'LABEL_TAKEN',
      `version ${manifest.label} already names release ${existing.id.slice(0, 12)} (pushed by ${existing.pushed_by} at ${existing.pushed_at}) with different content; push under a new --version`,
    );
  }
  if (existing) return { release: toWireRelease(existing), created: false };
  const files = fileEntries(manifest);
  const release: StoredRelease = {
    id,
    label: manifest.label,
    manifest: bytes,
    owner: manifest.owner,
    notes: manifest.notes,
    irreversible: manifest.irreversible,
    pushed_by: pushedBy,
    pushed_at: at,
    files: files.length,
    bytes: files.reduce((n, f) => n + f.size, 0),
  };
  if (dryRun) return { release: toWireRelease(release), created: false };
  for (const f of files) {
    const size = await blobs.size(f.sha256);
    if (size === undefined) throw new FleetswapError('MISSING_BLOB', `blob for ${f.path} (${f.sha256.slice(0, 12)}) was not uploaded; push again`);
    if (size !== f.size) throw new FleetswapError('HASH_MISMATCH', `stored blob for ${f.path} has ${size} bytes, the manifest says ${f.size}`);
  }
  // A concurrent push of the same label may have won between the check and here.
  return store.tx(() => {
    const raced = store.releaseByLabel(manifest.label);
    if (raced) {
      if (raced.id !== id) throw new FleetswapError('LABEL_TAKEN', `version ${manifest.label} was just pushed with different content; push under a new --version`);
      return { release: toWireRelease(raced), created: false };
    }
    store.insertRelease(release);
    return { release: toWireRelease(release), created: true };
  });
}
