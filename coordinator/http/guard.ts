import type { FastifyRequest } from 'fastify';
import { FleetswapError } from '../../shared/errors.js';
import type { AdminMethod } from '../../shared/proto.js';
import { permit, type Auth, type Caller } from '../auth.js';
import { FOLLOWER_SERVES } from '../edge.js';
import { SignedOut } from './reply.js';
import { sameSecret, type Session, type Sessions } from './sessions.js';

/** The header a page sends its session's CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

export interface SignedIn {
  session: Session;
  caller: Caller;
}

export interface GuardDeps {
  sessions: Sessions;
  auth: Auth;
  tls: boolean;
  cookie: string;
  requireLeader(): Promise<void>;
}

/**
 * Guard is every check a dashboard request passes before it reads or acts,
 * the same checks as the admin gRPC service: the token behind the session
 * (looked up on every request), the role the method needs (`permit`, with
 * METHOD_ROLES), and what a follower serves (FOLLOWER_SERVES). A request
 * that changes anything also has to come from the dashboard's own origin
 * and carry the session's CSRF token.
 */
export class Guard {
  constructor(private readonly d: GuardDeps) {}

  /** signedIn is the request's session and who holds its token; a token revoked since ends every session it opened. */
  async signedIn(req: FastifyRequest): Promise<SignedIn> {
    const session = this.d.sessions.get(req.cookies[this.d.cookie]);
    if (!session) throw new SignedOut();
    try {
      return { session, caller: await this.d.auth.holder(session.tokenHash) };
    } catch (err) {
      if (err instanceof FleetswapError && err.code === 'NOT_AUTHORISED') {
        this.d.sessions.endAllOf(session.tokenHash);
        throw new SignedOut(`signed out: ${err.message}`);
      }
      throw err;
    }
  }

  /** read lets a request read what `method` reads: signed in, the role, and served by a follower or by the leader only. */
  async read(req: FastifyRequest, method: AdminMethod): Promise<SignedIn> {
    const s = await this.signedIn(req);
    permit(s.caller, method);
    if (!FOLLOWER_SERVES[method]) await this.d.requireLeader();
    return s;
  }

  /**
   * act lets a request do what `method` does: from this origin, signed in,
   * with the session's CSRF token, the role for the method and for what the
   * request asks, and only on the leader (a follower names it).
   */
  async act(req: FastifyRequest, method: AdminMethod, request: object): Promise<SignedIn> {
    this.sameOrigin(req);
    const s = await this.signedIn(req);
    const sent = req.headers[CSRF_HEADER];
    if (!sameSecret(typeof sent === 'string' ? sent : undefined, s.session.csrf)) throw new FleetswapError('NOT_AUTHORISED', 'missing or wrong CSRF token: reload the page');
    permit(s.caller, method, request);
    await this.d.requireLeader();
    return s;
  }

  /**
   * sameOrigin refuses a state-changing request another site's page made:
   * its Origin must be this listener's, and Sec-Fetch-Site, when the browser
   * sends it, same-origin. A request with no Origin is refused too (every
   * browser sends one with a POST or DELETE).
   */
  sameOrigin(req: FastifyRequest): void {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') throw new FleetswapError('NOT_AUTHORISED', `cross-site request refused (${String(site)})`);
    const origin = req.headers.origin;
    const host = req.headers.host;
    if (!origin || !host || origin !== `${this.d.tls ? 'https' : 'http'}://${host}`) throw new FleetswapError('NOT_AUTHORISED', 'request from another origin refused');
  }
}
