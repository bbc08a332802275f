import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FleetswapError } from '../../shared/errors.js';
import { isoFromMs } from '../times.js';
import type { Ctx } from './server.js';

// At most this many live feeds at once per session, and in all: each holds a connection.
const FEEDS_PER_SESSION = 6;
const FEEDS_IN_ALL = 200;
const LIST_PAGE = 50;

/** rolloutRef reads a rollout number from the path: `current` (the active one, else the newest) or a number. */
function rolloutRef(req: FastifyRequest): number | 'current' {
  const raw = (req.params as { id?: string }).id ?? '';
  if (raw === 'current') return 'current';
  const n = Number(raw);
  if (!/^\d{1,15}$/.test(raw) || n <= 0) throw new FleetswapError('BAD_USAGE', `no rollout ${JSON.stringify(raw.slice(0, 40))}: give its number`);
  return n;
}

/** rolloutRoutes: the list of rollouts, one rollout's page, and its live feed (server-sent events, at most one a second). */
export function rolloutRoutes(app: FastifyInstance, ctx: Ctx): void {
  const { guard, deps, pages } = ctx;
  const perSession = new Map<string, number>();

  app.get('/api/rollouts', async (req, reply) => {
    await guard.read(req, 'Status');
    const q = req.query as Record<string, unknown>;
    const before = q.before === undefined ? undefined : Number(q.before);
    if (before !== undefined && !(Number.isSafeInteger(before) && before > 0)) throw new FleetswapError('BAD_USAGE', 'before must be a rollout number');
    const [rows, labels] = await Promise.all([deps.store.rollouts.recent(LIST_PAGE, before), deps.store.releases.labels()]);
    return reply.header('cache-control', 'no-store').send({
      rollouts: rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        state: r.state,
        release_id: r.release_id,
        release_label: labels[r.release_id] ?? r.release_id.slice(0, 12),
        from_release: r.from_release,
        from_label: labels[r.from_release] ?? r.from_release.slice(0, 12),
        actor: r.actor,
        reason: r.reason,
        message: r.message,
        created_at: isoFromMs(r.created_at_ms),
        updated_at: isoFromMs(r.updated_at_ms),
      })),
      more: rows.length === LIST_PAGE,
    });
  });

  app.get('/api/rollouts/:id', async (req, reply) => {
    await guard.read(req, 'Status');
    const ref = rolloutRef(req);
    const id = ref === 'current' ? await pages.currentId() : ref;
    if (id === 0) return reply.header('cache-control', 'no-store').send({ rollout: null });
    await ctx.audit.catchUp();
    return reply.header('cache-control', 'no-store').send(await pages.page(id));
  });

  app.get('/api/rollouts/:id/live', async (req, reply) => {
    const { session } = await guard.read(req, 'Status');
    const ref = rolloutRef(req);
    const mine = perSession.get(session.id) ?? 0;
    if (mine >= FEEDS_PER_SESSION || ctx.feeds.followers >= FEEDS_IN_ALL) {
      return reply.code(429).send({ error: 'too many live pages open: close some', code: 'REFUSED' });
    }
    if (ref !== 'current') await deps.engine.view(ref);
    perSession.set(session.id, mine + 1);
    const headers = { ...reply.getHeaders(), 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' };
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, headers as Record<string, string>);
    // The browser waits this long before reconnecting when the feed ends.
    res.write('retry: 3000\n\n');
    let open = true;
    let unfollow: (() => void) | undefined;
    res.on('close', () => {
      open = false;
      unfollow?.();
      const n = (perSession.get(session.id) ?? 1) - 1;
      if (n > 0) perSession.set(session.id, n);
      else perSession.delete(session.id);
    });
    unfollow = await ctx.feeds.follow(
      `rollout:${ref}`,
      async () => {
        const id = ref === 'current' ? await pages.currentId() : ref;
        return JSON.stringify(id === 0 ? { rollout: null } : await pages.page(id));
      },
      {
        send: (event, data) => {
          if (open) res.write(event ? `event: ${event}\ndata: ${data}\n\n` : ': ping\n\n');
        },
        still: async () => {
          try {
            await guard.signedIn(req);
            return true;
          } catch {
            return false;
          }
        },
        close: () => res.end(),
      },
    );
    // Closed while the first page was built.
    if (!open) unfollow();
  });
}
