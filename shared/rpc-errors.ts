import * as grpc from '@grpc/grpc-js';
import { ERROR_CODES, FleetswapError, isErrorCode } from './errors.js';
import { NOT_A_COORDINATOR } from './tls.js';

// How a FleetswapError crosses the wire: the gRPC status says the class of
// failure, metadata `fleetswap-code` carries our stable code, and the details
// carry the one-line message (shared/errors.ts ERROR_CODES says which status
// each code travels as). Anything else becomes INTERNAL with no detail.

/** Metadata naming the leading coordinator, sent with NOT_LEADER: where a client goes next. */
export const LEADER_KEY = 'fleetswap-leader';

export function toServiceError(err: unknown): grpc.ServiceError {
  const md = new grpc.Metadata();
  if (err instanceof FleetswapError) {
    md.set('fleetswap-code', err.code);
    if (err.leader) md.set(LEADER_KEY, err.leader);
    return Object.assign(new Error(err.message), {
      code: grpc.status[ERROR_CODES[err.code].status],
      details: err.message,
      metadata: md,
    });
  }
  md.set('fleetswap-code', 'INTERNAL');
  return Object.assign(new Error('internal error'), { code: grpc.status.INTERNAL, details: 'internal error', metadata: md });
}

/**
 * failStream ends a server stream with an error status. grpc-js sends a
 * stream's status only when it ends: `destroy(err)` closes it on our side
 * without a word to the client, which then waits on a dead stream forever.
 * An 'error' event is what grpc-js turns into the status it sends.
 */
export function failStream(call: Pick<grpc.ServerWritableStream<unknown, unknown>, 'emit'>, err: unknown): void {
  call.emit('error', toServiceError(err));
}

/** fromServiceError turns a failed call back into a FleetswapError with a one-line message. */
export function fromServiceError(err: unknown, target: string): FleetswapError {
  const e = err as Partial<grpc.ServiceError>;
  const code = e.metadata?.get('fleetswap-code')[0];
  if (typeof code === 'string' && isErrorCode(code)) {
    const leader = e.metadata?.get(LEADER_KEY)[0];
    return new FleetswapError(code, e.details ?? 'failed', { leader: typeof leader === 'string' ? leader : undefined });
  }
  // A server whose certificate is not the coordinator's (an agent's, say) is refused, and said so.
  const role = new RegExp(`${NOT_A_COORDINATOR}: ([^\n.(]*)`).exec(e.details ?? '');
  if (role) return new FleetswapError('UNAVAILABLE', `refused the server at ${target}: ${NOT_A_COORDINATOR} (${role[1]!.trim()}); its certificate must be issued with --role coordinator`);
  // A TLS failure is not a coordinator that is down: say what to check instead.
  const tls = /certificate|altnames|self.signed|SSL|TLS/i.exec(e.details ?? '');
  if (e.code === grpc.status.UNAVAILABLE && tls) {
    const last = /Last error: (?:Error: )?([^\n.]*)/.exec(e.details ?? '')?.[1] ?? tls[0];
    return new FleetswapError('UNAVAILABLE', `no TLS connection to the coordinator at ${target} (${last}): check --ca (FLEETSWAP_CA) and that its certificate names this address (ca issue --san)`);
  }
  if (e.code === grpc.status.UNAVAILABLE || e.code === grpc.status.DEADLINE_EXCEEDED) {
    return new FleetswapError('UNAVAILABLE', `cannot reach the coordinator at ${target}: is it running? (set --coordinator or FLEETSWAP_COORDINATOR)`);
  }
  return new FleetswapError('INTERNAL', `coordinator call failed: ${e.details ?? e.message ?? String(err)}`);
}
