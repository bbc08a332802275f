import { webcrypto } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { crlNumberExtension, readCrl, x509 } from '../shared/crl.js';
import { FleetswapError } from '../shared/errors.js';
import { writeFileDurably } from '../shared/fsync.js';
import { normalSerial } from '../shared/tls.js';

// The fleet's own certificate authority: `ca init` makes it, `ca issue` signs
// a key and certificate for the coordinator, each agent and each admin, and
// `ca revoke` lists a certificate in the CA's revocation list (DIR/ca.crl),
// which the coordinator reads (--crl). Only the CLI loads this: daemons read
// the files.

export type CertRole = 'coordinator' | 'agent' | 'admin';
export const CERT_ROLES: readonly CertRole[] = ['coordinator', 'agent', 'admin'];

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const YEAR_MS = 365 * 24 * 3_600_000;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
/** The CA's index of what it issued (name, role, serial), so that `ca revoke NAME` finds the serials to list. */
const INDEX_FILE = 'index.json';
const CRL_FILE = 'ca.crl';
/**
 * Every entry carries a reason: without one @peculiar/x509 writes an empty
 * entry-extension list, which is not valid DER (openssl refuses the CRL). A
 * revoked certificate is treated as a compromised key: nothing it signed or
 * says is trusted, from now or before.
 */
const REVOKED_FOR = x509.X509CrlReason.keyCompromise;

interface Issued {
  name: string;
  role: CertRole;
  serial: string;
  issued_at: string;
  not_after: string;
}

/** caInit makes the CA (DIR/ca.crt, DIR/ca.key) and its empty revocation list (DIR/ca.crl), so a coordinator can be given --crl from the start. */
export async function caInit(dir: string): Promise<{ cert: string; key: string; crl: string }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=fleetswap CA',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 10 * YEAR_MS),
    keys,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  const files = await write(dir, 'ca', cert, keys.privateKey);
  return { ...files, crl: await writeCrl(dir, cert, keys.privateKey, 1, []) };
}

/** caIssue signs a key and certificate for NAME with ROLE; `names` are the DNS names and addresses it answers to (a coordinator's). */
export async function caIssue(dir: string, name: string, role: string, names: readonly string[] = []): Promise<{ cert: string; key: string }> {
  if (!CERT_ROLES.includes(role as CertRole)) throw new FleetswapError('BAD_USAGE', `bad --role "${role}": coordinator, agent or admin`);
  checkName(name);
  const { ca, caKey } = await loadCa(dir);
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const alt = [name, ...names].map((n) => (isIP(n) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n }));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${name}, OU=${role}`,
    issuer: ca.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 2 * YEAR_MS),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(alt),
    ],
  });
  const files = await write(dir, name, cert, keys.privateKey);
  const index = await readIndex(dir);
  index.push({ name, role: role as CertRole, serial: normalSerial(cert.serialNumber), issued_at: new Date().toISOString(), not_after: cert.notAfter.toISOString() });
  await writeFileDurably(join(dir, INDEX_FILE), `${JSON.stringify({ certificates: index }, null, 2)}\n`);
  return files;
}

/**
 * caRevoke lists every certificate issued to NAME in the CA's revocation list
 * (DIR/ca.crl, one number higher). Revoking again changes nothing.
 */
export async function caRevoke(dir: string, name: string): Promise<{ crl: string; serials: string[]; already: boolean; number: number }> {
  checkName(name);
  const { ca, caKey } = await loadCa(dir);
  const serials = await serialsOf(dir, name, ca);
  const crlFile = join(dir, CRL_FILE);
  const bytes = await readFile(crlFile).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new FleetswapError('BAD_USAGE', `cannot read ${crlFile}: ${err.code ?? err.message}`);
  });
  // The list in force is read back and checked, never trusted blindly: a revoke must not drop earlier revocations.
  const current = bytes ? await readCrl(bytes, ca.toString('pem'), crlFile) : undefined;
  const entries = current?.crl.entries.map((e) => ({ serialNumber: e.serialNumber, revocationDate: e.revocationDate, reason: e.reason ?? REVOKED_FOR })) ?? [];
  const fresh = serials.filter((s) => !current?.serials.has(s));
  if (fresh.length === 0) return { crl: crlFile, serials, already: true, number: current?.number ?? 0 };
  const number = (current?.number ?? 0) + 1;
  await writeCrl(dir, ca, caKey, number, [...entries, ...fresh.map((s) => ({ serialNumber: s, revocationDate: new Date(), reason: REVOKED_FOR }))]);
  return { crl: crlFile, serials, already: false, number };
}

/** serialsOf finds NAME's certificates: in the index, or (for one issued before the index existed) DIR/NAME.crt if this CA signed it. */
async function serialsOf(dir: string, name: string, ca: x509.X509Certificate): Promise<string[]> {
  const indexed = (await readIndex(dir)).filter((c) => c.name === name).map((c) => c.serial);
  if (indexed.length > 0) return indexed;
  const pem = name === 'ca' ? undefined : await readFile(join(dir, `${name}.crt`), 'utf8').catch(() => undefined);
  const cert = pem ? new x509.X509Certificate(pem) : undefined;
  if (cert && cert.issuer === ca.subject && (await cert.verify({ publicKey: ca, signatureOnly: true }))) return [normalSerial(cert.serialNumber)];
  throw new FleetswapError('BAD_USAGE', `no certificate issued to ${JSON.stringify(name)} by the CA in ${dir} (see ${join(dir, INDEX_FILE)})`);
}

async function writeCrl(dir: string, ca: x509.X509Certificate, caKey: webcrypto.CryptoKey, number: number, entries: x509.X509CrlEntryParams[]): Promise<string> {
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.subject,
    thisUpdate: new Date(),
    // RFC 5280 asks for one, and @peculiar/x509 reads no entries from a list without it. Coordinators do not
    // expire a list (a new one replaces it), so it is the CA's own end.
    nextUpdate: ca.notAfter,
    signingKey: caKey,
    signingAlgorithm: ALG,
    extensions: [crlNumberExtension(number)],
    entries,
  });
  const file = join(dir, CRL_FILE);
  // Written aside and renamed: a coordinator reading it mid-write sees the old list or the new, never a part.
  // The PEM label openssl and other tools expect for a CRL (the library writes "CRL").
  await writeFileDurably(file, `-----BEGIN X509 CRL-----\n${crl.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n?$/, '\n')}-----END X509 CRL-----\n`);
  return file;
}

async function readIndex(dir: string): Promise<Issued[]> {
  const file = join(dir, INDEX_FILE);
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new FleetswapError('BAD_USAGE', `cannot read ${file}: ${err.code ?? err.message}`);
  });
  if (text === undefined) return [];
  try {
    const parsed = JSON.parse(text) as { certificates?: Issued[] };
    if (!Array.isArray(parsed.certificates)) throw new Error('no certificates list');
    return parsed.certificates;
  } catch (err) {
    throw new FleetswapError('BAD_USAGE', `${file} is damaged (${(err as Error).message}): restore it from a backup`);
  }
}

function checkName(name: string): void {
  if (!NAME_RE.test(name)) throw new FleetswapError('BAD_USAGE', `bad name ${JSON.stringify(name.slice(0, 80))}: letters, digits, ".", "_" or "-" (a host id, or a DNS name)`);
}

async function loadCa(dir: string): Promise<{ ca: x509.X509Certificate; caKey: webcrypto.CryptoKey }> {
  const [caPem, caKeyPem] = await Promise.all([readFile(join(dir, 'ca.crt'), 'utf8'), readFile(join(dir, 'ca.key'), 'utf8')]).catch(() => {
    throw new FleetswapError('BAD_USAGE', `no CA in ${dir}: run fleetswap ca init ${dir} first`);
  });
  const caKey = await webcrypto.subtle.importKey('pkcs8', pemBody(caKeyPem), ALG, false, ['sign']);
  return { ca: new x509.X509Certificate(caPem), caKey };
}

async function write(dir: string, name: string, cert: x509.X509Certificate, key: webcrypto.CryptoKey): Promise<{ cert: string; key: string }> {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key)).toString('base64');
  try {
    await writeFile(keyFile, `-----BEGIN PRIVATE KEY-----\n${pkcs8.replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FleetswapError('BAD_USAGE', code === 'EEXIST' ? `${keyFile} exists: keys are never overwritten; pick another name` : `cannot write ${keyFile}: ${code}`);
  }
  await writeFile(certFile, cert.toString('pem') + '\n', { mode: 0o644 });
  return { cert: certFile, key: keyFile };
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');
}

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}
