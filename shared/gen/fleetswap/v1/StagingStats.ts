// Original file: proto/fleetswap.proto

import type { Long } from '@grpc/proto-loader';

export interface StagingStats {
  'bytes_fetched'?: (number | string | Long);
  'blobs_fetched'?: (number);
  'blobs_reused'?: (number);
  'duration_ms'?: (number | string | Long);
  'files'?: (number);
  'bytes_total'?: (number | string | Long);
  'manifest_bytes'?: (number | string | Long);
}

export interface StagingStats__Output {
  'bytes_fetched': (number);
  'blobs_fetched': (number);
  'blobs_reused': (number);
  'duration_ms': (number);
  'files': (number);
  'bytes_total': (number);
  'manifest_bytes': (number);
}
