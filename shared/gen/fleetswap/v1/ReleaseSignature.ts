// Original file: proto/fleetswap.proto

import type { Long } from '@grpc/proto-loader';

/**
 * ReleaseSignature is an ed25519 signature over the release id, the fleet,
 * the irreversible flag and the signing time (shared/signing.ts), by the key
 * whose id it names.
 */
export interface ReleaseSignature {
  'key_id'?: (string);
  /**
   * base64
   */
  'signature'?: (string);
  'fleet'?: (string);
  /**
   * the signer's clock; orders releases against a host's irreversible floor
   */
  'signed_at_ms'?: (number | string | Long);
}

/**
 * ReleaseSignature is an ed25519 signature over the release id, the fleet,
 * the irreversible flag and the signing time (shared/signing.ts), by the key
 * whose id it names.
 */
export interface ReleaseSignature__Output {
  'key_id': (string);
  /**
   * base64
   */
  'signature': (string);
  'fleet': (string);
  /**
   * the signer's clock; orders releases against a host's irreversible floor
   */
  'signed_at_ms': (number);
}
