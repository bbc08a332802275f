// Original file: proto/fleetswap.proto

import type { SlotInfo as _fleetswap_v1_SlotInfo, SlotInfo__Output as _fleetswap_v1_SlotInfo__Output } from '../../fleetswap/v1/SlotInfo.js';
import type { StagingStats as _fleetswap_v1_StagingStats, StagingStats__Output as _fleetswap_v1_StagingStats__Output } from '../../fleetswap/v1/StagingStats.js';
import type { VitalsSample as _fleetswap_v1_VitalsSample, VitalsSample__Output as _fleetswap_v1_VitalsSample__Output } from '../../fleetswap/v1/VitalsSample.js';

export interface Host {
  'id'?: (string);
  'tags'?: ({[key: string]: string});
  'connected'?: (boolean);
  'last_seen'?: (string);
  'live_release'?: (string);
  'desired_release'?: (string);
  'slot_count'?: (number);
  'slots'?: (_fleetswap_v1_SlotInfo)[];
  'last_staging'?: (_fleetswap_v1_StagingStats | null);
  'last_error'?: (string);
  'last_vitals'?: (_fleetswap_v1_VitalsSample | null);
  'unsigned_allowed'?: (boolean);
  /**
   * as in the drift report: in-sync | content-drift | version-drift | no-release | offline | converging
   */
  'state'?: (string);
}

export interface Host__Output {
  'id': (string);
  'tags': ({[key: string]: string});
  'connected': (boolean);
  'last_seen': (string);
  'live_release': (string);
  'desired_release': (string);
  'slot_count': (number);
  'slots': (_fleetswap_v1_SlotInfo__Output)[];
  'last_staging': (_fleetswap_v1_StagingStats__Output | null);
  'last_error': (string);
  'last_vitals': (_fleetswap_v1_VitalsSample__Output | null);
  'unsigned_allowed': (boolean);
  /**
   * as in the drift report: in-sync | content-drift | version-drift | no-release | offline | converging
   */
  'state': (string);
}
