// Original file: proto/fleetswap.proto

import type { Release as _fleetswap_v1_Release, Release__Output as _fleetswap_v1_Release__Output } from '../../fleetswap/v1/Release.js';

export interface ListReleasesReply {
  'releases'?: (_fleetswap_v1_Release)[];
}

export interface ListReleasesReply__Output {
  'releases': (_fleetswap_v1_Release__Output)[];
}
