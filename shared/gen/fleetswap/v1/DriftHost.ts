// Original file: proto/fleetswap.proto

import type { DriftPath as _fleetswap_v1_DriftPath, DriftPath__Output as _fleetswap_v1_DriftPath__Output } from '../../fleetswap/v1/DriftPath.js';
import type { DriftEvent as _fleetswap_v1_DriftEvent, DriftEvent__Output as _fleetswap_v1_DriftEvent__Output } from '../../fleetswap/v1/DriftEvent.js';

export interface DriftHost {
  'host'?: (string);
  'tags'?: ({[key: string]: string});
  /**
   * label
   */
  'desired'?: (string);
  /**
   * label
   */
  'live'?: (string);
  'desired_id'?: (string);
  'live_id'?: (string);
  /**
   * in-sync | content-drift | version-drift | no-release | offline | converging
   */
  'state'?: (string);
  'path_count'?: (number);
  'first_paths'?: (_fleetswap_v1_DriftPath)[];
  /**
   * newest first
   */
  'events'?: (_fleetswap_v1_DriftEvent)[];
}

export interface DriftHost__Output {
  'host': (string);
  'tags': ({[key: string]: string});
  /**
   * label
   */
  'desired': (string);
  /**
   * label
   */
  'live': (string);
  'desired_id': (string);
  'live_id': (string);
  /**
   * in-sync | content-drift | version-drift | no-release | offline | converging
   */
  'state': (string);
  'path_count': (number);
  'first_paths': (_fleetswap_v1_DriftPath__Output)[];
  /**
   * newest first
   */
  'events': (_fleetswap_v1_DriftEvent__Output)[];
}
