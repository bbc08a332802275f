// Original file: proto/fleetswap.proto

import type { NotifyReceiver as _fleetswap_v1_NotifyReceiver, NotifyReceiver__Output as _fleetswap_v1_NotifyReceiver__Output } from '../../fleetswap/v1/NotifyReceiver.js';

export interface ListNotifyReply {
  'receivers'?: (_fleetswap_v1_NotifyReceiver)[];
}

export interface ListNotifyReply__Output {
  'receivers': (_fleetswap_v1_NotifyReceiver__Output)[];
}
