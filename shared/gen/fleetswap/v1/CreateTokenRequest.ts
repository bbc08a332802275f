// Original file: proto/fleetswap.proto


export interface CreateTokenRequest {
  'name'?: (string);
  /**
   * viewer | deployer | admin
   */
  'role'?: (string);
  'actor'?: (string);
}

export interface CreateTokenRequest__Output {
  'name': (string);
  /**
   * viewer | deployer | admin
   */
  'role': (string);
  'actor': (string);
}
