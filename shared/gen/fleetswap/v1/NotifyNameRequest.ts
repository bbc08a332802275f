// Original file: proto/fleetswap.proto


export interface NotifyNameRequest {
  'name'?: (string);
  'actor'?: (string);
}

export interface NotifyNameRequest__Output {
  'name': (string);
  'actor': (string);
}
