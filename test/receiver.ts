import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';

// A real webhook receiver for the notification tests: a node:http server on
// 127.0.0.1 that keeps what it was sent, and answers as the test says.

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  json: Record<string, unknown>;
}

/** How the receiver answers: 200, a status, or never (the request hangs until the test ends). */
export type Answer = number | 'hang';

export class Receiver {
  readonly got: Received[] = [];
  answer: Answer = 200;
  /** What a refusal's body says. */
  refusal = 'receiver says no';
  /** Requests answered with a failure. */
  refused = 0;
  private server: Server | undefined;
  private readonly hung: ServerResponse[] = [];
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** start listens (again on the same port after stop, so a receiver can be down and back). */
  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (this.answer === 'hang') {
          this.hung.push(res);
          return;
        }
        if (this.answer >= 200 && this.answer < 300) this.got.push({ headers: req.headers, body, json: JSON.parse(body) as Record<string, unknown> });
        else this.refused++;
        res.writeHead(this.answer).end(this.answer >= 300 ? this.refusal : '');
      });
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.hung.splice(0)) res.destroy();
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}

/** verify checks a request's Standard Webhooks signature as a receiver would: HMAC-SHA256 over id.timestamp.body, base64, after "v1,". */
export function verify(r: Received, secret: string): boolean {
  const id = String(r.headers['webhook-id']);
  const ts = String(r.headers['webhook-timestamp']);
  const expected = `v1,${createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${id}.${ts}.${r.body}`).digest('base64')}`;
  return String(r.headers['webhook-signature']).split(' ').includes(expected);
}
