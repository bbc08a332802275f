// Original file: proto/fleetswap.proto

import type { VitalsSample as _fleetswap_v1_VitalsSample, VitalsSample__Output as _fleetswap_v1_VitalsSample__Output } from '../../fleetswap/v1/VitalsSample.js';

/**
 * VitalsBatch carries the samples taken since the last batch. `dropped`
 * counts samples the agent had to discard (its buffer is bounded while the
 * coordinator is away), so that no loss is silent.
 */
export interface VitalsBatch {
  'samples'?: (_fleetswap_v1_VitalsSample)[];
  'dropped'?: (number);
}

/**
 * VitalsBatch carries the samples taken since the last batch. `dropped`
 * counts samples the agent had to discard (its buffer is bounded while the
 * coordinator is away), so that no loss is silent.
 */
export interface VitalsBatch__Output {
  'samples': (_fleetswap_v1_VitalsSample__Output)[];
  'dropped': (number);
}
