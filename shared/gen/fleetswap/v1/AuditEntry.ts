// Original file: proto/fleetswap.proto

import type { Long } from '@grpc/proto-loader';

export interface AuditEntry {
  'id'?: (number | string | Long);
  'at'?: (string);
  /**
   * token:NAME (an operator's token), host:ID (what a host reported), or "coordinator"
   */
  'actor'?: (string);
  'action'?: (string);
  'target'?: (string);
  'reason'?: (string);
  /**
   * JSON
   */
  'detail'?: (string);
  /**
   * the hash of the entry before
   */
  'prev'?: (string);
  'hash'?: (string);
}

export interface AuditEntry__Output {
  'id': (number);
  'at': (string);
  /**
   * token:NAME (an operator's token), host:ID (what a host reported), or "coordinator"
   */
  'actor': (string);
  'action': (string);
  'target': (string);
  'reason': (string);
  /**
   * JSON
   */
  'detail': (string);
  /**
   * the hash of the entry before
   */
  'prev': (string);
  'hash': (string);
}
