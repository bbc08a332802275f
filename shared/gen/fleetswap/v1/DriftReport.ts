// Original file: proto/fleetswap.proto

import type { DriftPath as _fleetswap_v1_DriftPath, DriftPath__Output as _fleetswap_v1_DriftPath__Output } from '../../fleetswap/v1/DriftPath.js';
import type { SlotInfo as _fleetswap_v1_SlotInfo, SlotInfo__Output as _fleetswap_v1_SlotInfo__Output } from '../../fleetswap/v1/SlotInfo.js';
import type { Long } from '@grpc/proto-loader';

/**
 * DriftReport is what a host found wrong with its live code: files that
 * differ from the live release's manifest (kind content), `current` moved to
 * another slot or elsewhere (kind symlink), or a full verification that found
 * nothing (kind clean, which resolves earlier content reports).
 */
export interface DriftReport {
  /**
   * content | symlink | clean
   */
  'kind'?: (string);
  /**
   * what the live slot holds (content), or what current now points at (symlink)
   */
  'release_id'?: (string);
  /**
   * the first few
   */
  'paths'?: (_fleetswap_v1_DriftPath)[];
  /**
   * all of them
   */
  'path_count'?: (number);
  /**
   * host clock
   */
  'detected_at_ms'?: (number | string | Long);
  /**
   * e.g. where current points now
   */
  'detail'?: (string);
  /**
   * the host's live release after the finding
   */
  'live_release'?: (string);
  'slots'?: (_fleetswap_v1_SlotInfo)[];
}

/**
 * DriftReport is what a host found wrong with its live code: files that
 * differ from the live release's manifest (kind content), `current` moved to
 * another slot or elsewhere (kind symlink), or a full verification that found
 * nothing (kind clean, which resolves earlier content reports).
 */
export interface DriftReport__Output {
  /**
   * content | symlink | clean
   */
  'kind': (string);
  /**
   * what the live slot holds (content), or what current now points at (symlink)
   */
  'release_id': (string);
  /**
   * the first few
   */
  'paths': (_fleetswap_v1_DriftPath__Output)[];
  /**
   * all of them
   */
  'path_count': (number);
  /**
   * host clock
   */
  'detected_at_ms': (number);
  /**
   * e.g. where current points now
   */
  'detail': (string);
  /**
   * the host's live release after the finding
   */
  'live_release': (string);
  'slots': (_fleetswap_v1_SlotInfo__Output)[];
}
