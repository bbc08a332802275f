// Original file: proto/fleetswap.proto

import type { MetricEvidence as _fleetswap_v1_MetricEvidence, MetricEvidence__Output as _fleetswap_v1_MetricEvidence__Output } from '../../fleetswap/v1/MetricEvidence.js';
import type { CohortVitals as _fleetswap_v1_CohortVitals, CohortVitals__Output as _fleetswap_v1_CohortVitals__Output } from '../../fleetswap/v1/CohortVitals.js';
import type { Long } from '@grpc/proto-loader';

export interface Verdict {
  /**
   * pending | pass | fail | hold
   */
  'outcome'?: (string);
  'at'?: (string);
  'phase'?: (string);
  'reason'?: (string);
  'elapsed_ms'?: (number | string | Long);
  'bake_ms'?: (number | string | Long);
  'metrics'?: (_fleetswap_v1_MetricEvidence)[];
  'cohorts'?: (_fleetswap_v1_CohortVitals)[];
}

export interface Verdict__Output {
  /**
   * pending | pass | fail | hold
   */
  'outcome': (string);
  'at': (string);
  'phase': (string);
  'reason': (string);
  'elapsed_ms': (number);
  'bake_ms': (number);
  'metrics': (_fleetswap_v1_MetricEvidence__Output)[];
  'cohorts': (_fleetswap_v1_CohortVitals__Output)[];
}
