// Original file: proto/fleetswap.proto

import type { AuditEntry as _fleetswap_v1_AuditEntry, AuditEntry__Output as _fleetswap_v1_AuditEntry__Output } from '../../fleetswap/v1/AuditEntry.js';
import type { Long } from '@grpc/proto-loader';

export interface AuditReply {
  'entries'?: (_fleetswap_v1_AuditEntry)[];
  /**
   * entries follow this page
   */
  'more'?: (boolean);
  /**
   * the newest entry the coordinator committed: a log that ends before it lost its tail
   */
  'head_id'?: (number | string | Long);
  'head_hash'?: (string);
}

export interface AuditReply__Output {
  'entries': (_fleetswap_v1_AuditEntry__Output)[];
  /**
   * entries follow this page
   */
  'more': (boolean);
  /**
   * the newest entry the coordinator committed: a log that ends before it lost its tail
   */
  'head_id': (number);
  'head_hash': (string);
}
