import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FleetswapError } from './errors.js';
import { SHA256_RE } from './hash.js';

// Release signatures: an ed25519 key signs a release's id (the sha256 of its
// canonical manifest, so the signature covers every byte of the tree), the
// fleet it is meant for, whether it is irreversible, and when it was signed.
// Agents stage only what a key they trust signed for their fleet, so a
// coordinator that is taken over cannot install code of its choosing, nor
// replay a release signed for another fleet; the signing time orders
// releases against a host's irreversible floor (agent/floor.ts), which the
// coordinator cannot forge either (TUF's lesson: trust the signer of the
// content, not the server that hands it out).

export interface ReleaseSignature {
  /** The first 16 hex digits of the sha256 of the public key (SPKI DER). */
  key_id: string;
  /** The fleet the release was signed for (also inside the signed bytes). */
  fleet: string;
  /** When it was signed, in ms since the epoch by the signer's clock (also inside the signed bytes). */
  signed_at_ms: number;
  /** base64 ed25519 signature over releaseMessage(). */
  signature: string;
}

/** What a signature binds besides the release id; the verifier supplies both from what it knows itself. */
export interface SignedFacts {
  fleet: string;
  /** Read from the manifest the id hashes (its `irreversible` reason is not empty). */
  irreversible: boolean;
}

export const DEFAULT_FLEET = 'default';
// No newline or "=" can get in: the signed message is line-based.
const FLEET_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** checkFleet refuses a fleet name that could not be part of a signed message unambiguously. */
export function checkFleet(name: string): string {
  if (!FLEET_RE.test(name)) throw new FleetswapError('BAD_USAGE', `bad --fleet ${JSON.stringify(name)}: 1-63 lowercase letters, digits, ".", "_" or "-"`);
  return name;
}

export interface TrustedKey {
  id: string;
  key: KeyObject;
  /** Where it came from, for messages. */
  source: string;
}

/**
 * releaseMessage is what a release key signs. Domain-separated and
 * versioned: these bytes can only ever be a fleetswap release signature of
 * this format (v1, the id alone, is no longer accepted).
 */
function releaseMessage(releaseId: string, facts: SignedFacts, signedAtMs: number): Buffer {
  return Buffer.from(`fleetswap release v2\nfleet=${facts.fleet}\nid=${releaseId}\nirreversible=${facts.irreversible ? 1 : 0}\nsigned_at=${signedAtMs}\n`);
}

export function keyId(pub: KeyObject): string {
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/** generateKeys writes PATH.key (private, mode 0600) and PATH.pub; it never overwrites a key. */
export async function generateKeys(path: string): Promise<{ keyFile: string; pubFile: string; id: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyFile = `${path}.key`;
  const pubFile = `${path}.pub`;
  // A new directory for keys is readable by its owner only.
  await mkdir(dirname(keyFile), { recursive: true, mode: 0o700 });
  try {
    await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FleetswapError('BAD_USAGE', code === 'EEXIST' ? `${keyFile} exists: a release key is never overwritten; pick another name` : `cannot write ${keyFile}: ${code}`);
  }
  await writeFile(pubFile, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
  return { keyFile, pubFile, id: keyId(publicKey) };
}

export async function loadSigningKey(file: string): Promise<KeyObject> {
  const key = await readKey(file, (pem) => createPrivateKey(pem), 'a private key (PKCS#8 PEM, from fleetswap keys generate)');
  if (key.asymmetricKeyType !== 'ed25519') throw new FleetswapError('BAD_USAGE', `${file} is a ${key.asymmetricKeyType} key: release keys are ed25519 (fleetswap keys generate)`);
  return key;
}

export async function loadTrustedKey(file: string): Promise<TrustedKey> {
  const key = await readKey(file, (pem) => createPublicKey(pem), 'a public key (PEM, the .pub from fleetswap keys generate)');
  if (key.asymmetricKeyType !== 'ed25519') throw new FleetswapError('BAD_USAGE', `${file} is a ${key.asymmetricKeyType} key: release keys are ed25519`);
  return { id: keyId(key), key, source: file };
}

async function readKey(file: string, parse: (pem: string) => KeyObject, what: string): Promise<KeyObject> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (err) {
    throw new FleetswapError('BAD_USAGE', `cannot read key ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  try {
    return parse(pem);
  } catch {
    throw new FleetswapError('BAD_USAGE', `${file} is not ${what}`);
  }
}

export function signRelease(releaseId: string, key: KeyObject, facts: SignedFacts, signedAtMs: number): ReleaseSignature {
  const pub = createPublicKey(key);
  return { key_id: keyId(pub), fleet: facts.fleet, signed_at_ms: signedAtMs, signature: sign(null, releaseMessage(releaseId, facts, signedAtMs), key).toString('base64') };
}

/** Verified is a trusted key's good signature: who signed, and when. */
export interface Verified {
  key: TrustedKey;
  signedAtMs: number;
}

/**
 * signedBy is the newest good signature over the release id and `facts` by
 * a trusted key, if any. Newest, because a release signed again later (a
 * rotated key) is as new as its newest signature says.
 */
export function signedBy(releaseId: string, signatures: readonly ReleaseSignature[], trusted: readonly TrustedKey[], facts: SignedFacts): Verified | undefined {
  if (!SHA256_RE.test(releaseId)) return undefined;
  let best: Verified | undefined;
  for (const s of signatures) {
    const key = trusted.find((t) => t.id === s.key_id);
    if (!key || s.fleet !== facts.fleet || !Number.isSafeInteger(s.signed_at_ms)) continue;
    const sig = Buffer.from(s.signature, 'base64');
    if (sig.length !== 64 || !verify(null, releaseMessage(releaseId, facts, s.signed_at_ms), key.key, sig)) continue;
    if (!best || s.signed_at_ms > best.signedAtMs) best = { key, signedAtMs: s.signed_at_ms };
  }
  return best;
}

/**
 * wrongFleet is the refusal of a release signed only for other fleets (a
 * release replayed across fleets, or a push with the wrong --fleet), or in
 * the old v1 format that bound no fleet; undefined when some signature is
 * for this fleet. `what` names the release, `by` the refuser, `then` what to do.
 */
export function wrongFleet(what: string, signatures: readonly ReleaseSignature[], fleet: string, by: string, then: string): FleetswapError | undefined {
  if (signatures.length === 0 || signatures.some((s) => s.fleet === fleet)) return undefined;
  const others = [...new Set(signatures.map((s) => s.fleet || ''))];
  if (others.includes('')) {
    return new FleetswapError('WRONG_FLEET', `${what} is signed in the old v1 format, which names no fleet; ${by} accepts only v2 signatures: push it again with this fleetswap`);
  }
  return new FleetswapError('WRONG_FLEET', `${what} is signed for fleet ${others.map((f) => JSON.stringify(f)).join(', ')}, and ${by} is in fleet ${JSON.stringify(fleet)}: ${then}`);
}

/** describeSignatures says who signed, for a refusal: key ids, or "unsigned". */
export function describeSignatures(signatures: readonly ReleaseSignature[]): string {
  return signatures.length ? `signed by key(s) ${signatures.map((s) => s.key_id).join(', ')}` : 'unsigned';
}
