// Original file: proto/fleetswap.proto

import type { DriftHost as _fleetswap_v1_DriftHost, DriftHost__Output as _fleetswap_v1_DriftHost__Output } from '../../fleetswap/v1/DriftHost.js';

export interface DriftReportReply {
  'generated_at'?: (string);
  /**
   * state -> hosts
   */
  'summary'?: ({[key: string]: number});
  'hosts'?: (_fleetswap_v1_DriftHost)[];
}

export interface DriftReportReply__Output {
  'generated_at': (string);
  /**
   * state -> hosts
   */
  'summary': ({[key: string]: number});
  'hosts': (_fleetswap_v1_DriftHost__Output)[];
}
