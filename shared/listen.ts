import { isIP } from 'node:net';
import { FleetswapError } from './errors.js';

// Where a daemon's HTTP listener binds (the agent's --metrics-listen): an IP
// address, never a name, which could resolve to an interface nobody meant.

export interface Listen {
  host: string;
  port: number;
}

/** parseListen checks an ADDRESS:PORT flag: IPv4:PORT, [IPv6]:PORT or localhost:PORT (127.0.0.1); port 0 picks a free one. */
export function parseListen(text: string, flag: string): Listen {
  const bad = () => new FleetswapError('BAD_USAGE', `bad ${flag} ${JSON.stringify(text)}: give ADDRESS:PORT with an IP address, e.g. 127.0.0.1:9464 or [::1]:9464`);
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+|localhost)):(\d{1,5})$/.exec(text);
  if (!m) throw bad();
  const host = m[1] ?? (m[2] === 'localhost' ? '127.0.0.1' : (m[2] as string));
  const port = Number(m[3]);
  if (isIP(host) !== (m[1] ? 6 : 4) || port > 65535) throw bad();
  return { host, port };
}

/** isPrivate says whether an address is loopback or private (RFC 1918, IPv6 unique local, link-local): reachable only from inside. */
export function isPrivate(host: string): boolean {
  if (isIP(host) === 6) return host === '::1' || /^f[cd]/i.test(host) || /^fe[89ab]/i.test(host);
  const [a = 0, b = 0] = host.split('.').map(Number);
  return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
}

/** listenText is an address as flags spell it, IPv6 in brackets. */
export function listenText(l: Listen): string {
  return isIP(l.host) === 6 ? `[${l.host}]:${l.port}` : `${l.host}:${l.port}`;
}
