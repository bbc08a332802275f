import { createHash } from 'node:crypto';
import { DRIFT_STATES, type DriftEvent, type DriftHost, type DriftPath, type DriftReport, type DriftState } from '../shared/drift.js';
import { safe } from './safe-text.js';

// driftHtml renders the drift report as one self-contained page that ops can
// open from disk or mail: inline CSS and script, nothing fetched (the CSP
// forbids it). Every row is visible without JavaScript; the script only adds
// filtering. Report data lives in text and attributes, never inside the
// script, so escaping is the whole defence against hostile host ids or paths.

/**
 * esc escapes text for element content and quoted attribute values alike.
 * Control and bidi characters are shown as visible escapes first, as in the
 * terminal: a U+202E in a path would otherwise make it read backwards.
 */
export function esc(s: string): string {
  return safe(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** DRIFTED are the states that mean a host serves the wrong code. */
const DRIFTED: ReadonlySet<DriftState> = new Set(['content-drift', 'version-drift']);

/** LOUD are the states an operator must act on: drift, and a host with no release (in sync with nothing). */
const LOUD: ReadonlySet<DriftState> = new Set([...DRIFTED, 'no-release']);

/** PATHS_PER_EVENT caps the paths listed under one event; the rest become "+N more". */
const PATHS_PER_EVENT = 20;

const COLUMNS = ['host', 'tags', 'desired', 'live', 'state', 'changed paths', 'first detected', 'last action', 'resolved at'];

export const DRIFT_STYLE = `
:root{--ink:#1d232b;--mute:#5e6875;--line:#d9dee4;--bg:#f6f7f9;
--content-drift:#c62828;--version-drift:#d9580d;--no-release:#8e24aa;--converging:#1f63c6;--offline:#5f6b78;--in-sync:#2e7d32}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;padding:20px 24px;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans","DejaVu Sans",sans-serif;color:var(--ink);background:#fff}
h1{font-size:20px;margin:0 0 2px}
.meta{color:var(--mute);margin:0 0 14px}
.verdict{font-weight:600}
.verdict.bad{color:var(--content-drift)}.verdict.good{color:var(--in-sync)}
code,.mono{font-family:ui-monospace,"DejaVu Sans Mono","Liberation Mono",Menlo,monospace;font-size:12.5px}
.tiles{display:flex;flex-wrap:wrap;gap:10px;margin:0 0 16px}
.tile{position:relative;display:flex;flex-direction:column;min-width:128px;padding:8px 14px;border:1px solid var(--line);border-left:6px solid var(--c,var(--line));border-radius:6px;background:#fff;user-select:none}
.tile b{font-size:26px;line-height:1.15}
.tile span{color:var(--mute)}
.tile.total{border-left-color:var(--ink)}
.tile.zero b{color:var(--mute)}
.tile.loud{background:var(--c);border-color:var(--c);color:#fff}
.tile.loud span{color:#fff}
.tile input{position:absolute;opacity:0;pointer-events:none}
html:not(.js) .tile input{display:none}
.tile:has(input:focus-visible){outline:2px solid var(--converging);outline-offset:2px}
.js .tile[data-state]{cursor:pointer}
.js .tile:has(input:not(:checked)){opacity:.35;background:#fff;color:var(--ink);border-color:var(--line);border-left-color:var(--c)}
.js .tile:has(input:not(:checked)) span{color:var(--mute)}
.s-content-drift{--c:var(--content-drift)}.s-version-drift{--c:var(--version-drift)}.s-no-release{--c:var(--no-release)}.s-converging{--c:var(--converging)}
.s-offline{--c:var(--offline)}.s-in-sync{--c:var(--in-sync)}
.filters{display:none;align-items:center;gap:12px;margin:0 0 10px}
.js .filters{display:flex}
.filters input{font:inherit;padding:5px 9px;width:340px;border:1px solid #b8c0ca;border-radius:5px}
.filters .hint{color:var(--mute);font-size:12px}
table{width:100%;border-collapse:collapse}
th{position:sticky;top:0;background:var(--bg);text-align:left;font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.03em;color:var(--mute);padding:7px 8px;border-bottom:2px solid var(--line);white-space:nowrap}
td{padding:7px 8px;vertical-align:top}
tbody.host{border-top:1px solid var(--line)}
tbody.host.drifted>tr>td:first-child{box-shadow:inset 4px 0 0 var(--c)}
td.host{font-weight:600;white-space:nowrap}
td.when{white-space:nowrap;color:var(--mute)}
.tag{display:inline-block;margin:0 4px 3px 0;padding:0 6px;border-radius:4px;background:var(--bg);border:1px solid var(--line);font-size:12px;white-space:nowrap}
.rel{white-space:nowrap}
.differs{color:var(--version-drift);font-weight:600}
.none{color:var(--mute)}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;white-space:nowrap;color:#fff;background:var(--c)}
.count{font-weight:600}
ul.paths{list-style:none;margin:2px 0 0;padding:0;display:grid;grid-template-columns:max-content 1fr;column-gap:8px;row-gap:1px}
ul.paths li{display:contents}
ul.paths li.more{display:block;grid-column:1/-1}
td.paths{min-width:300px}
ul.paths code{overflow-wrap:anywhere}
.chg{font-size:11.5px;font-weight:600;color:var(--mute)}
.paths-inline .chg{margin-right:4px}
.chg-changed{color:#a15c00}.chg-added{color:#2e7d32}.chg-removed{color:#c62828}.chg-mode{color:#6a3fb0}
.more{color:var(--mute);font-style:italic}
tr.events td{padding:0 8px 8px 20px}
details summary{cursor:pointer;color:var(--mute);font-size:12.5px}
details ol{margin:6px 0 0;padding-left:20px}
details li{margin:0 0 6px}
.paths-inline{margin-top:2px}
.paths-inline code{overflow-wrap:anywhere}
.open{color:var(--content-drift);font-weight:600}
.empty td{padding:18px 8px;color:var(--mute);text-align:center}
@media print{
body{padding:0;font-size:11px}
.filters,.tile input{display:none!important}
.tile{opacity:1!important;break-inside:avoid}
.tile.loud{background:#fff;color:var(--c)}.tile.loud span{color:var(--c)}
th{position:static}
tbody.host{break-inside:avoid}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
`;

// Reads the filter from the URL hash (#state=a,b&q=text), keeps the hash in
// step with the controls so a filtered view can be linked, and marks the
// page data-filter="ready" once it has run (the browser test looks for it).
export const DRIFT_SCRIPT = `
(function () {
  var root = document.documentElement;
  root.classList.add('js');
  var q = document.getElementById('q');
  var boxes = [].slice.call(document.querySelectorAll('input[name=state]'));
  var hosts = [].slice.call(document.querySelectorAll('tbody.host'));
  var shown = document.getElementById('shown');
  var none = document.getElementById('none');
  function readHash() {
    var p = new URLSearchParams(location.hash.slice(1));
    q.value = p.get('q') || '';
    var want = p.has('state') ? p.get('state').split(',') : null;
    boxes.forEach(function (b) { b.checked = !want || want.indexOf(b.value) >= 0; });
  }
  function writeHash() {
    var off = boxes.some(function (b) { return !b.checked; });
    var parts = [];
    if (off) parts.push('state=' + boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; }).join(','));
    if (q.value) parts.push('q=' + encodeURIComponent(q.value));
    try { history.replaceState(null, '', parts.length ? '#' + parts.join('&') : location.pathname + location.search); } catch (e) { /* file: URLs in some browsers */ }
  }
  function apply() {
    var words = q.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var states = {};
    boxes.forEach(function (b) { states[b.value] = b.checked; });
    var n = 0;
    hosts.forEach(function (h) {
      var text = h.getAttribute('data-text');
      var ok = states[h.getAttribute('data-state')] && words.every(function (w) { return text.indexOf(w) >= 0; });
      h.hidden = !ok;
      if (ok) n++;
    });
    shown.textContent = 'showing ' + n + ' of ' + hosts.length + ' hosts';
    none.hidden = n > 0 || hosts.length === 0;
  }
  readHash();
  apply();
  q.addEventListener('input', function () { apply(); writeHash(); });
  boxes.forEach(function (b) { b.addEventListener('change', function () { apply(); writeHash(); }); });
  window.addEventListener('hashchange', function () { readHash(); apply(); });
  window.addEventListener('beforeprint', function () {
    [].forEach.call(document.querySelectorAll('details'), function (d) { d.open = true; });
  });
  root.setAttribute('data-filter', 'ready');
})();
`;

function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
}

// Only this page's own style and script may run; nothing may be fetched, no form
// may send anywhere, and no <base> may redirect relative links (neither falls back to default-src).
const CSP = `default-src 'none'; style-src ${cspHash(DRIFT_STYLE)}; script-src ${cspHash(DRIFT_SCRIPT)}; img-src data:; form-action 'none'; base-uri 'none'`;

/** driftHtml renders the report as one self-contained HTML page. */
export function driftHtml(report: DriftReport): string {
  const title = `fleet drift — ${report.coordinator} — ${when(report.generated_at)} UTC`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${DRIFT_STYLE}</style>
</head>
<body>
${driftBody(report)}
<script>${DRIFT_SCRIPT}</script>
</body>
</html>
`;
}

/**
 * driftBody is the report itself (heading, tiles, filter, table), the page's
 * body without its script: the dashboard's drift page shows the same, with
 * DRIFT_STYLE and DRIFT_SCRIPT served as files.
 */
export function driftBody(report: DriftReport): string {
  const hosts = sortHosts(report.hosts);
  const s = report.summary;
  const drifted = DRIFT_STATES.filter((st) => DRIFTED.has(st)).reduce((n, st) => n + (s[st] ?? 0), 0);
  const none = s['no-release'] ?? 0;
  const problems = [drifted > 0 ? `${drifted} of ${s.hosts} hosts drifted` : '', none > 0 ? `${none} with no release` : ''].filter(Boolean);
  const verdict = problems.length > 0 ? `<span class="verdict bad">${problems.join(', ')}</span>` : `<span class="verdict good">no drift on ${s.hosts} hosts</span>`;
  return `<h1>Fleet drift</h1>
<p class="meta">${verdict} · generated ${time(report.generated_at)} UTC by coordinator <b>${esc(report.coordinator)}</b> · all times UTC</p>
<div class="tiles">
<div class="tile total"><b>${s.hosts}</b><span>hosts</span></div>
${DRIFT_STATES.map((st) => tile(st, s[st] ?? 0)).join('\n')}
</div>
<div class="filters">
<input type="search" id="q" placeholder="filter: host, tag, release, path" aria-label="filter hosts">
<span id="shown">${hosts.length} hosts</span>
<span class="hint">click a tile to show or hide its state</span>
</div>
<table>
<thead><tr>${COLUMNS.map((c) => `<th>${c}</th>`).join('')}</tr></thead>
${hosts.map(hostRows).join('\n')}
<tbody id="none" hidden><tr class="empty"><td colspan="${COLUMNS.length}">no hosts match the filter</td></tr></tbody>
${hosts.length === 0 ? `<tbody><tr class="empty"><td colspan="${COLUMNS.length}">no hosts in the report</td></tr></tbody>` : ''}
</table>`;
}

/** sortHosts puts drifted hosts on top: by DRIFT_STATES order, then host id (web-2 before web-10). */
export function sortHosts(hosts: readonly DriftHost[]): DriftHost[] {
  const rank = (st: DriftState) => {
    const i = DRIFT_STATES.indexOf(st);
    return i < 0 ? DRIFT_STATES.length : i;
  };
  const byId = new Intl.Collator('en', { numeric: true });
  return [...hosts].sort((a, b) => rank(a.state) - rank(b.state) || byId.compare(a.host, b.host));
}

function tile(st: DriftState, n: number): string {
  const cls = ['tile', `s-${st}`, n === 0 ? 'zero' : LOUD.has(st) ? 'loud' : ''].filter(Boolean).join(' ');
  return `<label class="${cls}" data-state="${st}"><input type="checkbox" name="state" value="${st}" checked><b>${n}</b><span>${words(st)}</span></label>`;
}

function hostRows(h: DriftHost): string {
  const open = h.events.filter((e) => e.resolved_at === null);
  const oldestOpen = open[open.length - 1]; // events are newest first
  const last = h.events[0];
  const text = [
    h.host,
    ...Object.entries(h.tags).map(([k, v]) => `${k}=${v}`),
    h.desired,
    h.live,
    h.desired_id,
    h.live_id,
    ...h.paths.first.map((p) => p.path),
    ...h.events.flatMap((e) => e.paths.map((p) => p.path)),
  ]
    .join(' ')
    .toLowerCase();
  const cells = [
    `<td class="host mono">${esc(h.host)}</td>`,
    `<td>${tags(h.tags)}</td>`,
    `<td class="rel">${release(h.desired, h.desired_id, false)}</td>`,
    `<td class="rel">${release(h.live, h.live_id, h.live_id !== h.desired_id)}</td>`,
    `<td><span class="badge s-${esc(h.state)}">${esc(words(h.state))}</span></td>`,
    `<td class="paths">${paths(h.paths)}</td>`,
    `<td class="when">${oldestOpen ? time(oldestOpen.detected_at) : '-'}</td>`,
    `<td>${last ? esc(last.action) : '-'}</td>`,
    `<td class="when">${!last ? '-' : last.resolved_at === null ? '<span class="open">open</span>' : time(last.resolved_at)}</td>`,
  ];
  const drifted = LOUD.has(h.state) ? ' drifted' : '';
  return `<tbody class="host s-${esc(h.state)}${drifted}" data-state="${esc(h.state)}" data-host="${esc(h.host)}" data-text="${esc(text)}">
<tr>${cells.join('')}</tr>${h.events.length > 0 ? `\n<tr class="events"><td colspan="${COLUMNS.length}">${events(h.events, open.length)}</td></tr>` : ''}
</tbody>`;
}

function tags(t: Record<string, string>): string {
  const entries = Object.entries(t);
  if (entries.length === 0) return '<span class="none">-</span>';
  return entries.map(([k, v]) => `<span class="tag">${esc(k)}=${esc(v)}</span>`).join('');
}

function release(label: string, id: string, differs: boolean): string {
  if (!label && !id) return '<span class="none">none</span>';
  const title = id ? ` title="${esc(id)}"` : '';
  return `<span class="mono${differs ? ' differs' : ''}"${title}>${esc(label || id.slice(0, 12))}</span>`;
}

function paths(p: DriftHost['paths']): string {
  if (p.count === 0) return '<span class="none">-</span>';
  const more = p.count - p.first.length;
  return `<span class="count">${p.count} ${p.count === 1 ? 'path' : 'paths'}</span><ul class="paths">${p.first.map(pathItem).join('')}${
    more > 0 ? `<li class="more">+${more} more</li>` : ''
  }</ul>`;
}

function pathItem(p: DriftPath): string {
  return `<li><span class="chg chg-${esc(p.change)}">${esc(p.change)}</span><code>${esc(p.path)}</code></li>`;
}

function events(list: DriftEvent[], open: number): string {
  const head = `${list.length} ${list.length === 1 ? 'event' : 'events'}${open > 0 ? `, ${open} open` : ''}`;
  return `<details><summary>${head}</summary><ol>${list.map(eventItem).join('')}</ol></details>`;
}

function eventItem(e: DriftEvent): string {
  const end = e.resolved_at === null ? '<span class="open">open</span>' : `resolved ${time(e.resolved_at)}`;
  const shownPaths = e.paths.slice(0, PATHS_PER_EVENT);
  const more = e.paths.length - shownPaths.length;
  const list =
    e.paths.length === 0
      ? ''
      : `<div class="paths-inline">${shownPaths.map((p) => `<span class="chg chg-${esc(p.change)}">${esc(p.change)}</span><code>${esc(p.path)}</code>`).join(' · ')}${
          more > 0 ? ` <span class="more">+${more} more</span>` : ''
        }</div>`;
  return `<li><b>${esc(words(e.kind))}</b> detected ${time(e.detected_at)} · ${esc(e.action)} · ${end}${list}</li>`;
}

/** words turns 'content-drift' into 'content drift'. */
function words(s: string): string {
  return s.replace(/-/g, ' ');
}

/** when shows an ISO 8601 time to the second in UTC (the page says so once); anything unparsable is shown as given. */
function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 19).replace('T', ' ');
}

function time(iso: string): string {
  return `<time datetime="${esc(iso)}">${esc(when(iso))}</time>`;
}
