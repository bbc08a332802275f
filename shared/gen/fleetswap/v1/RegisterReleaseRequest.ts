// Original file: proto/fleetswap.proto

import type { ReleaseSignature as _fleetswap_v1_ReleaseSignature, ReleaseSignature__Output as _fleetswap_v1_ReleaseSignature__Output } from '../../fleetswap/v1/ReleaseSignature.js';

export interface RegisterReleaseRequest {
  'manifest'?: (Buffer | Uint8Array | string);
  'pushed_by'?: (string);
  /**
   * dry_run checks the manifest and the label without storing anything, so
   * that a push is refused before it uploads a byte.
   */
  'dry_run'?: (boolean);
  'signatures'?: (_fleetswap_v1_ReleaseSignature)[];
}

export interface RegisterReleaseRequest__Output {
  'manifest': (Buffer);
  'pushed_by': (string);
  /**
   * dry_run checks the manifest and the label without storing anything, so
   * that a push is refused before it uploads a byte.
   */
  'dry_run': (boolean);
  'signatures': (_fleetswap_v1_ReleaseSignature__Output)[];
}
