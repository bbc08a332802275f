// Original file: proto/fleetswap.proto

import type { RolloutHost as _fleetswap_v1_RolloutHost, RolloutHost__Output as _fleetswap_v1_RolloutHost__Output } from '../../fleetswap/v1/RolloutHost.js';
import type { RolloutPlan as _fleetswap_v1_RolloutPlan, RolloutPlan__Output as _fleetswap_v1_RolloutPlan__Output } from '../../fleetswap/v1/RolloutPlan.js';
import type { Verdict as _fleetswap_v1_Verdict, Verdict__Output as _fleetswap_v1_Verdict__Output } from '../../fleetswap/v1/Verdict.js';
import type { Long } from '@grpc/proto-loader';

export interface Rollout {
  'id'?: (number | string | Long);
  /**
   * deploy | rollback
   */
  'kind'?: (string);
  /**
   * staging | canary | judging | wave | watching | complete | paused |
   * rolling_back | rolled_back | aborted | failed | superseded (deploys);
   * switching | complete | failed | superseded (rollbacks)
   */
  'state'?: (string);
  'release_id'?: (string);
  'release_label'?: (string);
  'from_release'?: (string);
  'actor'?: (string);
  'reason'?: (string);
  'created_at'?: (string);
  'updated_at'?: (string);
  'message'?: (string);
  'hosts'?: (_fleetswap_v1_RolloutHost)[];
  'select'?: ({[key: string]: string});
  'plan'?: (_fleetswap_v1_RolloutPlan | null);
  /**
   * the wave switching or baking (1-based; 0 before the waves)
   */
  'wave'?: (number);
  /**
   * the state a resume returns to
   */
  'paused_from'?: (string);
  /**
   * the newest judgement
   */
  'verdict'?: (_fleetswap_v1_Verdict | null);
  'phase_started_ms'?: (number | string | Long);
  'deadline_ms'?: (number | string | Long);
  'irreversible'?: (boolean);
}

export interface Rollout__Output {
  'id': (number);
  /**
   * deploy | rollback
   */
  'kind': (string);
  /**
   * staging | canary | judging | wave | watching | complete | paused |
   * rolling_back | rolled_back | aborted | failed | superseded (deploys);
   * switching | complete | failed | superseded (rollbacks)
   */
  'state': (string);
  'release_id': (string);
  'release_label': (string);
  'from_release': (string);
  'actor': (string);
  'reason': (string);
  'created_at': (string);
  'updated_at': (string);
  'message': (string);
  'hosts': (_fleetswap_v1_RolloutHost__Output)[];
  'select': ({[key: string]: string});
  'plan': (_fleetswap_v1_RolloutPlan__Output | null);
  /**
   * the wave switching or baking (1-based; 0 before the waves)
   */
  'wave': (number);
  /**
   * the state a resume returns to
   */
  'paused_from': (string);
  /**
   * the newest judgement
   */
  'verdict': (_fleetswap_v1_Verdict__Output | null);
  'phase_started_ms': (number);
  'deadline_ms': (number);
  'irreversible': (boolean);
}
