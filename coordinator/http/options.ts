import { BlockList, isIP } from 'node:net';
import { FleetswapError } from '../../shared/errors.js';

/**
 * MetricsSource is what `/metrics` serves: the coordinator's Prometheus
 * registry (coordinator/metrics.ts, CoordinatorMetrics), or anything of its
 * shape. Without one, `/metrics` answers 404.
 */
export interface MetricsSource {
  readonly contentType: string;
  render(): Promise<string>;
}

/** HttpOptions are the dashboard's settings as given (`coordinator --http-listen`, `--metrics-allow`). */
export interface HttpOptions {
  /** HOST:PORT of the dashboard and `/metrics`; port 0 picks a free one. */
  listen: string;
  /** Addresses (CIDR, or one address) that may read `/metrics` without a session or token: the Prometheus servers. @default none */
  metricsAllow?: readonly string[];
  metrics?: MetricsSource;
  /** A session unused this long ends. @default 8 h */
  sessionIdleMs?: number;
  /** A session ends this long after sign-in, used or not. @default 8 h */
  sessionMaxMs?: number;
  /** Sign-in attempts one address may make a minute (the whole listener takes ten times as many). @default 10 */
  signInsPerMinute?: number;
}

/** CompiledHttpOptions are HttpOptions checked once, at start: what the listener trusts. */
export interface CompiledHttpOptions {
  host: string;
  port: number;
  metricsAllow: BlockList;
  metrics: MetricsSource | undefined;
  sessionIdleMs: number;
  sessionMaxMs: number;
  signInsPerMinute: number;
}

const HOUR = 3_600_000;

/** compileHttpOptions checks the listen address and every --metrics-allow entry; a bad one stops the start. */
export function compileHttpOptions(o: HttpOptions): CompiledHttpOptions {
  const { host, port } = parseListen(o.listen);
  const allow = new BlockList();
  for (const entry of o.metricsAllow ?? []) addAllowed(allow, entry);
  return {
    host,
    port,
    metricsAllow: allow,
    metrics: o.metrics,
    sessionIdleMs: o.sessionIdleMs ?? 8 * HOUR,
    sessionMaxMs: o.sessionMaxMs ?? 8 * HOUR,
    signInsPerMinute: o.signInsPerMinute ?? 10,
  };
}

/** parseListen reads HOST:PORT ([::1]:PORT for IPv6). */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(listen);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new FleetswapError('BAD_USAGE', `bad --http-listen "${listen}": give HOST:PORT, e.g. 127.0.0.1:7401 (port 0 picks a free one)`);
  return { host: (m[1] ?? m[2]) as string, port };
}

function addAllowed(list: BlockList, entry: string): void {
  const [addr = '', bits, ...rest] = entry.trim().split('/');
  const family = isIP(addr);
  const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
  if (family === 0 || rest.length > 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32) || bits === '') {
    throw new FleetswapError('BAD_USAGE', `bad --metrics-allow "${entry}": give an address or a CIDR range, e.g. 10.0.0.0/8 or 127.0.0.1`);
  }
  list.addSubnet(addr, prefix, family === 6 ? 'ipv6' : 'ipv4');
}

/** allowedAddress: `remote` (as a socket gives it, IPv4 possibly mapped into IPv6) is in the list. */
export function allowedAddress(list: BlockList, remote: string | undefined): boolean {
  if (!remote) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote);
  if (mapped) return list.check(mapped[1] as string, 'ipv4');
  return list.check(remote, isIP(remote) === 6 ? 'ipv6' : 'ipv4');
}
