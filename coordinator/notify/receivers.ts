import { FleetswapError } from '../../shared/errors.js';
import type { AddNotifyRequest__Output } from '../../shared/gen/fleetswap/v1/AddNotifyRequest.js';
import type { NotifyReceiver } from '../../shared/gen/fleetswap/v1/NotifyReceiver.js';
import { EVENT_KINDS, SEVERITIES } from '../events.js';
import type { EventRow, ReceiverRow, Severity } from '../store.js';
import { isoFromMs } from '../times.js';

// Receivers: who is told of which events, and how. What an admin adds is
// checked whole before anything is stored: a bad field is refused in one
// line and nothing changes.

export const FORMATS = ['slack', 'generic', 'cloudevents'] as const;

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** Families a filter may name with a glob; freeze.* and approval.* are for change control to come. */
const FAMILIES = ['rollout', 'drift', 'freeze', 'approval'];
const MAX_URL = 2_048;
const MAX_SECRET = 1_024;

/** receiverFrom checks an add request and is the row it stores, or a one-line refusal. */
export function receiverFrom(req: AddNotifyRequest__Output, atMs: number): ReceiverRow {
  if (!NAME_RE.test(req.name)) throw bad(`bad receiver name ${JSON.stringify(req.name)}: letters, digits, '.', '_' and '-', at most 63, starting with a letter or digit`);
  if (req.url.length > MAX_URL) throw bad(`--url is longer than ${MAX_URL} characters`);
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    throw bad(`bad --url ${JSON.stringify(req.url)}: not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`bad --url: only http and https are sent to, not ${url.protocol.replace(/:$/, '')}`);
  if (url.username || url.password) throw bad('bad --url: credentials in a URL are shown by notify list; sign requests with --secret-file instead');
  if (!(FORMATS as readonly string[]).includes(req.format)) throw bad(`unknown --format ${JSON.stringify(req.format)}: slack, generic or cloudevents`);
  const events = req.events.map((e) => e.trim()).filter(Boolean);
  for (const e of events) if (!validFilter(e)) throw bad(`unknown event ${JSON.stringify(e)} in --events: ${EVENT_KINDS.join(', ')}, or a family such as rollout.*, drift.*`);
  const minSeverity = (req.min_severity || 'info') as Severity;
  if (!SEVERITIES.includes(minSeverity)) throw bad(`unknown --min-severity ${JSON.stringify(req.min_severity)}: info, warning or critical`);
  for (const [k, v] of Object.entries(req.select)) if (!k || !v) throw bad('bad --select: each is key=value, neither empty');
  if (req.secret.length > MAX_SECRET) throw bad(`the secret is longer than ${MAX_SECRET} characters`);
  if (req.secret && !req.secret.trim()) throw bad('the secret is only whitespace');
  return { name: req.name, url: url.href, format: req.format as ReceiverRow['format'], events, min_severity: minSeverity, selector: { ...req.select }, secret: req.secret.trim(), created_at_ms: atMs, created_by: req.actor, delivered: 0, last_error: '', fanned_to: 0 };
}

function validFilter(f: string): boolean {
  if (f === '*' || (EVENT_KINDS as readonly string[]).includes(f)) return true;
  const m = /^([a-z]+)\.\*$/.exec(f);
  return !!m && FAMILIES.includes(m[1] ?? '');
}

/** matches says whether an event passes a receiver's filters: kind (exact or family glob), least severity, and tags. */
export function matches(r: Pick<ReceiverRow, 'events' | 'min_severity' | 'selector'>, e: Pick<EventRow, 'kind' | 'severity' | 'scope'>): boolean {
  if (r.events.length > 0 && !r.events.some((f) => f === '*' || f === e.kind || (f.endsWith('.*') && e.kind.startsWith(f.slice(0, -1))))) return false;
  if (SEVERITIES.indexOf(e.severity) < SEVERITIES.indexOf(r.min_severity)) return false;
  // An event about the whole fleet (a halt, a rollout to every host) concerns everyone.
  if (Object.keys(e.scope).length === 0) return true;
  return Object.entries(r.selector).every(([k, v]) => e.scope[k] === undefined || e.scope[k] === v);
}

/**
 * viewOf is a receiver as shown: never its secret, and its URL without path
 * or query (a Slack webhook's path is its secret).
 */
export function viewOf(r: ReceiverRow, counts: { pending: number; failed: number } = { pending: 0, failed: 0 }): NotifyReceiver {
  const u = new URL(r.url);
  const shown = u.pathname === '/' && !u.search ? `${u.origin}/` : `${u.origin}/…`;
  return {
    name: r.name,
    url: shown,
    format: r.format,
    events: r.events,
    min_severity: r.min_severity,
    select: r.selector,
    signed: r.secret !== '',
    created_at: isoFromMs(r.created_at_ms),
    created_by: r.created_by,
    delivered: r.delivered,
    pending: counts.pending,
    failed: counts.failed,
    last_error: r.last_error,
  };
}

const bad = (msg: string) => new FleetswapError('BAD_USAGE', msg);
