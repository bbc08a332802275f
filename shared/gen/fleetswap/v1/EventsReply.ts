// Original file: proto/fleetswap.proto

import type { Event as _fleetswap_v1_Event, Event__Output as _fleetswap_v1_Event__Output } from '../../fleetswap/v1/Event.js';

export interface EventsReply {
  'events'?: (_fleetswap_v1_Event)[];
  'more'?: (boolean);
}

export interface EventsReply__Output {
  'events': (_fleetswap_v1_Event__Output)[];
  'more': (boolean);
}
