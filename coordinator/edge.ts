import * as grpc from '@grpc/grpc-js';
import { FleetswapError, errorMessage } from '../shared/errors.js';
import { MAX_MESSAGE_BYTES } from '../shared/proto.js';
import type { Transport } from '../shared/tls.js';
import { isAdminMethod, type Auth } from './auth.js';
import type { AdminMethod } from '../shared/proto.js';
import { toServiceError } from '../shared/rpc-errors.js';
import { agentOf } from './peers.js';
import type { Revocation } from './revocation.js';
import type { Refusals } from './refusals.js';

// The coordinator's edge: who may open a call at all, and how large a
// message each method accepts. Both are checked before a handler runs, so a
// stranger cannot make the coordinator read (let alone decode) a message.

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * MESSAGE_LIMITS is the largest request message each method accepts, in
 * bytes. A manifest (RegisterRelease) is the only message that needs the
 * channel-wide 64 MiB; an agent's stream messages are a few KiB.
 */
const MESSAGE_LIMITS: Readonly<Record<string, number>> = {
  '/fleetswap.v1.AgentService/Connect': 1 * MiB,
  '/fleetswap.v1.AgentService/GetManifest': 64 * KiB,
  // 200,000 hashes of 64 hex digits: a whole manifest's worth.
  '/fleetswap.v1.AgentService/FetchBlobs': 16 * MiB,
  '/fleetswap.v1.AdminService/RegisterRelease': MAX_MESSAGE_BYTES,
  '/fleetswap.v1.AdminService/MissingBlobs': 16 * MiB,
  '/fleetswap.v1.AdminService/UploadBlobs': 2 * MiB,
};
const DEFAULT_LIMIT = 1 * MiB;

/** messageLimit is the largest request message `path` accepts. */
export function messageLimit(path: string): number {
  return MESSAGE_LIMITS[path] ?? DEFAULT_LIMIT;
}

/** Oversize stands in for a request message over its method's limit, which is never decoded. */
class Oversize {
  constructor(readonly message: string) {}
}

/**
 * withMessageLimits wraps a service definition so that a request message over
 * its method's limit is not decoded into objects (grpc-js checks only the
 * channel-wide limit); edgeInterceptor then ends the call with the reason.
 */
export function withMessageLimits(def: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, m] of Object.entries(def as Record<string, grpc.MethodDefinition<unknown, unknown>>)) {
    const limit = messageLimit(m.path);
    const decode = m.requestDeserialize;
    out[name] = {
      ...m,
      requestDeserialize: (buf: Buffer) => (buf.length > limit ? new Oversize(`a ${name} message of ${buf.length} bytes is over its limit of ${limit}`) : decode(buf)),
    };
  }
  return out as grpc.ServiceDefinition;
}

const AGENT_SERVICE = '/fleetswap.v1.AgentService/';
const ADMIN_SERVICE = '/fleetswap.v1.AdminService/';

/**
 * edgeInterceptor refuses a call before any of its messages is read: agent
 * calls under TLS need an agent certificate, admin calls a token whose role
 * allows the method. It also ends a call whose message was over its size.
 * The handlers check again with the request in hand (which host, which
 * release, which flags); this only keeps strangers from being read.
 */
/**
 * FOLLOWER_SERVES says which admin methods a follower answers itself (reads
 * of the shared database, nothing only the leader's memory holds); every
 * other one, and every agent stream, is refused with NOT_LEADER naming the
 * leader, for the client to go there. A method added to proto/ without an
 * entry here does not compile.
 */
export const FOLLOWER_SERVES: Readonly<Record<AdminMethod, boolean>> = {
  ListReleases: true,
  // Answered anywhere, so that it can say who leads (or that none does yet);
  // the CLI asks the leader again for its view of the fleet (admin-client.ts).
  Status: true,
  // Which hosts are connected, and their last vitals, only the leader knows.
  ListHosts: false,
  History: true,
  Drift: false,
  Audit: true,
  ListTokens: true,
  MissingBlobs: false,
  UploadBlobs: false,
  RegisterRelease: false,
  Deploy: false,
  Rollback: false,
  Promote: false,
  Pause: false,
  Resume: false,
  Abort: false,
  Halt: false,
  Unhalt: false,
  SetDriftPolicy: false,
  DriftClean: false,
  CreateToken: false,
  RevokeToken: false,
  // Reads of the shared database; receivers are added, removed and tried on the leader, which delivers.
  Events: true,
  ListNotify: true,
  AddNotify: false,
  RemoveNotify: false,
  TestNotify: false,
};

/** leaderOnly: a call to `path` needs the leader (an agent's stream, or an admin method a follower does not serve). */
function leaderOnly(path: string): boolean {
  if (path === `${AGENT_SERVICE}Connect`) return true;
  const name = path.slice(ADMIN_SERVICE.length);
  return path.startsWith(ADMIN_SERVICE) && isAdminMethod(name) && !FOLLOWER_SERVES[name];
}

export function edgeInterceptor(deps: { transport: Transport; revocation: Revocation; auth: Auth; refusals: Refusals; requireLeader: () => Promise<void> }): grpc.ServerInterceptor {
  const { auth, refusals } = deps;
  return (method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start: (next) => {
        next({
          // The token is looked up in the database: the call's messages wait (grpc-js holds them) until it is known.
          onReceiveMetadata: (metadata, pass) => {
            const check = async (): Promise<void> => {
              if (method.path.startsWith(AGENT_SERVICE)) agentOf(call, deps, method.path.slice(AGENT_SERVICE.length));
              else if (method.path.startsWith(ADMIN_SERVICE)) await auth.authorize(method.path.slice(ADMIN_SERVICE.length), metadata);
              if (leaderOnly(method.path)) await deps.requireLeader();
            };
            check().then(
              () => pass(metadata),
              (err: unknown) => {
                if (err instanceof FleetswapError && err.code === 'NOT_LEADER') {
                  const e = toServiceError(err);
                  call.sendStatus({ code: e.code, details: e.details, metadata: e.metadata });
                  return;
                }
                refusals.count('unauthenticated');
                call.sendStatus({ code: grpc.status.PERMISSION_DENIED, details: errorMessage(err), metadata: codeMetadata(err) });
              },
            );
          },
          onReceiveMessage: (message, pass) => {
            if (message instanceof Oversize) {
              refusals.count('oversize');
              call.sendStatus({ code: grpc.status.RESOURCE_EXHAUSTED, details: message.message });
              return;
            }
            pass(message);
          },
        });
      },
    });
}

function codeMetadata(err: unknown): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('fleetswap-code', err instanceof FleetswapError ? err.code : 'NOT_AUTHORISED');
  return md;
}
