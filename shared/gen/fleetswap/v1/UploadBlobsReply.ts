// Original file: proto/fleetswap.proto

import type { Long } from '@grpc/proto-loader';

export interface UploadBlobsReply {
  'blobs'?: (number);
  'bytes'?: (number | string | Long);
}

export interface UploadBlobsReply__Output {
  'blobs': (number);
  'bytes': (number);
}
