// Original file: proto/fleetswap.proto


export interface TokenInfo {
  'name'?: (string);
  'role'?: (string);
  'created_at'?: (string);
  'created_by'?: (string);
  /**
   * empty while valid
   */
  'revoked_at'?: (string);
}

export interface TokenInfo__Output {
  'name': (string);
  'role': (string);
  'created_at': (string);
  'created_by': (string);
  /**
   * empty while valid
   */
  'revoked_at': (string);
}
