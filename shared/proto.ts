import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './gen/fleetswap.js';
import type { AdminServiceHandlers } from './gen/fleetswap/v1/AdminService.js';

// Messages carry manifests of up to MAX_ENTRIES entries; gRPC's 4 MB default
// would refuse a large but legitimate tree.
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
export const BLOB_CHUNK_BYTES = 256 * 1024;

/** protoDir finds proto/ from both the TypeScript sources and dist/. */
function protoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'proto', 'fleetswap.proto'))) return join(dir, 'proto');
    dir = dirname(dir);
  }
  throw new Error('proto/fleetswap.proto not found beside the installation');
}

/**
 * AdminMethod is every rpc of AdminService in proto/. The generated handlers
 * interface also has grpc's string index signature, which is dropped here:
 * keyof alone would be `string`, and any name would do.
 */
export type AdminMethod = keyof { [M in keyof AdminServiceHandlers as string extends M ? never : M]: true };

type Services = { agent: ProtoGrpcType['fleetswap']['v1']['AgentService']; admin: ProtoGrpcType['fleetswap']['v1']['AdminService'] };

let cached: Services | undefined;

/** services are the clients (and, as .service, the definitions) of proto/fleetswap.proto, typed as shared/gen describes them. */
export function services(): Services {
  if (cached) return cached;
  const def = protoLoader.loadSync(join(protoDir(), 'fleetswap.proto'), {
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  // The one cast between proto and TypeScript: shared/gen was generated from this file with these options.
  const pkg = grpc.loadPackageDefinition(def) as unknown as ProtoGrpcType;
  cached = { agent: pkg.fleetswap.v1.AgentService, admin: pkg.fleetswap.v1.AdminService };
  return cached;
}

/**
 * channelOptions: keepalive on, so that a dead peer's stream does not
 * linger; and a channel-local subchannel pool, because grpc-js otherwise
 * shares one connection among every client in the process with the same
 * options, so agents simulated in one process would not be separate hosts
 * and a fresh client would inherit another's reconnect backoff.
 */
export const channelOptions: grpc.ChannelOptions = {
  'grpc.use_local_subchannel_pool': 1,
  // grpc-js backs off reconnects on its own (1 s growing to 120 s) and fails
  // calls fast meanwhile; stacked under the agent's jittered backoff that
  // left hosts away for half a minute after a two-second outage. Keep the
  // channel's short so the agent's own backoff decides.
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': 2_000,
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
};

export const serverOptions: grpc.ChannelOptions = {
  ...channelOptions,
  'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  'grpc.http2.max_ping_strikes': 0,
};
