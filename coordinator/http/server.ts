import type { BlockList } from 'node:net';
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { FleetswapError } from '../../shared/errors.js';
import type { AdminOperations } from '../admin-service.js';
import type { ServiceDeps } from '../deps.js';
import { actionRoutes } from './action-routes.js';
import { loadAssets } from './assets.js';
import { Attempts } from './attempts.js';
import { AuditTrail } from './audit-trail.js';
import { Guard } from './guard.js';
import { securityHeaders } from './headers.js';
import { LiveFeeds } from './live.js';
import { compileHttpOptions, type HttpOptions, type MetricsSource } from './options.js';
import { pageRoutes } from './page-routes.js';
import { readRoutes } from './read-routes.js';
import { sendError } from './reply.js';
import { RolloutPages } from './rollout-page.js';
import { sessionRoutes } from './session-routes.js';
import { Sessions } from './sessions.js';

/** DashboardDeps are what the dashboard is built from: the admin service's deps and operations, and who leads. */
export interface DashboardDeps extends ServiceDeps {
  ops: AdminOperations;
  /** requireLeader refuses (NOT_LEADER, naming the leader) what only the leader may do. */
  requireLeader(): Promise<void>;
  /** leading: this coordinator is the leader (or the only one). */
  leading(): boolean;
  /** Where agents and the CLI reach this coordinator: what the drift report names it by. */
  name: string;
}

/** Ctx is what every route module is given. */
export interface Ctx {
  deps: DashboardDeps;
  guard: Guard;
  sessions: Sessions;
  attempts: Attempts;
  /** The session cookie's name: __Host- prefixed under TLS, so no subdomain or plain-HTTP page can set it. */
  cookie: string;
  tls: boolean;
  sessionMaxMs: number;
  metricsAllow: BlockList;
  server: HttpServer;
  pages: RolloutPages;
  audit: AuditTrail;
  feeds: LiveFeeds;
}

// A request body is a reason and a release name: a few KiB at most.
const BODY_LIMIT = 16 * 1024;
const MAX_SESSIONS = 10_000;

/**
 * HttpServer is the coordinator's dashboard and /metrics (`--http-listen`):
 * fastify, over the coordinator's own certificate and key when it runs TLS,
 * plain HTTP only under --insecure.
 */
export class HttpServer {
  /** What /metrics serves; the coordinator (or whoever wires the metrics) may set it after start. */
  metrics: MetricsSource | undefined;
  url = '';
  private app: FastifyInstance | undefined;
  private feeds: LiveFeeds | undefined;
  private pages: RolloutPages | undefined;

  private constructor(metrics: MetricsSource | undefined) {
    this.metrics = metrics;
  }

  static async start(deps: DashboardDeps, options: HttpOptions): Promise<HttpServer> {
    const opts = compileHttpOptions(options);
    const tlsFiles = 'tls' in deps.transport ? deps.transport.tls : undefined;
    if (tlsFiles && (!tlsFiles.cert || !tlsFiles.key)) throw new FleetswapError('BAD_USAGE', 'the dashboard needs the coordinator\'s --cert and --key');
    const tls = tlsFiles !== undefined;
    const common = {
      bodyLimit: BODY_LIMIT,
      // A client that sends its request slowly is cut off; a live feed, once asked for, may last.
      requestTimeout: 30_000,
      keepAliveTimeout: 5_000,
      forceCloseConnections: true,
      logger: false,
      trustProxy: false,
    };
    // The one cast: fastify types an HTTPS instance apart, and every route here is the same on both.
    const app = tlsFiles ? (Fastify({ ...common, https: { key: tlsFiles.key, cert: tlsFiles.cert } }) as unknown as FastifyInstance) : Fastify(common);
    const server = new HttpServer(opts.metrics);
    const sessions = new Sessions({ idleMs: opts.sessionIdleMs, maxMs: opts.sessionMaxMs, max: MAX_SESSIONS }, deps.now);
    const cookie = tls ? '__Host-fleetswap-session' : 'fleetswap-session';
    const feeds = new LiveFeeds(deps.log);
    const audit = new AuditTrail(deps.audit);
    const pages = new RolloutPages(deps, audit);
    const ctx: Ctx = {
      deps,
      guard: new Guard({ sessions, auth: deps.auth, tls, cookie, requireLeader: deps.requireLeader }),
      sessions,
      attempts: new Attempts(opts.signInsPerMinute, deps.now),
      cookie,
      tls,
      sessionMaxMs: opts.sessionMaxMs,
      metricsAllow: opts.metricsAllow,
      server,
      pages,
      audit,
      feeds,
    };
    const headers = securityHeaders(tls);
    app.addHook('onRequest', async (_req, reply) => {
      reply.headers(headers);
    });
    // JSON only: a form or a text/plain body (what another site's page can send without asking) is refused as 415.
    app.removeContentTypeParser('text/plain');
    await app.register(fastifyCookie);
    app.setErrorHandler((err, _req, reply) => sendError(reply, err, deps.log));
    app.setNotFoundHandler((_req, reply) => reply.code(404).header('cache-control', 'no-store').send({ error: 'not found', code: 'BAD_USAGE' }));
    sessionRoutes(app, ctx);
    readRoutes(app, ctx);
    actionRoutes(app, ctx);
    pageRoutes(app, ctx, await loadAssets());
    try {
      await app.listen({ host: opts.host, port: opts.port });
    } catch (err) {
      await app.close();
      throw new FleetswapError('BAD_USAGE', `cannot listen on --http-listen ${options.listen}: ${(err as Error).message}`);
    }
    const addr = app.server.address();
    const port = addr && typeof addr === 'object' ? addr.port : opts.port;
    server.url = `${tls ? 'https' : 'http'}://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
    server.app = app;
    server.feeds = feeds;
    server.pages = pages;
    pages.start();
    deps.log.info({ url: server.url, tls }, 'dashboard listening');
    return server;
  }

  async stop(): Promise<void> {
    this.pages?.stop();
    this.feeds?.stop();
    await this.app?.close();
  }
}
