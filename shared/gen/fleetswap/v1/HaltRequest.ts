// Original file: proto/fleetswap.proto


export interface HaltRequest {
  'actor'?: (string);
  'reason'?: (string);
}

export interface HaltRequest__Output {
  'actor': (string);
  'reason': (string);
}
