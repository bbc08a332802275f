// Original file: proto/fleetswap.proto


export interface DriftPolicyRequest {
  /**
   * revert | report
   */
  'policy'?: (string);
  /**
   * empty: the default
   */
  'select'?: ({[key: string]: string});
  'actor'?: (string);
}

export interface DriftPolicyRequest__Output {
  /**
   * revert | report
   */
  'policy': (string);
  /**
   * empty: the default
   */
  'select': ({[key: string]: string});
  'actor': (string);
}
