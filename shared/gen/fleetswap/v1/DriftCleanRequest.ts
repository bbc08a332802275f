// Original file: proto/fleetswap.proto


export interface DriftCleanRequest {
  'host'?: (string);
  'actor'?: (string);
}

export interface DriftCleanRequest__Output {
  'host': (string);
  'actor': (string);
}
