// Original file: proto/fleetswap.proto

import type { Long } from '@grpc/proto-loader';

/**
 * AuditRequest asks for a page of the log: entries after `after_id`, at
 * most `limit` (0: 1,000; at most 5,000). The CLI walks the pages and checks
 * the hash chain itself, so a log of any size is read and verified in
 * constant memory on both sides.
 */
export interface AuditRequest {
  'after_id'?: (number | string | Long);
  'limit'?: (number);
}

/**
 * AuditRequest asks for a page of the log: entries after `after_id`, at
 * most `limit` (0: 1,000; at most 5,000). The CLI walks the pages and checks
 * the hash chain itself, so a log of any size is read and verified in
 * constant memory on both sides.
 */
export interface AuditRequest__Output {
  'after_id': (number);
  'limit': (number);
}
