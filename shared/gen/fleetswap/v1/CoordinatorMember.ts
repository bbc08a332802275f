// Original file: proto/fleetswap.proto

import type { Long } from '@grpc/proto-loader';

export interface CoordinatorMember {
  'name'?: (string);
  /**
   * where agents and the CLI reach it
   */
  'address'?: (string);
  'leader'?: (boolean);
  /**
   * its last renewal, on the database's clock
   */
  'seen_ms'?: (number | string | Long);
}

export interface CoordinatorMember__Output {
  'name': (string);
  /**
   * where agents and the CLI reach it
   */
  'address': (string);
  'leader': (boolean);
  /**
   * its last renewal, on the database's clock
   */
  'seen_ms': (number);
}
