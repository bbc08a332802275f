// Original file: proto/fleetswap.proto

import type { Host as _fleetswap_v1_Host, Host__Output as _fleetswap_v1_Host__Output } from '../../fleetswap/v1/Host.js';
import type { HaltState as _fleetswap_v1_HaltState, HaltState__Output as _fleetswap_v1_HaltState__Output } from '../../fleetswap/v1/HaltState.js';

export interface ListHostsReply {
  'hosts'?: (_fleetswap_v1_Host)[];
  'labels'?: ({[key: string]: string});
  'halt'?: (_fleetswap_v1_HaltState | null);
}

export interface ListHostsReply__Output {
  'hosts': (_fleetswap_v1_Host__Output)[];
  'labels': ({[key: string]: string});
  'halt': (_fleetswap_v1_HaltState__Output | null);
}
