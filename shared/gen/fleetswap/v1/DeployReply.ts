// Original file: proto/fleetswap.proto

import type { Rollout as _fleetswap_v1_Rollout, Rollout__Output as _fleetswap_v1_Rollout__Output } from '../../fleetswap/v1/Rollout.js';

export interface DeployReply {
  'rollout'?: (_fleetswap_v1_Rollout | null);
}

export interface DeployReply__Output {
  'rollout': (_fleetswap_v1_Rollout__Output | null);
}
