// Original file: proto/fleetswap.proto


export interface HaltState {
  'halted'?: (boolean);
  'reason'?: (string);
  'actor'?: (string);
  'at'?: (string);
}

export interface HaltState__Output {
  'halted': (boolean);
  'reason': (string);
  'actor': (string);
  'at': (string);
}
