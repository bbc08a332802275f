// Original file: proto/fleetswap.proto

import type { Long } from '@grpc/proto-loader';

export interface RolloutPlan {
  'canary_hosts'?: (number);
  /**
   * cumulative percentages
   */
  'waves'?: (number)[];
  'bake_ms'?: (number | string | Long);
  'wave_bake_ms'?: (number | string | Long);
  'watch_ms'?: (number | string | Long);
  'manual_promote'?: (boolean);
  /**
   * the tag keys the canaries were spread across
   */
  'spread'?: (string);
}

export interface RolloutPlan__Output {
  'canary_hosts': (number);
  /**
   * cumulative percentages
   */
  'waves': (number)[];
  'bake_ms': (number);
  'wave_bake_ms': (number);
  'watch_ms': (number);
  'manual_promote': (boolean);
  /**
   * the tag keys the canaries were spread across
   */
  'spread': (string);
}
