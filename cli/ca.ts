// @peculiar/x509 resolves its ASN.1 parts through tsyringe, which needs the Reflect metadata polyfill first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { FleetswapError } from '../shared/errors.js';

// The fleet's own certificate authority: `ca init` makes it, `ca issue` signs
// a key and certificate for the coordinator, each agent and each admin. Only
// the CLI loads this (and its X.509 library): daemons read the files.

export type CertRole = 'coordinator' | 'agent' | 'admin';
export const CERT_ROLES: readonly CertRole[] = ['coordinator', 'agent', 'admin'];

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const YEAR_MS = 365 * 24 * 3_600_000;
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export async function caInit(dir: string): Promise<{ cert: string; key: string }> {
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
  return write(dir, 'ca', cert, keys.privateKey);
}

/** caIssue signs a key and certificate for NAME with ROLE; `names` are the DNS names and addresses it answers to (a coordinator's). */
export async function caIssue(dir: string, name: string, role: string, names: readonly string[] = []): Promise<{ cert: string; key: string }> {
  if (!CERT_ROLES.includes(role as CertRole)) throw new FleetswapError('BAD_USAGE', `bad --role "${role}": coordinator, agent or admin`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/.test(name)) throw new FleetswapError('BAD_USAGE', `bad name ${JSON.stringify(name.slice(0, 80))}: letters, digits, ".", "_" or "-" (a host id, or a DNS name)`);
  const [caPem, caKeyPem] = await Promise.all([readFile(join(dir, 'ca.crt'), 'utf8'), readFile(join(dir, 'ca.key'), 'utf8')]).catch(() => {
    throw new FleetswapError('BAD_USAGE', `no CA in ${dir}: run fleetswap ca init ${dir} first`);
  });
  const ca = new x509.X509Certificate(caPem);
  const caKey = await webcrypto.subtle.importKey('pkcs8', pemBody(caKeyPem), ALG, false, ['sign']);
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
  return write(dir, name, cert, keys.privateKey);
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
