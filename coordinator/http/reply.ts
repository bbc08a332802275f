import type { FastifyReply } from 'fastify';
import { ERROR_CODES, errorMessage, FleetswapError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';

/** SignedOut refuses a request with no live session (401: the page goes to sign-in). */
export class SignedOut extends FleetswapError {
  constructor(message = 'sign in first: no session, or it ended') {
    super('NOT_AUTHORISED', message);
  }
}

/** An error's HTTP status, from the gRPC status its code crosses the wire with (shared/errors.ts). */
const STATUS: Readonly<Record<(typeof ERROR_CODES)[keyof typeof ERROR_CODES]['status'], number>> = {
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  FAILED_PRECONDITION: 409,
  PERMISSION_DENIED: 403,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** ErrorBody is every refusal's JSON: one line, the stable code, and with NOT_LEADER where the leader is. */
export interface ErrorBody {
  error: string;
  code: string;
  leader?: string;
}

/** httpError is how a thrown error is answered: a FleetswapError as itself; anything else as an internal error, logged, its text not shown. */
export function httpError(err: unknown, log: Logger): { status: number; body: ErrorBody } {
  if (err instanceof SignedOut) return { status: 401, body: { error: err.message, code: err.code } };
  if (err instanceof FleetswapError) {
    const body: ErrorBody = { error: err.message, code: err.code };
    if (err.leader) body.leader = err.leader;
    return { status: STATUS[ERROR_CODES[err.code].status], body };
  }
  // fastify's own refusals (body too large, unsupported media type, bad JSON) carry their status.
  const e = err as { statusCode?: unknown; code?: unknown };
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, body: { error: errorMessage(err), code: 'BAD_USAGE' } };
  }
  log.error({ err: errorMessage(err), stack: (err as Error).stack }, 'dashboard request failed');
  return { status: 500, body: { error: 'internal error (see the coordinator log)', code: 'INTERNAL' } };
}

export function sendError(reply: FastifyReply, err: unknown, log: Logger): FastifyReply {
  const { status, body } = httpError(err, log);
  return reply.code(status).header('cache-control', 'no-store').send(body);
}
