// Original file: proto/fleetswap.proto


export interface BlobChunk {
  'hash'?: (string);
  'data'?: (Buffer | Uint8Array | string);
  'last'?: (boolean);
}

export interface BlobChunk__Output {
  'hash': (string);
  'data': (Buffer);
  'last': (boolean);
}
