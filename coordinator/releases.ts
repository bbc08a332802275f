import { FleetswapError } from '../shared/errors.js';
import { fileEntries, parseManifest } from '../shared/manifest.js';
import { sha256 } from '../shared/hash.js';
import { describeSignatures, signedBy, type ReleaseSignature, type TrustedKey } from '../shared/signing.js';
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
  const { manifest: _manifest, signatures, ...rest } = r;
  return { ...rest, signed_by: signatures.map((s) => s.key_id) };
}

/** SigningPolicy is what the coordinator accepts from a push. */
export interface SigningPolicy {
  /** Release keys it checks signatures against; with none, signatures are stored and left to the agents. */
  trusted: readonly TrustedKey[];
  /** Accept pushes nobody signed (--allow-unsigned). */
  allowUnsigned: boolean;
}

/** checkSignatures refuses a push the policy does not accept, before anything is stored. */
function checkSignatures(id: string, label: string, signatures: readonly ReleaseSignature[], policy: SigningPolicy): void {
  if (signatures.length === 0) {
    if (policy.allowUnsigned) return;
    throw new FleetswapError('UNSIGNED', `release ${label} is unsigned and this coordinator accepts only signed releases: push with --sign-key FILE (fleetswap keys generate)`);
  }
  if (policy.trusted.length > 0 && !signedBy(id, signatures, policy.trusted)) {
    throw new FleetswapError('BAD_SIGNATURE', `release ${label} is ${describeSignatures(signatures)}, and none verifies against a key this coordinator trusts (--trust-key)`);
  }
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
  signatures: readonly ReleaseSignature[],
  policy: SigningPolicy,
  /** Runs in the transaction that stores a new release: its audit entry lands with it or not at all. */
  onCreated: (r: Release) => void = () => undefined,
): Promise<{ release: Release; created: boolean }> {
  const manifest = parseManifest(bytes);
  const id = sha256(bytes);
  checkSignatures(id, manifest.label, signatures, policy);
  const existing = store.releaseByLabel(manifest.label);
  if (existing && existing.id !== id) {
    throw new FleetswapError(
      'LABEL_TAKEN',
      `version ${manifest.label} already names release ${existing.id.slice(0, 12)} (pushed by ${existing.pushed_by} at ${existing.pushed_at}) with different content; push under a new --version`,
    );
  }
  if (existing) {
    // The same content pushed again with a signature it lacked (signed later, or by a second key).
    const known = new Set(existing.signatures.map((x) => x.signature));
    const more = signatures.filter((x) => !known.has(x.signature));
    if (!dryRun && more.length > 0) {
      existing.signatures = [...existing.signatures, ...more];
      store.addSignatures(id, existing.signatures);
    }
    return { release: toWireRelease(existing), created: false };
  }
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
    signatures: [...signatures],
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
    const created = toWireRelease(release);
    onCreated(created);
    return { release: created, created: true };
  });
}
