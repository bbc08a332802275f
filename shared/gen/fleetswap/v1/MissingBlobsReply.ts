// Original file: proto/fleetswap.proto


export interface MissingBlobsReply {
  'missing'?: (string)[];
}

export interface MissingBlobsReply__Output {
  'missing': (string)[];
}
