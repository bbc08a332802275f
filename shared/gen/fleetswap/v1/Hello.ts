// Original file: proto/fleetswap.proto

import type { SlotInfo as _fleetswap_v1_SlotInfo, SlotInfo__Output as _fleetswap_v1_SlotInfo__Output } from '../../fleetswap/v1/SlotInfo.js';
import type { Report as _fleetswap_v1_Report, Report__Output as _fleetswap_v1_Report__Output } from '../../fleetswap/v1/Report.js';
import type { Long } from '@grpc/proto-loader';

/**
 * Hello is the first message on every Connect stream.
 */
export interface Hello {
  'host_id'?: (string);
  'tags'?: ({[key: string]: string});
  'slot_count'?: (number);
  'slots'?: (_fleetswap_v1_SlotInfo)[];
  'live_release'?: (string);
  /**
   * last_generation is the highest directive generation the agent has
   * applied, persisted across restarts.
   */
  'last_generation'?: (number | string | Long);
  'agent_version'?: (string);
  /**
   * last_report repeats how the last directive ended, in case the stream
   * that carried the report died with it.
   */
  'last_report'?: (_fleetswap_v1_Report | null);
  /**
   * The agent stages releases nobody signed (--allow-unsigned): shown to ops.
   */
  'unsigned_allowed'?: (boolean);
}

/**
 * Hello is the first message on every Connect stream.
 */
export interface Hello__Output {
  'host_id': (string);
  'tags': ({[key: string]: string});
  'slot_count': (number);
  'slots': (_fleetswap_v1_SlotInfo__Output)[];
  'live_release': (string);
  /**
   * last_generation is the highest directive generation the agent has
   * applied, persisted across restarts.
   */
  'last_generation': (number);
  'agent_version': (string);
  /**
   * last_report repeats how the last directive ended, in case the stream
   * that carried the report died with it.
   */
  'last_report': (_fleetswap_v1_Report__Output | null);
  /**
   * The agent stages releases nobody signed (--allow-unsigned): shown to ops.
   */
  'unsigned_allowed': (boolean);
}
