// Original file: proto/fleetswap.proto

import type { Long } from '@grpc/proto-loader';

export interface VitalsCounters {
  /**
   * samples that arrived
   */
  'received'?: (number | string | Long);
  /**
   * samples written to the database
   */
  'stored'?: (number | string | Long);
  /**
   * samples refused as malformed
   */
  'refused'?: (number | string | Long);
  /**
   * samples agents discarded before sending
   */
  'dropped_by_agents'?: (number | string | Long);
}

export interface VitalsCounters__Output {
  /**
   * samples that arrived
   */
  'received': (number);
  /**
   * samples written to the database
   */
  'stored': (number);
  /**
   * samples refused as malformed
   */
  'refused': (number);
  /**
   * samples agents discarded before sending
   */
  'dropped_by_agents': (number);
}
