// Original file: proto/fleetswap.proto

import type { Long } from '@grpc/proto-loader';

export interface DeployRequest {
  /**
   * label or id (or a unique id prefix)
   */
  'release'?: (string);
  'select'?: ({[key: string]: string});
  /**
   * hosts ("3") or a share ("5%"); empty: the default (5%)
   */
  'canary'?: (string);
  'skip_offline'?: (boolean);
  'actor'?: (string);
  'reason'?: (string);
  'stage_timeout_ms'?: (number | string | Long);
  'switch_timeout_ms'?: (number | string | Long);
  /**
   * cumulative shares, "25%,50%,100%"; empty: the default
   */
  'waves'?: (string);
  /**
   * how long the canaries are judged, "60s"; empty: the default
   */
  'bake'?: (string);
  /**
   * how long each wave is judged before the next; empty: the default
   */
  'wave_bake'?: (string);
  /**
   * how long the fleet is watched at 100%, "5m"; "0s" skips; empty: the default
   */
  'watch_for'?: (string);
  /**
   * after a passing verdict, wait for fleetswap promote
   */
  'manual_promote'?: (boolean);
  /**
   * replace an active rollout instead of being refused
   */
  'supersede'?: (boolean);
}

export interface DeployRequest__Output {
  /**
   * label or id (or a unique id prefix)
   */
  'release': (string);
  'select': ({[key: string]: string});
  /**
   * hosts ("3") or a share ("5%"); empty: the default (5%)
   */
  'canary': (string);
  'skip_offline': (boolean);
  'actor': (string);
  'reason': (string);
  'stage_timeout_ms': (number);
  'switch_timeout_ms': (number);
  /**
   * cumulative shares, "25%,50%,100%"; empty: the default
   */
  'waves': (string);
  /**
   * how long the canaries are judged, "60s"; empty: the default
   */
  'bake': (string);
  /**
   * how long each wave is judged before the next; empty: the default
   */
  'wave_bake': (string);
  /**
   * how long the fleet is watched at 100%, "5m"; "0s" skips; empty: the default
   */
  'watch_for': (string);
  /**
   * after a passing verdict, wait for fleetswap promote
   */
  'manual_promote': (boolean);
  /**
   * replace an active rollout instead of being refused
   */
  'supersede': (boolean);
}
