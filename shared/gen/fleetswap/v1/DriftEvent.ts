// Original file: proto/fleetswap.proto

import type { DriftPath as _fleetswap_v1_DriftPath, DriftPath__Output as _fleetswap_v1_DriftPath__Output } from '../../fleetswap/v1/DriftPath.js';

export interface DriftEvent {
  /**
   * content-drift | version-drift | symlink-moved
   */
  'kind'?: (string);
  'paths'?: (_fleetswap_v1_DriftPath)[];
  /**
   * ISO 8601
   */
  'detected_at'?: (string);
  'action'?: (string);
  /**
   * ISO 8601; empty while open
   */
  'resolved_at'?: (string);
  'path_count'?: (number);
  'detail'?: (string);
}

export interface DriftEvent__Output {
  /**
   * content-drift | version-drift | symlink-moved
   */
  'kind': (string);
  'paths': (_fleetswap_v1_DriftPath__Output)[];
  /**
   * ISO 8601
   */
  'detected_at': (string);
  'action': (string);
  /**
   * ISO 8601; empty while open
   */
  'resolved_at': (string);
  'path_count': (number);
  'detail': (string);
}
