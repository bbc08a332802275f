// Original file: proto/fleetswap.proto


export interface MissingBlobsRequest {
  'hashes'?: (string)[];
}

export interface MissingBlobsRequest__Output {
  'hashes': (string)[];
}
