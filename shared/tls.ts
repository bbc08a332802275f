import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { FleetswapError } from './errors.js';
import { tlsChannelCredentials } from './tls-client.js';

// TLS on every channel: credentials from the fleet CA's files (cli/ca.ts
// makes them), and who a client certificate names. A certificate names its
// holder (CN) and role (OU); the coordinator takes a host's identity from its
// certificate, never from a field in a request.

/** TlsFiles is what a process needs for TLS: the fleet CA, and its own certificate and key (not for the CLI). */
export interface TlsFiles {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** loadTls reads the files a process was given; a missing or unreadable one stops it at start. */
export async function loadTls(files: { ca?: string; cert?: string; key?: string }, needOwn: boolean): Promise<TlsFiles> {
  const read = async (flag: string, file: string | undefined) => {
    if (!file) throw new FleetswapError('BAD_USAGE', `${flag} FILE is required for TLS (or run with --insecure, in plaintext)`);
    return readFile(file).catch((err: NodeJS.ErrnoException) => {
      throw new FleetswapError('BAD_USAGE', `cannot read ${flag} ${file}: ${err.code ?? err.message}`);
    });
  };
  const ca = await read('--ca', files.ca);
  if (!needOwn) return { ca };
  return { ca, cert: await read('--cert', files.cert), key: await read('--key', files.key) };
}

export interface PeerIdentity {
  name: string;
  role: string;
  /** The certificate's serial (lower-case hex, no leading zeros), which is what a revocation list names. */
  serial: string;
}

/**
 * peerIdentity checks a client certificate against the fleet CA and reads
 * who it names. The server asks for client certificates without making
 * them mandatory (the CLI has none), so the check is made here, per call.
 */
export function peerIdentity(raw: Buffer | undefined, caPem: Buffer, now = new Date()): PeerIdentity | undefined {
  if (!raw || raw.length === 0) return undefined;
  const cert = new X509Certificate(raw);
  const ca = new X509Certificate(caPem);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return undefined;
  if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) return undefined;
  const field = (k: string) => new RegExp(`(?:^|\\n)${k}=([^\\n]*)`).exec(cert.subject)?.[1] ?? '';
  return { name: field('CN'), role: field('OU'), serial: normalSerial(cert.serialNumber) };
}

/** normalSerial spells a certificate serial one way (lower-case hex, no leading zeros): node and @peculiar/x509 spell them differently. */
export function normalSerial(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, '');
}

/** NOT_A_COORDINATOR starts the reason a client gives for refusing a server whose certificate is for another role. */
export const NOT_A_COORDINATOR = 'not a coordinator';

/**
 * coordinatorIdentity is how agents and the CLI check the server: the usual
 * host name check first, then that the fleet CA issued its certificate for
 * the coordinator role. Without the second, any agent's certificate (and so
 * one stolen host) could pose as the coordinator to every other host and to
 * operators.
 */
export function coordinatorIdentity(host: string, cert: PeerCertificate): Error | undefined {
  const err = checkServerIdentity(host, cert);
  if (err) return err;
  const ou = cert.subject?.OU;
  const roles = Array.isArray(ou) ? ou : [ou];
  if (roles.length !== 1 || roles[0] !== 'coordinator') return new Error(`${NOT_A_COORDINATOR}: the server's certificate is for the ${roles.join('+') || 'no'} role`);
  return undefined;
}


/** CRL_NEEDS_TLS refuses --crl with --insecure: a revocation list names certificates, and a plaintext coordinator sees none. */
export const CRL_NEEDS_TLS = '--crl needs TLS (--ca, --cert, --key): a plaintext coordinator knows no certificates';

/** Transport is how a process talks: TLS with these files, or plaintext when the operator said --insecure. */
export type Transport = { tls: TlsFiles } | { insecure: true };

/**
 * staticProvider hands grpc-js fixed certificates. It answers a listener on
 * the next turn: grpc-js registers the server that waits for them only after
 * adding its listeners, and an answer given at once would reach no one.
 */
function staticProvider(ca: Buffer | null, identity: { certificate: Buffer; privateKey: Buffer } | null): grpc.experimental.CertificateProvider {
  return {
    addCaCertificateListener: (l) => void setImmediate(() => l(ca ? { caCertificate: ca } : null)),
    removeCaCertificateListener: () => undefined,
    addIdentityCertificateListener: (l) => void setImmediate(() => l(identity)),
    removeIdentityCertificateListener: () => undefined,
  };
}

/**
 * serverCredentials asks every client for a certificate but does not require
 * one: agents must present theirs (checked per stream by peerIdentity), the
 * CLI presents a token instead.
 */
export function serverCredentials(t: Transport): grpc.ServerCredentials {
  if ('insecure' in t) return grpc.ServerCredentials.createInsecure();
  if (!t.tls.cert || !t.tls.key) throw new FleetswapError('BAD_USAGE', 'the coordinator needs --cert and --key (fleetswap ca issue DIR NAME --role coordinator)');
  // One provider for both roles: grpc-js 1.14 passes this function's CA and identity providers to the class in swapped order.
  const both = staticProvider(t.tls.ca, { certificate: t.tls.cert, privateKey: t.tls.key });
  return grpc.experimental.createCertificateProviderServerCredentials(both, both, false);
}

export function channelCredentials(t: Transport): grpc.ChannelCredentials {
  if ('insecure' in t) return grpc.credentials.createInsecure();
  return tlsChannelCredentials(t.tls.ca, t.tls.key, t.tls.cert, coordinatorIdentity);
}
