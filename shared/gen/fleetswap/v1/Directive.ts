// Original file: proto/fleetswap.proto

import type { DirectiveKind as _fleetswap_v1_DirectiveKind, DirectiveKind__Output as _fleetswap_v1_DirectiveKind__Output } from '../../fleetswap/v1/DirectiveKind.js';
import type { Override as _fleetswap_v1_Override, Override__Output as _fleetswap_v1_Override__Output } from '../../fleetswap/v1/Override.js';
import type { Long } from '@grpc/proto-loader';

/**
 * Directive generations only grow; an agent ignores one it has applied.
 */
export interface Directive {
  'generation'?: (number | string | Long);
  'kind'?: (_fleetswap_v1_DirectiveKind);
  /**
   * a release id (64 lowercase hex digits); empty for CLEAN
   */
  'release_id'?: (string);
  /**
   * Lets an ACTIVATE take the host below its irreversible floor; signed with
   * a release key (rollback --force-irreversible --sign-key), never by the coordinator.
   */
  'override'?: (_fleetswap_v1_Override | null);
}

/**
 * Directive generations only grow; an agent ignores one it has applied.
 */
export interface Directive__Output {
  'generation': (number);
  'kind': (_fleetswap_v1_DirectiveKind__Output);
  /**
   * a release id (64 lowercase hex digits); empty for CLEAN
   */
  'release_id': (string);
  /**
   * Lets an ACTIVATE take the host below its irreversible floor; signed with
   * a release key (rollback --force-irreversible --sign-key), never by the coordinator.
   */
  'override': (_fleetswap_v1_Override__Output | null);
}
