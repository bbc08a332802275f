// Original file: proto/fleetswap.proto

import type { Long } from '@grpc/proto-loader';

/**
 * NotifyReceiver is a receiver as shown: never its secret, only whether it has one.
 */
export interface NotifyReceiver {
  'name'?: (string);
  'url'?: (string);
  'format'?: (string);
  'events'?: (string)[];
  'min_severity'?: (string);
  'select'?: ({[key: string]: string});
  'signed'?: (boolean);
  'created_at'?: (string);
  'created_by'?: (string);
  'delivered'?: (number | string | Long);
  'pending'?: (number | string | Long);
  /**
   * given up after --notify-give-up
   */
  'failed'?: (number | string | Long);
  'last_error'?: (string);
}

/**
 * NotifyReceiver is a receiver as shown: never its secret, only whether it has one.
 */
export interface NotifyReceiver__Output {
  'name': (string);
  'url': (string);
  'format': (string);
  'events': (string)[];
  'min_severity': (string);
  'select': ({[key: string]: string});
  'signed': (boolean);
  'created_at': (string);
  'created_by': (string);
  'delivered': (number);
  'pending': (number);
  /**
   * given up after --notify-give-up
   */
  'failed': (number);
  'last_error': (string);
}
