// Original file: proto/fleetswap.proto

import type { DriftPolicyRule as _fleetswap_v1_DriftPolicyRule, DriftPolicyRule__Output as _fleetswap_v1_DriftPolicyRule__Output } from '../../fleetswap/v1/DriftPolicyRule.js';

export interface DriftPolicies {
  'default_policy'?: (string);
  'rules'?: (_fleetswap_v1_DriftPolicyRule)[];
}

export interface DriftPolicies__Output {
  'default_policy': (string);
  'rules': (_fleetswap_v1_DriftPolicyRule__Output)[];
}
