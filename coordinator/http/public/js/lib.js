// What every page's script shares: building DOM from data (always as text,
// never as markup), talking to the coordinator's API with the session's
// CSRF token, and formatting.

/**
 * el makes an element. `props` may set: class, text (as textContent), title,
 * and attributes listed in SAFE_ATTRS or starting with data- or aria-; any
 * other key is refused, so no event handler or markup can come in by data.
 */
const SAFE_ATTRS = new Set(['href', 'type', 'name', 'value', 'placeholder', 'for', 'id', 'role', 'colspan', 'rows', 'maxlength', 'required', 'hidden', 'disabled', 'checked', 'autocomplete', 'datetime', 'scope', 'tabindex', 'min', 'max', 'selected', 'open', 'method', 'lang']);
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = String(v);
    else if (k === 'title') node.title = String(v);
    else if (SAFE_ATTRS.has(k) || k.startsWith('data-') || k.startsWith('aria-')) node.setAttribute(k, v === true ? '' : String(v));
    else throw new Error(`el: attribute ${k} is not allowed`);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** ApiError is a refusal from the coordinator: its one-line message, stable code, and with NOT_LEADER where the leader is. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.error ? body.error : `the coordinator answered ${status}`);
    this.status = status;
    this.code = body && body.code;
    this.leader = body && body.leader;
  }
}

let csrf = '';
/** useCsrf remembers the session's CSRF token (from GET /api/session); it goes with every request that changes anything. */
export function useCsrf(token) {
  csrf = token;
}

/** signInAgain sends the browser to sign in, and back here after. */
export function signInAgain() {
  location.assign(`/signin?next=${encodeURIComponent(location.pathname + location.search + location.hash)}`);
}

/** api calls the dashboard's JSON API; a 401 goes to sign-in, any other refusal throws an ApiError. */
export async function api(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') {
    headers['x-csrf-token'] = csrf;
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(path, { method, headers, body: body === undefined ? (method === 'GET' ? undefined : '{}') : JSON.stringify(body), credentials: 'same-origin', cache: 'no-store' });
  const data = await res.json().catch(() => null);
  if (res.status === 401 && path !== '/api/session') {
    signInAgain();
    throw new ApiError(401, data);
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** errorText says what went wrong in one line, with where to go when this coordinator does not lead. */
export function errorText(err) {
  if (err instanceof ApiError && err.code === 'NOT_LEADER') return `${err.message}${err.leader ? ` — open the dashboard of the leader (${err.leader})` : ''}`;
  return err && err.message ? err.message : String(err);
}

export const short = (id) => (id ? id.slice(0, 12) : '');
export const labelOf = (labels, id) => (id ? labels[id] || short(id) : '');

/** time shows a moment in UTC to the second ("2026-12-01 14:03:07"); the pages say UTC once. */
export function time(at) {
  const d = typeof at === 'number' ? new Date(at) : new Date(at);
  return Number.isNaN(d.getTime()) || d.getTime() <= 0 ? '-' : d.toISOString().slice(0, 19).replace('T', ' ');
}

/** ago says how long since, roughly ("4s ago", "3m ago"). */
export function ago(at, now = Date.now()) {
  const t = typeof at === 'number' ? at : Date.parse(at);
  if (!t) return '-';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export function bytes(n) {
  const x = Number(n) || 0;
  if (x < 1024) return `${x} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = x / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function duration(ms) {
  const s = Math.round((Number(ms) || 0) / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}

/** num shows a figure with a sensible number of digits. */
export function num(x, digits = 2) {
  if (x === null || x === undefined || Number.isNaN(Number(x))) return '-';
  const v = Number(x);
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && Math.abs(v) < 0.001) return v.toExponential(1);
  return String(Math.round(v * 10 ** digits) / 10 ** digits);
}

/** words turns 'rolled_back' or 'content-drift' into 'rolled back', 'content drift'. */
export const words = (s) => String(s).replace(/[_-]/g, ' ');

/** show replaces what a container holds. */
export function show(container, ...children) {
  container.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
}

/** byId finds an element the page's HTML has. */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node;
}

/** hostOrder sorts host ids as people do: web-2 before web-10. */
export const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
