// Original file: proto/fleetswap.proto

import type { Long } from '@grpc/proto-loader';

export interface DesiredChange {
  'id'?: (number | string | Long);
  'at'?: (string);
  'actor'?: (string);
  'reason'?: (string);
  'action'?: (string);
  'from_release'?: (string);
  'to_release'?: (string);
  'hosts'?: (string)[];
}

export interface DesiredChange__Output {
  'id': (number);
  'at': (string);
  'actor': (string);
  'reason': (string);
  'action': (string);
  'from_release': (string);
  'to_release': (string);
  'hosts': (string)[];
}
