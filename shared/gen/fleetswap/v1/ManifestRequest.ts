// Original file: proto/fleetswap.proto


export interface ManifestRequest {
  'release_id'?: (string);
  /**
   * Releases whose manifests the agent holds: the coordinator may answer
   * with a delta against one of them instead of the whole manifest.
   */
  'have'?: (string)[];
}

export interface ManifestRequest__Output {
  'release_id': (string);
  /**
   * Releases whose manifests the agent holds: the coordinator may answer
   * with a delta against one of them instead of the whole manifest.
   */
  'have': (string)[];
}
