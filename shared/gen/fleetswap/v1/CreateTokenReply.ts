// Original file: proto/fleetswap.proto


export interface CreateTokenReply {
  'token'?: (string);
  'name'?: (string);
  'role'?: (string);
}

export interface CreateTokenReply__Output {
  'token': (string);
  'name': (string);
  'role': (string);
}
