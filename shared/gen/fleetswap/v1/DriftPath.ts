// Original file: proto/fleetswap.proto


export interface DriftPath {
  /**
   * relative to the release tree, as in the manifest
   */
  'path'?: (string);
  /**
   * changed | added | removed | mode
   */
  'change'?: (string);
}

export interface DriftPath__Output {
  /**
   * relative to the release tree, as in the manifest
   */
  'path': (string);
  /**
   * changed | added | removed | mode
   */
  'change': (string);
}
