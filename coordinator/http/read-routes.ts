import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FleetswapError } from '../../shared/errors.js';
import type { Host } from '../../shared/gen/fleetswap/v1/Host.js';
import { isoFromMs } from '../times.js';
import { releaseDiff } from '../release-diff.js';
import { rolloutRoutes } from './rollout-routes.js';
import type { Ctx } from './server.js';

/** FleetHost is one row of the fleet page: what `fleetswap hosts` shows, without the slots' detail. */
export interface FleetHost {
  id: string;
  tags: Record<string, string>;
  state: string;
  connected: boolean;
  last_seen: string;
  live: string;
  desired: string;
  slots: { used: number; count: number; evidence: number };
  vitals: { at: string; load1: number; cpu_pct: number; mem_pct: number; error_lines: number; probe_ms: number | null; probe_ok: boolean | null } | null;
  last_error: string;
  unsigned_allowed: boolean;
}

const AUDIT_PAGE = 500;

/** fleetHost is a host as the fleet page lists it. */
export function fleetHost(h: Host): FleetHost {
  const slots = h.slots ?? [];
  const v = h.last_vitals;
  return {
    id: h.id ?? '',
    tags: h.tags ?? {},
    state: h.state ?? '',
    connected: h.connected ?? false,
    last_seen: h.last_seen ?? '',
    live: h.live_release ?? '',
    desired: h.desired_release ?? '',
    slots: { used: slots.filter((s) => s.release_id).length, count: h.slot_count ?? 0, evidence: slots.filter((s) => s.evidence).length },
    vitals: v
      ? {
          at: isoFromMs(Number(v.ts_ms ?? 0)),
          // The reply's doubles are typed number | string (proto-loader's input form); here they are numbers.
          load1: Number(v.load1 ?? 0),
          cpu_pct: Number(v.cpu_pct ?? 0),
          mem_pct: Number(v.mem_pct ?? 0),
          error_lines: v.error_lines ?? 0,
          probe_ms: v.probed ? Number(v.probe_latency_ms ?? 0) : null,
          probe_ok: v.probed ? (v.probe_ok ?? false) : null,
        }
      : null,
    last_error: h.last_error ?? '',
    unsigned_allowed: h.unsigned_allowed ?? false,
  };
}

/** json answers a read: never cached (what it says changes by the second and is per session). */
const json = (reply: FastifyReply, body: unknown) => reply.header('cache-control', 'no-store').send(body);

function intParam(req: FastifyRequest, name: string, fallback: number): number {
  const raw = (req.query as Record<string, unknown>)[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isSafeInteger(n) || n < 0) throw new FleetswapError('BAD_USAGE', `${name} must be a whole number`);
  return n;
}

function textParam(req: FastifyRequest, name: string): string {
  const raw = (req.query as Record<string, unknown>)[name];
  if (typeof raw !== 'string' || raw === '' || raw.length > 128) throw new FleetswapError('BAD_USAGE', `give ${name}: a release label or id`);
  return raw;
}

/**
 * readRoutes are the dashboard's JSON reads, each behind the role its
 * admin method needs and answered by a follower only where the admin
 * service's follower is (FOLLOWER_SERVES), built on the admin service's own
 * operations.
 */
export function readRoutes(app: FastifyInstance, ctx: Ctx): void {
  const { guard, deps } = ctx;
  const { ops } = deps;

  app.get('/api/fleet', async (req, reply) => {
    await guard.read(req, 'ListHosts');
    const r = await ops.ListHosts.run({});
    return json(reply, { hosts: (r.hosts ?? []).map(fleetHost), labels: r.labels ?? {}, halt: r.halt ?? null });
  });

  app.get('/api/status', async (req, reply) => {
    await guard.read(req, 'Status');
    return json(reply, await ops.Status.run({ rollout_id: 0 }));
  });

  app.get('/api/releases', async (req, reply) => {
    await guard.read(req, 'ListReleases');
    return json(reply, await ops.ListReleases.run({}));
  });

  app.get('/api/releases/diff', async (req, reply) => {
    await guard.read(req, 'ListReleases');
    return json(reply, await releaseDiff(deps.store, textParam(req, 'from'), textParam(req, 'to')));
  });

  app.get('/api/history', async (req, reply) => {
    await guard.read(req, 'History');
    return json(reply, await ops.History.run({}));
  });

  // The newest entries first (a page of them), and the chain's state as this coordinator has checked it.
  app.get('/api/audit', async (req, reply) => {
    await guard.read(req, 'Audit');
    const head = deps.audit.headOf().id;
    const before = intParam(req, 'before', head + 1);
    const limit = Math.min(intParam(req, 'limit', AUDIT_PAGE), 5_000);
    const after = Math.max(0, before - 1 - limit);
    const page = await ops.Audit.run({ after_id: after, limit: before - 1 - after });
    const full = (req.query as Record<string, unknown>).verify === 'full';
    const chain = full ? await ctx.audit.verifyAll() : await ctx.audit.state();
    return json(reply, { entries: [...(page.entries ?? [])].reverse(), head_id: page.head_id, chain });
  });

  app.get('/api/drift', async (req, reply) => {
    await guard.read(req, 'Drift');
    return json(reply, await ops.Drift.run({}));
  });

  rolloutRoutes(app, ctx);
}
