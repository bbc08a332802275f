// Original file: proto/fleetswap.proto

import type { Long } from '@grpc/proto-loader';

/**
 * EventsRequest asks for events after `after_id`, at most `limit` (0: 500; at most 5,000).
 */
export interface EventsRequest {
  'after_id'?: (number | string | Long);
  'limit'?: (number);
}

/**
 * EventsRequest asks for events after `after_id`, at most `limit` (0: 500; at most 5,000).
 */
export interface EventsRequest__Output {
  'after_id': (number);
  'limit': (number);
}
