// Original file: proto/fleetswap.proto


export interface SlotInfo {
  'index'?: (number);
  'release_id'?: (string);
  /**
   * a drifted tree kept aside, not reused until fleetswap drift clean
   */
  'evidence'?: (boolean);
}

export interface SlotInfo__Output {
  'index': (number);
  'release_id': (string);
  /**
   * a drifted tree kept aside, not reused until fleetswap drift clean
   */
  'evidence': (boolean);
}
