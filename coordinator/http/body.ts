import { FleetswapError } from '../../shared/errors.js';

/** Body is a request's parsed JSON, trusted for nothing until a field is read out of it. */
export type Body = unknown;

/** field reads a string field of a JSON object body ('' when absent); anything else, or longer than `max`, is refused in one line. */
export function field(body: Body, name: string, max: number): string {
  if (body === undefined || body === null) return '';
  if (typeof body !== 'object' || Array.isArray(body)) throw new FleetswapError('BAD_USAGE', 'the request body must be a JSON object');
  const v = (body as Record<string, unknown>)[name];
  if (v === undefined) return '';
  if (typeof v !== 'string') throw new FleetswapError('BAD_USAGE', `${name} must be text`);
  if (v.length > max) throw new FleetswapError('BAD_USAGE', `${name} is ${v.length} characters long: at most ${max}`);
  return v;
}

/** MAX_REASON is the longest reason an action takes. */
export const MAX_REASON = 1_000;

/** reason is an action's reason, required: the audit log says why. */
export function reason(body: Body): string {
  const r = field(body, 'reason', MAX_REASON).trim();
  if (!r) throw new FleetswapError('BAD_USAGE', 'give a reason: the audit log records why');
  return r;
}
