// Original file: proto/fleetswap.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Override is a release key's permission for hosts of `fleet` to go to
 * `target` below their irreversible floor (shared/override.ts).
 */
export interface Override {
  'fleet'?: (string);
  /**
   * release id
   */
  'target'?: (string);
  /**
   * the irreversible release id it goes below, or "any"
   */
  'crosses'?: (string);
  'expires_ms'?: (number | string | Long);
  'key_id'?: (string);
  /**
   * base64 ed25519
   */
  'signature'?: (string);
}

/**
 * Override is a release key's permission for hosts of `fleet` to go to
 * `target` below their irreversible floor (shared/override.ts).
 */
export interface Override__Output {
  'fleet': (string);
  /**
   * release id
   */
  'target': (string);
  /**
   * the irreversible release id it goes below, or "any"
   */
  'crosses': (string);
  'expires_ms': (number);
  'key_id': (string);
  /**
   * base64 ed25519
   */
  'signature': (string);
}
