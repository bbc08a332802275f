// Original file: proto/fleetswap.proto

import type { TokenInfo as _fleetswap_v1_TokenInfo, TokenInfo__Output as _fleetswap_v1_TokenInfo__Output } from '../../fleetswap/v1/TokenInfo.js';

export interface ListTokensReply {
  'tokens'?: (_fleetswap_v1_TokenInfo)[];
}

export interface ListTokensReply__Output {
  'tokens': (_fleetswap_v1_TokenInfo__Output)[];
}
