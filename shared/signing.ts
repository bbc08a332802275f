import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FleetswapError } from './errors.js';
import { SHA256_RE } from './hash.js';

// Release signatures: an ed25519 key signs a release's id (the sha256 of its
// canonical manifest, so the signature covers every byte of the tree).
// Agents stage only what a key they trust has signed, so a coordinator that
// is taken over cannot install code of its choosing (TUF's lesson: trust
// the signer of the content, not the server that hands it out).

export interface ReleaseSignature {
  /** The first 16 hex digits of the sha256 of the public key (SPKI DER). */
  key_id: string;
  /** base64 ed25519 signature over `fleetswap release v1\n` + the release id. */
  signature: string;
}

export interface TrustedKey {
  id: string;
  key: KeyObject;
  /** Where it came from, for messages. */
  source: string;
}

// Domain separation: these bytes can only ever be a fleetswap release signature.
const SIGNED_PREFIX = 'fleetswap release v1\n';

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

export function signRelease(releaseId: string, key: KeyObject): ReleaseSignature {
  const pub = createPublicKey(key);
  return { key_id: keyId(pub), signature: sign(null, Buffer.from(SIGNED_PREFIX + releaseId), key).toString('base64') };
}

/** signedBy is the trusted key whose signature over the release id verifies, if any. */
export function signedBy(releaseId: string, signatures: readonly ReleaseSignature[], trusted: readonly TrustedKey[]): TrustedKey | undefined {
  if (!SHA256_RE.test(releaseId)) return undefined;
  const message = Buffer.from(SIGNED_PREFIX + releaseId);
  for (const s of signatures) {
    const key = trusted.find((t) => t.id === s.key_id);
    if (!key) continue;
    const sig = Buffer.from(s.signature, 'base64');
    if (sig.length === 64 && verify(null, message, key.key, sig)) return key;
  }
  return undefined;
}

/** describeSignatures says who signed, for a refusal: key ids, or "unsigned". */
export function describeSignatures(signatures: readonly ReleaseSignature[]): string {
  return signatures.length ? `signed by key(s) ${signatures.map((s) => s.key_id).join(', ')}` : 'unsigned';
}
