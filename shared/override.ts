import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { SHA256_RE } from './hash.js';
import { keyId, type TrustedKey } from './signing.js';

// An override lets one rollback take hosts below their irreversible floor
// (agent/floor.ts). It is signed with a release key, not granted by the
// coordinator: a coordinator that is taken over holds every override ever
// made, so each names its fleet, the one release it allows, the floor it
// crosses (or "any"), and expires soon, and cannot be turned to anything else.

/** The longest an override may be valid for; an agent refuses one that claims more. */
export const MAX_OVERRIDE_MS = 24 * 60 * 60_000;
/** How long `rollback --force-irreversible --sign-key` makes its override valid for. */
export const OVERRIDE_TTL_MS = 30 * 60_000;
export const CROSSES_ANY = 'any';

export interface Override {
  fleet: string;
  /** The release id the hosts may go to. */
  target: string;
  /** The irreversible release id the hosts may go below, or "any". */
  crosses: string;
  /** ms since the epoch; an agent refuses the override from then on. */
  expires_ms: number;
  key_id: string;
  /** base64 ed25519 over overrideMessage(). */
  signature: string;
}

export type OverrideTerms = Pick<Override, 'fleet' | 'target' | 'crosses' | 'expires_ms'>;

/** overrideMessage is domain-separated from release signatures: one can never pass for the other. */
function overrideMessage(t: OverrideTerms): Buffer {
  return Buffer.from(`fleetswap override v1\nfleet=${t.fleet}\ntarget=${t.target}\ncrosses=${t.crosses}\nexpires=${t.expires_ms}\n`);
}

export function signOverride(t: OverrideTerms, key: KeyObject): Override {
  return { ...t, key_id: keyId(createPublicKey(key)), signature: sign(null, overrideMessage(t), key).toString('base64') };
}

/** overrideSignedBy is the trusted key whose signature over the override's terms verifies, if any. */
export function overrideSignedBy(o: Override, trusted: readonly TrustedKey[]): TrustedKey | undefined {
  // Checked before the bytes are built: a "\n" in a field could otherwise forge another line.
  if (!SHA256_RE.test(o.target) || !(SHA256_RE.test(o.crosses) || o.crosses === CROSSES_ANY) || !Number.isSafeInteger(o.expires_ms) || /\n/.test(o.fleet)) return undefined;
  const key = trusted.find((t) => t.id === o.key_id);
  const sig = Buffer.from(o.signature, 'base64');
  return key && sig.length === 64 && verify(null, overrideMessage(o), key.key, sig) ? key : undefined;
}
