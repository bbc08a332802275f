// Original file: proto/fleetswap.proto

import type { Long } from '@grpc/proto-loader';

export interface Release {
  'id'?: (string);
  'label'?: (string);
  'owner'?: (string);
  'notes'?: (string);
  'irreversible'?: (string);
  'pushed_by'?: (string);
  'pushed_at'?: (string);
  'files'?: (number);
  'bytes'?: (number | string | Long);
  /**
   * key ids of its signatures
   */
  'signed_by'?: (string)[];
}

export interface Release__Output {
  'id': (string);
  'label': (string);
  'owner': (string);
  'notes': (string);
  'irreversible': (string);
  'pushed_by': (string);
  'pushed_at': (string);
  'files': (number);
  'bytes': (number);
  /**
   * key ids of its signatures
   */
  'signed_by': (string)[];
}
