// Original file: proto/fleetswap.proto

import type { DesiredChange as _fleetswap_v1_DesiredChange, DesiredChange__Output as _fleetswap_v1_DesiredChange__Output } from '../../fleetswap/v1/DesiredChange.js';

export interface HistoryReply {
  'changes'?: (_fleetswap_v1_DesiredChange)[];
  'labels'?: ({[key: string]: string});
}

export interface HistoryReply__Output {
  'changes': (_fleetswap_v1_DesiredChange__Output)[];
  'labels': ({[key: string]: string});
}
