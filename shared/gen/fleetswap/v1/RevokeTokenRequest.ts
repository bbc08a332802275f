// Original file: proto/fleetswap.proto


export interface RevokeTokenRequest {
  'name'?: (string);
  'actor'?: (string);
}

export interface RevokeTokenRequest__Output {
  'name': (string);
  'actor': (string);
}
