import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AdminClient } from '../cli/admin-client.js';

// What the dashboard tests share: plain HTTP(S) requests as a script (or an
// attacker) makes them, and a signed-in client that keeps its cookie and
// CSRF token the way the dashboard's pages do.

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The fleet CA, for https. */
  ca?: Buffer;
}

/** request makes one HTTP(S) request and reads the whole answer. */
export function request(url: string, o: RequestOptions = {}): Promise<Answer> {
  const u = new URL(url);
  const make = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = make(u, { method: o.method ?? 'GET', headers: o.headers, ca: o.ca, servername: u.protocol === 'https:' ? '' : undefined }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** DashboardClient is a signed-in browser without the browser: its session cookie, CSRF token and origin. */
export class DashboardClient {
  cookie = '';
  csrf = '';

  constructor(
    readonly base: string,
    readonly ca?: Buffer,
  ) {}

  /** signIn exchanges a token for a session; it gives back the answer (a refusal too). */
  async signIn(token: string): Promise<Answer> {
    const a = await request(`${this.base}/api/session`, { method: 'POST', ca: this.ca, headers: { 'content-type': 'application/json', origin: this.base }, body: JSON.stringify({ token }) });
    if (a.status === 200) {
      const set = [a.headers['set-cookie'] ?? []].flat()[0] ?? '';
      this.cookie = set.split(';')[0] ?? '';
      this.csrf = (JSON.parse(a.body) as { csrf: string }).csrf;
    }
    return a;
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
    return request(`${this.base}${path}`, { ca: this.ca, headers: { cookie: this.cookie, ...headers } });
  }

  /** post sends JSON as the dashboard's pages do; `over` changes or drops (undefined) what a forged request would lack. */
  post(path: string, body: unknown, over: Record<string, string | undefined> = {}): Promise<Answer> {
    const headers: Record<string, string | undefined> = { 'content-type': 'application/json', origin: this.base, cookie: this.cookie, 'x-csrf-token': this.csrf, ...over };
    return request(`${this.base}${path}`, { method: 'POST', ca: this.ca, headers: Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined)), body: JSON.stringify(body) });
  }
}

/** aToken makes an API token of `role` with the admin client, as `fleetswap token create` does. */
export async function aToken(admin: AdminClient, name: string, role: 'viewer' | 'deployer' | 'admin'): Promise<string> {
  return (await admin.call('CreateToken', { name, role, actor: 'tests' })).token;
}

export const json = <T>(a: Answer): T => JSON.parse(a.body) as T;

export interface FeedEvent {
  event: string;
  data: string;
  at: number;
}

/** follow opens a live feed (server-sent events) and collects its events as they come; `ended` resolves when the server ends it. */
export function follow(url: string, o: { cookie: string; ca?: Buffer }): { events: FeedEvent[]; status: Promise<number>; ended: Promise<void>; close(): void } {
  const u = new URL(url);
  const make = u.protocol === 'https:' ? httpsRequest : httpRequest;
  const events: FeedEvent[] = [];
  let close = () => undefined as void;
  let resolveStatus: (n: number) => void = () => undefined;
  const status = new Promise<number>((r) => (resolveStatus = r));
  const ended = new Promise<void>((resolveEnded) => {
    const req = make(u, { headers: { cookie: o.cookie, accept: 'text/event-stream' }, ca: o.ca, servername: u.protocol === 'https:' ? '' : undefined }, (res) => {
      resolveStatus(res.statusCode ?? 0);
      let buf = '';
      res.on('data', (c: Buffer) => {
        buf += c.toString();
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined) events.push({ event, data, at: Date.now() });
        }
      });
      res.on('end', () => resolveEnded());
      res.on('error', () => resolveEnded());
    });
    req.on('error', () => resolveEnded());
    req.end();
    close = () => void req.destroy();
  });
  return { events, status, ended, close: () => close() };
}
