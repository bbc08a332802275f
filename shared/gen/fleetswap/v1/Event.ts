// Original file: proto/fleetswap.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Event is one entry of the event stream: what happened, for people.
 */
export interface Event {
  'id'?: (number | string | Long);
  /**
   * ISO 8601
   */
  'at'?: (string);
  /**
   * rollout.phase, rollout.verdict, rollout.rolled_back, rollout.paused, halt, unhalt, drift.found, drift.resolved
   */
  'kind'?: (string);
  /**
   * info | warning | critical
   */
  'severity'?: (string);
  'actor'?: (string);
  /**
   * one sentence; a verdict's evidence summary for a judgement
   */
  'reason'?: (string);
  /**
   * 0: not about a rollout
   */
  'rollout_id'?: (number | string | Long);
  'release_id'?: (string);
  'label'?: (string);
  'host'?: (string);
  /**
   * the dashboard page, when the coordinator knows its address
   */
  'link'?: (string);
  /**
   * the tags it concerns (a host's, a rollout's selector); empty: the whole fleet
   */
  'scope'?: ({[key: string]: string});
}

/**
 * Event is one entry of the event stream: what happened, for people.
 */
export interface Event__Output {
  'id': (number);
  /**
   * ISO 8601
   */
  'at': (string);
  /**
   * rollout.phase, rollout.verdict, rollout.rolled_back, rollout.paused, halt, unhalt, drift.found, drift.resolved
   */
  'kind': (string);
  /**
   * info | warning | critical
   */
  'severity': (string);
  'actor': (string);
  /**
   * one sentence; a verdict's evidence summary for a judgement
   */
  'reason': (string);
  /**
   * 0: not about a rollout
   */
  'rollout_id': (number);
  'release_id': (string);
  'label': (string);
  'host': (string);
  /**
   * the dashboard page, when the coordinator knows its address
   */
  'link': (string);
  /**
   * the tags it concerns (a host's, a rollout's selector); empty: the whole fleet
   */
  'scope': ({[key: string]: string});
}
