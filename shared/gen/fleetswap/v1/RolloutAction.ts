// Original file: proto/fleetswap.proto

import type { Long } from '@grpc/proto-loader';

export interface RolloutAction {
  /**
   * 0: the active rollout
   */
  'rollout_id'?: (number | string | Long);
  'actor'?: (string);
  'reason'?: (string);
  'force_irreversible'?: (boolean);
}

export interface RolloutAction__Output {
  /**
   * 0: the active rollout
   */
  'rollout_id': (number);
  'actor': (string);
  'reason': (string);
  'force_irreversible': (boolean);
}
