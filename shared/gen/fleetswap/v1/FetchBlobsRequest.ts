// Original file: proto/fleetswap.proto


export interface FetchBlobsRequest {
  'hashes'?: (string)[];
  /**
   * The release the blobs are for: only a release the coordinator directed
   * this host to hold is served, and only blobs in its manifest.
   */
  'release_id'?: (string);
}

export interface FetchBlobsRequest__Output {
  'hashes': (string)[];
  /**
   * The release the blobs are for: only a release the coordinator directed
   * this host to hold is served, and only blobs in its manifest.
   */
  'release_id': (string);
}
