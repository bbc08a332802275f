// Original file: proto/fleetswap.proto

import type { ReleaseSignature as _fleetswap_v1_ReleaseSignature, ReleaseSignature__Output as _fleetswap_v1_ReleaseSignature__Output } from '../../fleetswap/v1/ReleaseSignature.js';

export interface ManifestReply {
  /**
   * the canonical manifest, or empty when `delta` is set
   */
  'manifest'?: (Buffer | Uint8Array | string);
  /**
   * JSON ManifestDelta (shared/manifest-delta.ts)
   */
  'delta'?: (Buffer | Uint8Array | string);
  /**
   * the release `delta` applies to
   */
  'delta_base'?: (string);
  /**
   * agents stage only what a key they trust signed
   */
  'signatures'?: (_fleetswap_v1_ReleaseSignature)[];
}

export interface ManifestReply__Output {
  /**
   * the canonical manifest, or empty when `delta` is set
   */
  'manifest': (Buffer);
  /**
   * JSON ManifestDelta (shared/manifest-delta.ts)
   */
  'delta': (Buffer);
  /**
   * the release `delta` applies to
   */
  'delta_base': (string);
  /**
   * agents stage only what a key they trust signed
   */
  'signatures': (_fleetswap_v1_ReleaseSignature__Output)[];
}
