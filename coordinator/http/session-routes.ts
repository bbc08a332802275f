import type { FastifyInstance } from 'fastify';
import { FleetswapError } from '../../shared/errors.js';
import { tokenActor } from '../audit.js';
import { tokenHash } from '../auth.js';
import { CSRF_HEADER } from './guard.js';
import { field, type Body } from './body.js';
import { sameSecret } from './sessions.js';
import type { Ctx } from './server.js';

/**
 * sessionRoutes are sign-in (an API token, as the CLI uses, exchanged for a
 * session cookie), who is signed in, and sign-out.
 */
export function sessionRoutes(app: FastifyInstance, ctx: Ctx): void {
  const { sessions, guard, deps } = ctx;
  const cookieOptions = { path: '/', httpOnly: true, secure: ctx.tls, sameSite: 'strict' as const };

  app.post<{ Body: Body }>('/api/session', async (req, reply) => {
    // Another site's page must not sign a browser in with the attacker's token either.
    guard.sameOrigin(req);
    const turn = ctx.attempts.take(req.ip);
    if (!turn.ok) {
      deps.log.warn({ from: req.ip }, 'dashboard sign-in attempts over the limit');
      return reply.code(429).header('retry-after', String(turn.retryAfterS)).send({ error: `too many sign-in attempts: try again in ${turn.retryAfterS} s`, code: 'REFUSED' });
    }
    const token = field(req.body, 'token', 512).trim();
    if (!token) throw new FleetswapError('BAD_USAGE', 'give an API token (fleetswap token create; a new coordinator writes its first to DATA/admin.token)');
    const hash = tokenHash(token);
    const caller = await deps.auth.holder(hash).catch((err: unknown) => {
      deps.log.warn({ from: req.ip, err: (err as Error).message }, 'dashboard sign-in refused');
      throw err;
    });
    const session = sessions.create(hash, caller.name);
    deps.log.info({ actor: tokenActor(caller.name), role: caller.role, from: req.ip }, 'dashboard sign-in');
    const maxAge = Math.floor(ctx.sessionMaxMs / 1000);
    return reply
      .setCookie(ctx.cookie, session.id, { ...cookieOptions, maxAge })
      .header('cache-control', 'no-store')
      .send({ name: caller.name, role: caller.role, csrf: session.csrf });
  });

  app.get('/api/session', async (req, reply) => {
    const { session, caller } = await guard.signedIn(req);
    const cluster = await deps.cluster.view();
    const leader = cluster.coordinators.find((c) => c.leader);
    return reply.header('cache-control', 'no-store').send({
      name: caller.name,
      role: caller.role,
      csrf: session.csrf,
      tls: ctx.tls,
      leading: deps.leading(),
      leader: leader ? { name: leader.name, address: leader.address } : null,
      answered_by: cluster.answered_by,
    });
  });

  app.delete('/api/session', async (req, reply) => {
    guard.sameOrigin(req);
    const { session, caller } = await guard.signedIn(req);
    const sent = req.headers[CSRF_HEADER];
    if (!sameSecret(typeof sent === 'string' ? sent : undefined, session.csrf)) throw new FleetswapError('NOT_AUTHORISED', 'missing or wrong CSRF token: reload the page');
    sessions.end(session.id);
    deps.log.info({ actor: tokenActor(caller.name), from: req.ip }, 'dashboard sign-out');
    return reply.clearCookie(ctx.cookie, cookieOptions).header('cache-control', 'no-store').send({ signed_out: true });
  });
}
