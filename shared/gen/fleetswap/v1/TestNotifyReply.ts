// Original file: proto/fleetswap.proto


export interface TestNotifyReply {
  'ok'?: (boolean);
  /**
   * "HTTP 204", or why it failed
   */
  'outcome'?: (string);
}

export interface TestNotifyReply__Output {
  'ok': (boolean);
  /**
   * "HTTP 204", or why it failed
   */
  'outcome': (string);
}
