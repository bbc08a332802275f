// Original file: proto/fleetswap.proto

import type { Override as _fleetswap_v1_Override, Override__Output as _fleetswap_v1_Override__Output } from '../../fleetswap/v1/Override.js';

export interface RollbackRequest {
  /**
   * label or id; empty means the previous release
   */
  'to'?: (string);
  'select'?: ({[key: string]: string});
  'actor'?: (string);
  'reason'?: (string);
  /**
   * roll back past an irreversible release (needs a reason)
   */
  'force_irreversible'?: (boolean);
  /**
   * signed by a release key: hosts that trust one go below their irreversible floor only with it
   */
  'override'?: (_fleetswap_v1_Override | null);
}

export interface RollbackRequest__Output {
  /**
   * label or id; empty means the previous release
   */
  'to': (string);
  'select': ({[key: string]: string});
  'actor': (string);
  'reason': (string);
  /**
   * roll back past an irreversible release (needs a reason)
   */
  'force_irreversible': (boolean);
  /**
   * signed by a release key: hosts that trust one go below their irreversible floor only with it
   */
  'override': (_fleetswap_v1_Override__Output | null);
}
