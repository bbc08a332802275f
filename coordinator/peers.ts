import type { ServerUnaryCall } from '@grpc/grpc-js';
import { FleetswapError } from '../shared/errors.js';
import { failStream } from '../shared/rpc-errors.js';
import { peerIdentity, type PeerIdentity, type Transport } from '../shared/tls.js';
import type { Fleet } from './fleet.js';
import type { Revocation } from './revocation.js';

/** A server call that can say which certificate its client presented (every grpc-js server call can). */
export type CertifiedCall = Pick<ServerUnaryCall<unknown, unknown>, 'getAuthContext'>;

/**
 * agentPeer is who an agent's call comes from under TLS: a certificate the
 * fleet CA signed, still valid, not revoked, for the agent role. Anything
 * else is refused (NOT_AUTHORISED, so PERMISSION_DENIED on the wire) with the
 * reason; a revoked certificate is also audited. Every AgentService call
 * that needs to know its host asks here (`what` names the call, for the
 * audit), so the checks cannot differ between calls.
 */
export function agentPeer(call: CertifiedCall, caPem: Buffer, revocation: Revocation, what: string): PeerIdentity {
  const peer = peerIdentity(call.getAuthContext().sslPeerCertificate?.raw, caPem);
  if (!peer) throw new FleetswapError('NOT_AUTHORISED', 'agents need a client certificate from the fleet CA (fleetswap ca issue DIR HOST --role agent; agent --cert --key)');
  if (revocation.isRevoked(peer)) throw revocation.refusal(peer, what);
  if (peer.role !== 'agent') throw new FleetswapError('NOT_AUTHORISED', `certificate ${peer.name} is for a ${peer.role || 'no'} role, not an agent`);
  return peer;
}

/**
 * agentOf is agentPeer for a coordinator that may run in plaintext: under
 * --insecure nobody can be told apart, and undefined says so.
 */
export function agentOf(call: CertifiedCall, deps: { transport: Transport; revocation: Revocation }, what: string): PeerIdentity | undefined {
  return 'tls' in deps.transport ? agentPeer(call, deps.transport.tls.ca, deps.revocation, what) : undefined;
}

/** closeRevoked ends, at once, the stream of every connected host whose certificate is now revoked (each refusal is logged and audited). */
export function closeRevoked(fleet: Fleet, caPem: Buffer, revocation: Revocation): void {
  for (const [, call] of [...fleet.streams()]) {
    const peer = peerIdentity(call.getAuthContext().sslPeerCertificate?.raw, caPem);
    if (peer && revocation.isRevoked(peer)) failStream(call, revocation.refusal(peer, 'Connect (open stream)'));
  }
}
