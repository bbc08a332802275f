// @peculiar/x509 resolves its ASN.1 parts through tsyringe, which needs the Reflect metadata polyfill first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { FleetswapError } from './errors.js';
import { normalSerial } from './tls.js';

// The fleet's certificate revocation list (an X.509 CRL signed by the fleet
// CA): `ca revoke` writes it, the coordinator reads it. Only those two load
// this module and its X.509 library; an agent never does.

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
export { x509 };

/** RevocationList is what a CRL says: its number (each one `ca revoke` writes is one higher) and the serials it revokes. */
export interface RevocationList {
  number: number;
  serials: ReadonlySet<string>;
}

const CRL_NUMBER_OID = '2.5.29.20';

/** crlNumberExtension is the CRL number (RFC 5280 5.2.3) as a DER INTEGER: a reader can tell a newer list from an older one. */
export function crlNumberExtension(n: number): x509.Extension {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  if (bytes.length === 0 || bytes[0]! >= 0x80) bytes.unshift(0);
  return new x509.Extension(CRL_NUMBER_OID, false, Uint8Array.from([0x02, bytes.length, ...bytes]));
}

function crlNumber(crl: x509.X509Crl): number {
  const ext = crl.getExtension(CRL_NUMBER_OID);
  if (!ext) return 0;
  const der = new Uint8Array(ext.value);
  // A short-form DER INTEGER that fits a safe integer: `ca revoke` counts up from 1 and never needs more.
  if (der[0] !== 0x02 || der[1] === undefined || der[1] > 7 || der.length !== der[1] + 2) throw new Error('unreadable CRL number');
  const n = der.subarray(2).reduce((acc, b) => acc * 256 + b, 0);
  if (!Number.isSafeInteger(n)) throw new Error('CRL number too large');
  return n;
}

/**
 * readCrl parses a CRL (PEM or DER) and checks that the fleet CA signed it;
 * anything else (garbage, another CA's list, a changed byte) is refused with
 * one line, so that a forged list can neither revoke nor un-revoke anyone.
 */
export async function readCrl(bytes: Buffer, caPem: Buffer | string, what: string): Promise<RevocationList & { crl: x509.X509Crl }> {
  let crl: x509.X509Crl;
  let number: number;
  try {
    const text = bytes.toString('latin1');
    crl = new x509.X509Crl(text.trimStart().startsWith('-----BEGIN') ? text : bytes);
    // @peculiar/x509 reads no entries from a list without nextUpdate: refused rather than read as revoking nobody.
    if (!crl.nextUpdate) throw new Error('no nextUpdate');
    number = crlNumber(crl);
  } catch (err) {
    throw new FleetswapError('BAD_USAGE', `${what} is not a certificate revocation list (${(err as Error).message.split('\n')[0]}): give the ca.crl that fleetswap ca revoke writes`);
  }
  const ca = new x509.X509Certificate(caPem.toString());
  if (crl.issuer !== ca.subject || !(await crl.verify({ publicKey: ca }).catch(() => false))) {
    throw new FleetswapError('BAD_USAGE', `${what} is not signed by the fleet CA (--ca): refused`);
  }
  return { crl, number, serials: new Set(crl.entries.map((e) => normalSerial(e.serialNumber))) };
}
