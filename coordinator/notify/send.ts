import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

// One webhook request, bounded every way a receiver could hold it: a
// receiver is wherever an admin pointed it, possibly slow, hostile, or an
// internal service (an admin's power, see README "Notifications").

/** How long one request may take, connecting to the end of its answer. */
export const REQUEST_TIMEOUT_MS = 5_000;
/** How much of an answer is read (for the error shown); the rest is dropped unread. */
const MAX_ANSWER = 1_024;

export interface Sent {
  ok: boolean;
  /** "HTTP 204", "HTTP 503: <the start of its answer>", "timed out after 5 s", "connect ECONNREFUSED ...". */
  outcome: string;
}

/**
 * post sends one request and never follows a redirect (a 3xx is a failure:
 * a receiver cannot send the coordinator's signed requests elsewhere). It
 * never throws.
 */
export function post(url: string, body: string, headers: Record<string, string>, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<Sent> {
  const timeoutMs = opts.timeoutMs ?? REQUEST_TIMEOUT_MS;
  return new Promise<Sent>((resolve) => {
    let done = false;
    const finish = (s: Sent): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve(s);
    };
    const u = new URL(url);
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(u, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body), 'user-agent': 'fleetswap-notify' } }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const status = res.statusCode ?? 0;
      const end = (): void => {
        const text = Buffer.concat(chunks).toString('utf8').slice(0, 200).replace(/\s+/g, ' ').trim();
        const ok = status >= 200 && status < 300;
        finish({ ok, outcome: `HTTP ${status}${!ok && text ? `: ${text}` : ''}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}` });
      };
      res.on('data', (c: Buffer) => {
        if (size >= MAX_ANSWER) return end();
        chunks.push(c.subarray(0, MAX_ANSWER - size));
        size += c.length;
      });
      res.on('end', end);
      res.on('error', end);
    });
    const timer = setTimeout(() => finish({ ok: false, outcome: `timed out after ${timeoutMs / 1000} s` }), timeoutMs);
    req.on('error', (err: Error) => finish({ ok: false, outcome: err.message }));
    // A coordinator stopping does not wait for a slow receiver: the row stays pending.
    opts.signal?.addEventListener('abort', () => finish({ ok: false, outcome: 'the coordinator stopped' }), { once: true });
    req.end(body);
  });
}
