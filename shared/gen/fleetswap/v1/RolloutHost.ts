// Original file: proto/fleetswap.proto

import type { StagingStats as _fleetswap_v1_StagingStats, StagingStats__Output as _fleetswap_v1_StagingStats__Output } from '../../fleetswap/v1/StagingStats.js';
import type { Long } from '@grpc/proto-loader';

export interface RolloutHost {
  'host_id'?: (string);
  /**
   * pending | staged | failed | skipped
   */
  'stage'?: (string);
  /**
   * pending | done | failed
   */
  'switch'?: (string);
  'error'?: (string);
  'stats'?: (_fleetswap_v1_StagingStats | null);
  /**
   * canary | wave1 | wave2 ... (the plan, fixed at deploy)
   */
  'cohort'?: (string);
  /**
   * what the host ran before; where a revert sends it
   */
  'prev_release'?: (string);
  'switched_at_ms'?: (number | string | Long);
}

export interface RolloutHost__Output {
  'host_id': (string);
  /**
   * pending | staged | failed | skipped
   */
  'stage': (string);
  /**
   * pending | done | failed
   */
  'switch': (string);
  'error': (string);
  'stats': (_fleetswap_v1_StagingStats__Output | null);
  /**
   * canary | wave1 | wave2 ... (the plan, fixed at deploy)
   */
  'cohort': (string);
  /**
   * what the host ran before; where a revert sends it
   */
  'prev_release': (string);
  'switched_at_ms': (number);
}
