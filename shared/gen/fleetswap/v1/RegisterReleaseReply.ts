// Original file: proto/fleetswap.proto

import type { Release as _fleetswap_v1_Release, Release__Output as _fleetswap_v1_Release__Output } from '../../fleetswap/v1/Release.js';

export interface RegisterReleaseReply {
  'release'?: (_fleetswap_v1_Release | null);
  'created'?: (boolean);
}

export interface RegisterReleaseReply__Output {
  'release': (_fleetswap_v1_Release__Output | null);
  'created': (boolean);
}
