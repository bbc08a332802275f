import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { FleetswapError } from '../shared/errors.js';
import { isPrivate, listenText, type Listen } from '../shared/listen.js';
import type { Logger } from '../shared/log.js';

// The agent's --metrics-listen: one route, GET /metrics, on plain node:http.
//
// Who can reach it is whoever can reach the address it binds: bind 127.0.0.1
// (Prometheus on the host) or a private address only Prometheus reaches;
// there is no TLS and no authentication, so the firewall is the guard. It
// gives away nothing secret (metrics.ts says what it holds), and changes
// nothing: no request body is ever read, any method but GET and HEAD is
// refused, any path but /metrics is not found. A client cannot hold it: the
// headers must arrive within HEADERS_TIMEOUT_MS, a request is answered within
// REQUEST_TIMEOUT_MS, an idle connection is closed, headers are capped at
// MAX_HEADER_BYTES, and past MAX_CONNECTIONS new connections are closed at
// once, so whoever floods the port makes the metrics unavailable, never the
// agent short of file descriptors.

const HEADERS_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 10_000;
const IDLE_TIMEOUT_MS = 5_000;
const MAX_HEADER_BYTES = 8 * 1024;
const MAX_CONNECTIONS = 32;

export interface MetricsEndpoint {
  contentType: string;
  render(): Promise<string>;
}

/** MetricsServer serves GET /metrics from a metrics endpoint (agent/metrics.ts). */
export class MetricsServer {
  private constructor(
    private readonly server: Server,
    /** Where it listens, host:port, the port as bound. */
    readonly address: string,
  ) {}

  static async start(listen: Listen, metrics: MetricsEndpoint, log: Logger): Promise<MetricsServer> {
    const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 1_000 }, (req, res) => {
      void answer(req, res, metrics, log);
    });
    server.keepAliveTimeout = IDLE_TIMEOUT_MS;
    server.timeout = REQUEST_TIMEOUT_MS;
    server.maxConnections = MAX_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(new FleetswapError('BAD_USAGE', `cannot listen on --metrics-listen ${listenText(listen)}: ${err.code === 'EADDRINUSE' ? 'the address is in use' : err.message}`)));
      server.listen(listen.port, listen.host, resolve);
    });
    const bound = server.address();
    const address = listenText({ host: listen.host, port: typeof bound === 'object' && bound ? bound.port : listen.port });
    if (isPrivate(listen.host)) log.info({ address }, 'metrics listening');
    else log.warn({ address }, 'metrics listening on a public address: anyone who reaches it reads them; bind 127.0.0.1 or a private address only Prometheus reaches');
    return new MetricsServer(server, address);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function answer(req: IncomingMessage, res: ServerResponse, metrics: MetricsEndpoint, log: Logger): Promise<void> {
  // A request body is never read: a refused request's connection is closed once the answer is out, whatever the client still sends.
  const refuse = (status: number, text: string, headers: Record<string, string> = {}) => {
    res.once('finish', () => req.socket.destroy());
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close', ...headers });
    res.end(`${text}\n`);
  };
  const path = (req.url ?? '').split('?')[0];
  if (path !== '/metrics') return refuse(404, 'not found: metrics are at /metrics');
  if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(405, 'method not allowed: GET /metrics', { Allow: 'GET, HEAD' });
  if (hasBody(req)) return refuse(413, 'a request to /metrics has no body');
  try {
    const body = await metrics.render();
    res.writeHead(200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'could not render metrics');
    refuse(500, 'could not render metrics');
  }
}

/** hasBody: the request announces a body (Prometheus' scrapes never do). */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
}
