import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DRIFT_SCRIPT, DRIFT_STYLE, driftBody } from '../../cli/drift-html.js';
import { toDriftReport } from '../../cli/drift-report.js';
import { FleetswapError } from '../../shared/errors.js';
import { tokenHash } from '../auth.js';
import { driftReport } from '../drift.js';
import type { Asset } from './assets.js';
import { allowedAddress } from './options.js';
import { SignedOut } from './reply.js';
import type { Ctx } from './server.js';

/** The pages a signed-in browser may open, by path; each is a static file whose script reads the API. */
const PAGES: Readonly<Record<string, string>> = {
  '/fleet': 'pages/fleet.html',
  '/rollouts': 'pages/rollouts.html',
  '/releases': 'pages/releases.html',
  '/history': 'pages/history.html',
  '/audit': 'pages/audit.html',
};

/** Where files are served from: scripts, styles, uPlot. Pages are only served by their paths. */
const SERVED = /^(js|css|vendor)\/[A-Za-z0-9._-]+$/;

const bytes = (text: string, type: string): Asset => {
  const body = Buffer.from(text);
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
};

/**
 * pageRoutes serve the dashboard's pages and files, the drift page (the same
 * content as `drift --html`, from cli/drift-html.ts), and /metrics.
 */
export function pageRoutes(app: FastifyInstance, ctx: Ctx, assets: Map<string, Asset>): void {
  const { guard, deps } = ctx;
  // drift --html's own style and script, as files: the dashboard allows no inline ones.
  assets.set('css/drift.css', bytes(DRIFT_STYLE, 'text/css; charset=utf-8'));
  assets.set('js/drift.js', bytes(DRIFT_SCRIPT, 'text/javascript; charset=utf-8'));

  const send = (req: FastifyRequest, reply: FastifyReply, a: Asset, cache: string) => {
    if (req.headers['if-none-match'] === a.etag) return reply.code(304).header('etag', a.etag).send();
    return reply.type(a.type).header('etag', a.etag).header('cache-control', cache).send(a.body);
  };
  const page = (name: string): Asset => {
    const a = assets.get(name);
    if (!a) throw new FleetswapError('INTERNAL', `the dashboard has no ${name}`);
    return a;
  };
  /** signedInOrAway sends a browser with no session to sign in, and back here after. */
  const signedInOrAway = async (req: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    try {
      await guard.signedIn(req);
      return true;
    } catch (err) {
      if (!(err instanceof SignedOut)) throw err;
      await reply.redirect(`/signin?next=${encodeURIComponent(req.url)}`, 303);
      return false;
    }
  };

  app.get('/', async (_req, reply) => reply.redirect('/fleet', 303));
  // Browsers ask for it whatever the page says; there is none.
  app.get('/favicon.ico', async (_req, reply) => reply.code(204).header('cache-control', 'max-age=86400').send());
  app.get('/signin', async (req, reply) => send(req, reply, page('pages/signin.html'), 'no-store'));
  for (const [path, name] of Object.entries(PAGES)) {
    app.get(path, async (req, reply) => ((await signedInOrAway(req, reply)) ? send(req, reply, page(name), 'no-store') : reply));
  }
  app.get<{ Params: { id: string } }>('/rollouts/:id', async (req, reply) => {
    if (req.params.id !== 'current' && !/^\d{1,15}$/.test(req.params.id)) throw new FleetswapError('BAD_USAGE', 'give a rollout number, or current');
    return (await signedInOrAway(req, reply)) ? send(req, reply, page('pages/rollout.html'), 'no-store') : reply;
  });

  app.get<{ Params: { '*': string } }>('/static/*', async (req, reply) => {
    const name = req.params['*'];
    const a = SERVED.test(name) ? assets.get(name) : undefined;
    if (!a) return reply.code(404).send({ error: 'not found', code: 'BAD_USAGE' });
    // Revalidated every time (an ETag makes that cheap): a coordinator upgraded in place serves its new scripts at once.
    return send(req, reply, a, 'no-cache');
  });

  // The drift report rendered on the server, escaped as drift --html escapes it; drift-live.js reloads it when it changes.
  app.get('/drift', async (req, reply) => {
    if (!(await signedInOrAway(req, reply))) return reply;
    await guard.read(req, 'Drift');
    const report = toDriftReport(await driftReport(deps.store, deps.fleet, deps.now), deps.name);
    const html = page('pages/drift.html').body.toString().replace('<!--report-->', () => driftBody(report));
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
  });

  app.get('/api/drift/version', async (req, reply) => {
    await guard.read(req, 'Drift');
    const { generated_at: _at, ...rest } = await driftReport(deps.store, deps.fleet, deps.now);
    return reply.header('cache-control', 'no-store').send({ version: createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16) });
  });

  // Prometheus reads /metrics from an allowed address (--metrics-allow), with a bearer token (any role), or a signed-in browser.
  app.get('/metrics', async (req, reply) => {
    const source = ctx.server.metrics;
    if (!source) return reply.code(404).send({ error: 'no metrics on this coordinator', code: 'BAD_USAGE' });
    if (!allowedAddress(ctx.metricsAllow, req.socket.remoteAddress)) await metricsCaller(req);
    return reply.type(source.contentType).header('cache-control', 'no-store').send(await source.render());
  });

  /** metricsCaller lets in a bearer token of any role or a session; guesses count against the sign-in limit. */
  const metricsCaller = async (req: FastifyRequest): Promise<void> => {
    const header = req.headers.authorization;
    if (typeof header === 'string' && header.startsWith('Bearer ')) {
      if (ctx.attempts.spent(req.ip)) throw new FleetswapError('NOT_AUTHORISED', 'too many refused tokens from this address: try again in a minute');
      try {
        await deps.auth.check('Status', tokenHash(header.slice(7).trim()));
        return;
      } catch (err) {
        ctx.attempts.take(req.ip);
        throw err;
      }
    }
    try {
      await guard.read(req, 'Status');
    } catch (err) {
      if (err instanceof SignedOut) throw new FleetswapError('NOT_AUTHORISED', '/metrics needs an address in --metrics-allow, a bearer token, or a session');
      throw err;
    }
  };
}
