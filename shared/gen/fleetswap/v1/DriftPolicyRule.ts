// Original file: proto/fleetswap.proto


export interface DriftPolicyRule {
  'select'?: ({[key: string]: string});
  'policy'?: (string);
}

export interface DriftPolicyRule__Output {
  'select': ({[key: string]: string});
  'policy': (string);
}
