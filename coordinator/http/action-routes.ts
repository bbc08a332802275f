import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FleetswapError } from '../../shared/errors.js';
import { tokenActor } from '../audit.js';
import { actAs } from '../admin-service.js';
import { field, reason, type Body } from './body.js';
import type { Ctx } from './server.js';

const ROLLOUT_ACTIONS = { promote: 'Promote', pause: 'Pause', resume: 'Resume', abort: 'Abort' } as const;
type RolloutVerb = keyof typeof ROLLOUT_ACTIONS;
const isRolloutVerb = (v: string): v is RolloutVerb => Object.hasOwn(ROLLOUT_ACTIONS, v);

function rolloutId(req: FastifyRequest): number {
  const raw = (req.params as { id?: string }).id ?? '';
  if (!/^\d{1,15}$/.test(raw) || Number(raw) <= 0) throw new FleetswapError('BAD_USAGE', `no rollout ${JSON.stringify(raw.slice(0, 40))}: give its number`);
  return Number(raw);
}

/**
 * actionRoutes are the dashboard's actions. Each request is checked by
 * Guard.act (origin, session, CSRF token, role, leader) before its body is
 * read, made with the
 * token's name as its actor (actAs, as the gRPC path does), and run by the
 * admin service's own operation: the same transaction, the same audit
 * entry. The dashboard asks for a reason for every one.
 */
export function actionRoutes(app: FastifyInstance, ctx: Ctx): void {
  const { guard, deps } = ctx;
  const { ops } = deps;
  const done = (what: string, actor: string, detail: object) => deps.log.info({ actor, ...detail, via: 'dashboard' }, what);

  app.post<{ Body: Body; Params: { id: string; verb: string } }>('/api/rollouts/:id/:verb', async (req) => {
    const verb = req.params.verb;
    if (!isRolloutVerb(verb)) throw new FleetswapError('BAD_USAGE', `no action ${JSON.stringify(verb.slice(0, 40))}: promote, pause, resume or abort`);
    const method = ROLLOUT_ACTIONS[verb];
    // The dashboard never forces past an irreversible release (that takes the CLI and a release key).
    const { caller } = await guard.act(req, method, { force_irreversible: false });
    const request = { rollout_id: rolloutId(req), actor: '', reason: reason(req.body), force_irreversible: false };
    actAs(caller, request);
    const { rollout } = await ops[method].run(request);
    done(`dashboard ${verb}`, tokenActor(caller.name), { rollout: request.rollout_id });
    return { rollout };
  });

  app.post<{ Body: Body }>('/api/rollback', async (req) => {
    const { caller } = await guard.act(req, 'Rollback', { force_irreversible: false });
    const request = { to: field(req.body, 'to', 128).trim(), select: {}, actor: '', reason: reason(req.body), force_irreversible: false, override: null };
    actAs(caller, request);
    const { rollout } = await ops.Rollback.run(request);
    done('dashboard rollback', tokenActor(caller.name), { to: request.to || 'previous' });
    return { rollout };
  });

  app.post<{ Body: Body }>('/api/halt', async (req) => {
    const { caller } = await guard.act(req, 'Halt', {});
    const request = { actor: '', reason: reason(req.body) };
    actAs(caller, request);
    const halt = await ops.Halt.run(request);
    done('dashboard halt', tokenActor(caller.name), {});
    return { halt };
  });

  app.post<{ Body: Body }>('/api/unhalt', async (req) => {
    const { caller } = await guard.act(req, 'Unhalt', {});
    const request = { actor: '', reason: reason(req.body) };
    actAs(caller, request);
    const halt = await ops.Unhalt.run(request);
    done('dashboard unhalt', tokenActor(caller.name), {});
    return { halt };
  });
}
