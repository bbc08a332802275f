// Original file: proto/fleetswap.proto

import type { Rollout as _fleetswap_v1_Rollout, Rollout__Output as _fleetswap_v1_Rollout__Output } from '../../fleetswap/v1/Rollout.js';
import type { VitalsCounters as _fleetswap_v1_VitalsCounters, VitalsCounters__Output as _fleetswap_v1_VitalsCounters__Output } from '../../fleetswap/v1/VitalsCounters.js';
import type { HaltState as _fleetswap_v1_HaltState, HaltState__Output as _fleetswap_v1_HaltState__Output } from '../../fleetswap/v1/HaltState.js';
import type { CoordinatorMember as _fleetswap_v1_CoordinatorMember, CoordinatorMember__Output as _fleetswap_v1_CoordinatorMember__Output } from '../../fleetswap/v1/CoordinatorMember.js';
import type { NotifyReceiver as _fleetswap_v1_NotifyReceiver, NotifyReceiver__Output as _fleetswap_v1_NotifyReceiver__Output } from '../../fleetswap/v1/NotifyReceiver.js';
import type { Long } from '@grpc/proto-loader';

export interface StatusReply {
  /**
   * the newest rollout, if any
   */
  'rollout'?: (_fleetswap_v1_Rollout | null);
  /**
   * release id -> hosts running it
   */
  'live_counts'?: ({[key: string]: number});
  'hosts'?: (number);
  'connected'?: (number);
  /**
   * release id -> label, for display
   */
  'labels'?: ({[key: string]: string});
  'vitals'?: (_fleetswap_v1_VitalsCounters | null);
  'halt'?: (_fleetswap_v1_HaltState | null);
  /**
   * the coordinator's clock, for "time left in the bake"
   */
  'now_ms'?: (number | string | Long);
  /**
   * plaintext (--insecure): shown to everyone, with "anyone can fetch code"
   */
  'insecure'?: (boolean);
  /**
   * What hosts and strangers were refused since start, by kind
   * (fetch-denied, hello-refused, vitals-throttled, generation-claim, ...).
   */
  'refusals'?: ({[key: string]: number});
  /**
   * hosts the coordinator has no desired release for (no complete rollout covers their tags)
   */
  'no_release'?: (number);
  /**
   * Several coordinators on one PostgreSQL database: each seen in the last
   * minute, the leader marked; empty for a single coordinator on SQLite.
   */
  'coordinators'?: (_fleetswap_v1_CoordinatorMember)[];
  /**
   * the name of the coordinator that answered
   */
  'answered_by'?: (string);
  /**
   * the leader's epoch (0: no leader, or a single coordinator)
   */
  'epoch'?: (number | string | Long);
  /**
   * each notification receiver: delivered, pending, given up
   */
  'notify'?: (_fleetswap_v1_NotifyReceiver)[];
}

export interface StatusReply__Output {
  /**
   * the newest rollout, if any
   */
  'rollout': (_fleetswap_v1_Rollout__Output | null);
  /**
   * release id -> hosts running it
   */
  'live_counts': ({[key: string]: number});
  'hosts': (number);
  'connected': (number);
  /**
   * release id -> label, for display
   */
  'labels': ({[key: string]: string});
  'vitals': (_fleetswap_v1_VitalsCounters__Output | null);
  'halt': (_fleetswap_v1_HaltState__Output | null);
  /**
   * the coordinator's clock, for "time left in the bake"
   */
  'now_ms': (number);
  /**
   * plaintext (--insecure): shown to everyone, with "anyone can fetch code"
   */
  'insecure': (boolean);
  /**
   * What hosts and strangers were refused since start, by kind
   * (fetch-denied, hello-refused, vitals-throttled, generation-claim, ...).
   */
  'refusals': ({[key: string]: number});
  /**
   * hosts the coordinator has no desired release for (no complete rollout covers their tags)
   */
  'no_release': (number);
  /**
   * Several coordinators on one PostgreSQL database: each seen in the last
   * minute, the leader marked; empty for a single coordinator on SQLite.
   */
  'coordinators': (_fleetswap_v1_CoordinatorMember__Output)[];
  /**
   * the name of the coordinator that answered
   */
  'answered_by': (string);
  /**
   * the leader's epoch (0: no leader, or a single coordinator)
   */
  'epoch': (number);
  /**
   * each notification receiver: delivered, pending, given up
   */
  'notify': (_fleetswap_v1_NotifyReceiver__Output)[];
}
