// Original file: proto/fleetswap.proto

import type { Long } from '@grpc/proto-loader';

export interface StatusRequest {
  /**
   * 0 means the newest rollout
   */
  'rollout_id'?: (number | string | Long);
}

export interface StatusRequest__Output {
  /**
   * 0 means the newest rollout
   */
  'rollout_id': (number);
}
