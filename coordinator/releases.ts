import { FleetswapError } from '../shared/errors.js';
import { fileEntries, parseManifest, type Manifest } from '../shared/manifest.js';
import { sha256 } from '../shared/hash.js';
import { describeSignatures, signedBy, wrongFleet, type ReleaseSignature, type TrustedKey } from '../shared/signing.js';
import type { Release__Output } from '../shared/gen/fleetswap/v1/Release.js';
import type { BlobStore } from './blobs/blob-store.js';
import type { ReleaseRow, Store, StoredRelease } from './store.js';
import { isoFromMs } from './times.js';

const ID_PREFIX_RE = /^[0-9a-f]{6,64}$/;
// A signature dated later than this past the coordinator's clock comes from a machine whose clock is wrong, and
// would raise the irreversible floor of every host that applies the release above releases pushed after it.
const MAX_SIGNED_AHEAD_MS = 5 * 60_000;

/** resolveRelease finds a release by label, full id, or a unique id prefix of at least 6 hex digits. */
export async function resolveRelease(store: Store, ref: string): Promise<StoredRelease> {
  const byLabel = await store.releases.byLabel(ref);
  if (byLabel) return byLabel;
  if (ID_PREFIX_RE.test(ref)) {
    const found = await store.releases.byIdPrefix(ref);
    if (found.length === 1) return found[0] as StoredRelease;
    if (found.length > 1) throw new FleetswapError('AMBIGUOUS_RELEASE', `release id prefix ${ref} matches more than one release; give more digits`);
  }
  throw new FleetswapError('UNKNOWN_RELEASE', `no release with label or id ${JSON.stringify(ref)}: see fleetswap releases`);
}

export function toWireRelease(r: ReleaseRow): Release__Output {
  return {
    id: r.id,
    label: r.label,
    owner: r.owner,
    notes: r.notes,
    irreversible: r.irreversible,
    pushed_by: r.pushed_by,
    pushed_at: isoFromMs(r.pushed_at_ms),
    files: r.files,
    bytes: r.bytes,
    signed_by: r.signatures.map((s) => s.key_id),
  };
}

/** SigningPolicy is what the coordinator accepts from a push. */
export interface SigningPolicy {
  /** Release keys it checks signatures against; with none, signatures are stored and left to the agents. */
  trusted: readonly TrustedKey[];
  /** Accept pushes nobody signed (--allow-unsigned). */
  allowUnsigned: boolean;
  /** The fleet this coordinator serves (--fleet): a push signed only for another is refused. */
  fleet: string;
}

/** checkSignatures refuses a push the policy does not accept, before anything is stored. */
function checkSignatures(id: string, manifest: Manifest, signatures: readonly ReleaseSignature[], policy: SigningPolicy, nowMs: number): void {
  const label = manifest.label;
  const ahead = signatures.find((s) => s.signed_at_ms > nowMs + MAX_SIGNED_AHEAD_MS);
  if (ahead) {
    throw new FleetswapError('BAD_SIGNATURE', `release ${label} is signed at ${isoFromMs(ahead.signed_at_ms)}, ahead of this coordinator's clock: set the clock of the machine that signed it right, then push again`);
  }
  if (signatures.length === 0) {
    if (policy.allowUnsigned) return;
    throw new FleetswapError('UNSIGNED', `release ${label} is unsigned and this coordinator accepts only signed releases: push with --sign-key FILE (fleetswap keys generate)`);
  }
  const wrong = wrongFleet(`release ${label}`, signatures, policy.fleet, 'this coordinator', `push it signed for this fleet (push --fleet ${policy.fleet}, or FLEETSWAP_FLEET)`);
  if (wrong) throw wrong;
  if (policy.trusted.length > 0 && !signedBy(id, signatures, policy.trusted, { fleet: policy.fleet, irreversible: manifest.irreversible !== '' })) {
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
  atMs: number,
  dryRun: boolean,
  signatures: readonly ReleaseSignature[],
  policy: SigningPolicy,
  /** Runs in the transaction that stores a new release: its audit entry lands with it or not at all. */
  onCreated: (r: Release__Output) => Promise<void> = async () => undefined,
): Promise<{ release: Release__Output; created: boolean }> {
  const manifest = parseManifest(bytes);
  const id = sha256(bytes);
  checkSignatures(id, manifest, signatures, policy, atMs);
  const existing = await store.releases.byLabel(manifest.label);
  if (existing && existing.id !== id) {
    throw new FleetswapError(
      'LABEL_TAKEN',
      `version ${manifest.label} already names release ${existing.id.slice(0, 12)} (pushed by ${existing.pushed_by} at ${isoFromMs(existing.pushed_at_ms)}) with different content; push under a new --version`,
    );
  }
  if (existing) {
    // The same content pushed again with a signature it lacked (signed later, or by a second key).
    const known = new Set(existing.signatures.map((x) => x.signature));
    const more = signatures.filter((x) => !known.has(x.signature));
    if (!dryRun && more.length > 0) {
      existing.signatures = [...existing.signatures, ...more];
      await store.releases.addSignatures(id, existing.signatures);
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
    pushed_at_ms: atMs,
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
  return await store.tx(async () => {
    const raced = await store.releases.byLabel(manifest.label);
    if (raced) {
      if (raced.id !== id) throw new FleetswapError('LABEL_TAKEN', `version ${manifest.label} was just pushed with different content; push under a new --version`);
      return { release: toWireRelease(raced), created: false };
    }
    await store.releases.insert(release);
    const created = toWireRelease(release);
    await onCreated(created);
    return { release: created, created: true };
  });
}
