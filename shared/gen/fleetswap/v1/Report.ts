// Original file: proto/fleetswap.proto

import type { ReportKind as _fleetswap_v1_ReportKind, ReportKind__Output as _fleetswap_v1_ReportKind__Output } from '../../fleetswap/v1/ReportKind.js';
import type { StagingStats as _fleetswap_v1_StagingStats, StagingStats__Output as _fleetswap_v1_StagingStats__Output } from '../../fleetswap/v1/StagingStats.js';
import type { SlotInfo as _fleetswap_v1_SlotInfo, SlotInfo__Output as _fleetswap_v1_SlotInfo__Output } from '../../fleetswap/v1/SlotInfo.js';
import type { Long } from '@grpc/proto-loader';

export interface Report {
  'generation'?: (number | string | Long);
  'kind'?: (_fleetswap_v1_ReportKind);
  'release_id'?: (string);
  'error_code'?: (string);
  'error'?: (string);
  'stats'?: (_fleetswap_v1_StagingStats | null);
  /**
   * The host's state after handling the directive.
   */
  'live_release'?: (string);
  'slots'?: (_fleetswap_v1_SlotInfo)[];
}

export interface Report__Output {
  'generation': (number);
  'kind': (_fleetswap_v1_ReportKind__Output);
  'release_id': (string);
  'error_code': (string);
  'error': (string);
  'stats': (_fleetswap_v1_StagingStats__Output | null);
  /**
   * The host's state after handling the directive.
   */
  'live_release': (string);
  'slots': (_fleetswap_v1_SlotInfo__Output)[];
}
