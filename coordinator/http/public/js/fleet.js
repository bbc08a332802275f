import { act } from './actions.js';
import { ago, api, byId, collator, el, labelOf, num, show, words } from './lib.js';
import { can, failed, showHalt, startPage } from './nav.js';

// The fleet page: every host in one table, sortable and filterable, with a
// summary by state and by live release at the top. Built to stay quick at
// a thousand hosts: rows are made once per refresh and only reordered or
// hidden when the filter or the order changes.

const REFRESH_MS = 5000;
const STATES = ['content-drift', 'version-drift', 'no-release', 'offline', 'converging', 'in-sync'];
const PROBLEMS = new Set(['content-drift', 'version-drift', 'no-release', 'offline']);

/** Each column: its heading, what it sorts by, and the cell it shows. */
const COLUMNS = [
  { key: 'host', title: 'Host', sort: (h) => h.id, cell: (h) => el('td', { class: 'mono strong', text: h.id }) },
  { key: 'tags', title: 'Tags', sort: (h) => tagText(h), cell: (h) => el('td', {}, Object.entries(h.tags).map(([k, v]) => el('span', { class: 'tag', text: `${k}=${v}` }))) },
  { key: 'state', title: 'State', sort: (h) => STATES.indexOf(h.state), cell: (h) => el('td', {}, el('span', { class: `badge s-${h.state}`, text: words(h.state) })) },
  { key: 'live', title: 'Live', sort: (h, L) => labelOf(L, h.live), cell: (h, L) => el('td', { class: h.live !== h.desired ? 'mono differs' : 'mono', title: h.live, text: labelOf(L, h.live) || '-' }) },
  { key: 'desired', title: 'Desired', sort: (h, L) => labelOf(L, h.desired), cell: (h, L) => el('td', { class: 'mono', title: h.desired, text: labelOf(L, h.desired) || '-' }) },
  { key: 'slots', title: 'Slots', sort: (h) => h.slots.used, cell: (h) => el('td', { class: 'num', text: `${h.slots.used}/${h.slots.count}${h.slots.evidence ? ` (${h.slots.evidence} evidence)` : ''}` }) },
  { key: 'seen', title: 'Connected', sort: (h) => (h.connected ? 0 : 1e15 - Date.parse(h.last_seen || 0)), cell: (h) => el('td', { class: h.connected ? 'ok' : 'warn', text: h.connected ? 'yes' : `no, seen ${ago(h.last_seen)}` }) },
  { key: 'load', title: 'Load', sort: (h) => v(h, 'load1'), cell: (h) => el('td', { class: 'num', text: h.vitals ? num(h.vitals.load1) : '-' }) },
  { key: 'cpu', title: 'CPU %', sort: (h) => v(h, 'cpu_pct'), cell: (h) => el('td', { class: 'num', text: h.vitals ? num(h.vitals.cpu_pct, 1) : '-' }) },
  { key: 'mem', title: 'Mem %', sort: (h) => v(h, 'mem_pct'), cell: (h) => el('td', { class: 'num', text: h.vitals ? num(h.vitals.mem_pct, 1) : '-' }) },
  { key: 'errors', title: 'Errors', sort: (h) => v(h, 'error_lines'), cell: (h) => el('td', { class: 'num', text: h.vitals ? String(h.vitals.error_lines) : '-' }) },
  { key: 'probe', title: 'Probe ms', sort: (h) => v(h, 'probe_ms'), cell: (h) => el('td', { class: h.vitals && h.vitals.probe_ok === false ? 'num warn' : 'num', text: h.vitals && h.vitals.probe_ms !== null ? num(h.vitals.probe_ms, 1) : '-' }) },
  { key: 'error', title: 'Last error', sort: (h) => h.last_error, cell: (h) => el('td', { class: 'clip', title: h.last_error, text: h.last_error || '' }) },
];

const v = (h, k) => (h.vitals && h.vitals[k] !== null ? h.vitals[k] : -1);
const tagText = (h) => Object.entries(h.tags).map(([k, val]) => `${k}=${val}`).join(' ');

const view = { q: '', state: '', release: '', drifted: false, sort: 'state', desc: false };
let rows = [];
let labels = {};

/** The filter and order live in the URL's hash, so a view can be linked. */
function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  view.q = p.get('q') || '';
  view.state = p.get('state') || '';
  view.release = p.get('release') || '';
  view.drifted = p.get('drifted') === '1';
  view.sort = COLUMNS.some((c) => c.key === p.get('sort')) ? p.get('sort') : 'state';
  view.desc = p.get('desc') === '1';
  byId('q').value = view.q;
  byId('drifted').checked = view.drifted;
}

function writeHash() {
  const p = new URLSearchParams();
  if (view.q) p.set('q', view.q);
  if (view.state) p.set('state', view.state);
  if (view.release) p.set('release', view.release);
  if (view.drifted) p.set('drifted', '1');
  if (view.sort !== 'state') p.set('sort', view.sort);
  if (view.desc) p.set('desc', '1');
  const hash = p.toString();
  history.replaceState(null, '', hash ? `#${hash}` : location.pathname);
}

function headings() {
  show(
    byId('columns'),
    COLUMNS.map((c) => {
      const b = el('button', { type: 'button', class: 'sort', 'data-key': c.key, text: c.title });
      b.addEventListener('click', () => {
        view.desc = view.sort === c.key ? !view.desc : false;
        view.sort = c.key;
        writeHash();
        arrange();
      });
      return el('th', { scope: 'col', 'aria-sort': view.sort === c.key ? (view.desc ? 'descending' : 'ascending') : undefined }, b);
    }),
  );
}

/** build makes one row per host, with what it sorts and filters by. */
function build(hosts) {
  rows = hosts.map((h) => ({
    h,
    tr: el('tr', { 'data-host': h.id, 'data-state': h.state }, COLUMNS.map((c) => c.cell(h, labels))),
    text: [h.id, tagText(h), h.state, labelOf(labels, h.live), labelOf(labels, h.desired), h.live, h.last_error].join(' ').toLowerCase(),
  }));
}

/** arrange filters and orders the rows already made. */
function arrange() {
  headings();
  const col = COLUMNS.find((c) => c.key === view.sort) || COLUMNS[0];
  const dir = view.desc ? -1 : 1;
  const key = (r) => col.sort(r.h, labels);
  const sorted = [...rows].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y));
    return dir * c || collator.compare(a.h.id, b.h.id);
  });
  const words = view.q.toLowerCase().split(/\s+/).filter(Boolean);
  const visible = sorted.filter(
    (r) =>
      (!view.state || r.h.state === view.state) &&
      (!view.release || r.h.live === view.release) &&
      (!view.drifted || PROBLEMS.has(r.h.state)) &&
      words.every((w) => r.text.includes(w)),
  );
  show(byId('rows'), visible.length ? visible.map((r) => r.tr) : el('tr', {}, el('td', { class: 'empty', colspan: COLUMNS.length, text: rows.length ? 'no hosts match the filter' : 'no hosts have connected yet' })));
  byId('shown').textContent = `showing ${visible.length} of ${rows.length} hosts`;
}

function summary(hosts) {
  const byState = new Map(STATES.map((s) => [s, 0]));
  const byRelease = new Map();
  for (const h of hosts) {
    byState.set(h.state, (byState.get(h.state) || 0) + 1);
    byRelease.set(h.live, (byRelease.get(h.live) || 0) + 1);
  }
  const tile = (n, text, cls, onClick, pressed) => {
    const b = el('button', { type: 'button', class: `tile ${cls}${n === 0 ? ' zero' : ''}`, 'aria-pressed': pressed ? 'true' : 'false' }, el('b', { text: String(n) }), el('span', { text }));
    b.addEventListener('click', onClick);
    return b;
  };
  const releases = [...byRelease].sort((a, b) => b[1] - a[1]);
  show(
    byId('summary'),
    el(
      'div',
      { class: 'tiles', id: 'by-state' },
      el('span', { class: 'label', text: 'by state' }),
      el('div', { class: 'tile total' }, el('b', { text: String(hosts.length) }), el('span', { text: 'hosts' })),
      [...byState].map(([s, n]) =>
        tile(n, words(s), `s-${s}${PROBLEMS.has(s) && n > 0 ? ' loud' : ''}`, () => {
          view.state = view.state === s ? '' : s;
          syncSelects();
          writeHash();
          arrange();
        }, view.state === s),
      ),
    ),
    el(
      'div',
      { class: 'tiles releases', id: 'by-release' },
      el('span', { class: 'label', text: 'by live release' }),
      releases.map(([id, n]) =>
        tile(n, id ? labelOf(labels, id) : 'nothing live', 'release', () => {
          view.release = view.release === id ? '' : id;
          syncSelects();
          writeHash();
          arrange();
        }, view.release === id && id !== ''),
      ),
    ),
  );
  const states = byId('state');
  show(states, el('option', { value: '', text: 'every state' }), STATES.map((s) => el('option', { value: s, text: `${words(s)} (${byState.get(s) || 0})` })));
  show(byId('release'), el('option', { value: '', text: 'every live release' }), releases.filter(([id]) => id).map(([id, n]) => el('option', { value: id, text: `${labelOf(labels, id)} (${n})` })));
  syncSelects();
}

function syncSelects() {
  byId('state').value = view.state;
  byId('release').value = view.release;
}

function haltButtons(me, halt) {
  const area = byId('fleet-actions');
  if (!can(me, 'admin')) return show(area);
  const halted = halt && halt.halted;
  const b = el('button', { type: 'button', class: halted ? 'primary' : 'danger', id: halted ? 'unhalt' : 'halt', text: halted ? 'Unhalt fleet…' : 'Halt fleet…' });
  b.addEventListener('click', async () => {
    const done = await act(
      halted
        ? { title: 'Unhalt the fleet', detail: 'Switches held while halted go out now; deadlines and bakes are moved on by the time halted.', confirm: 'Unhalt', path: '/api/unhalt' }
        : { title: 'Halt the fleet', detail: 'The kill switch: no host switches release, and deploy, promote, resume, rollback and abort are refused, until the fleet is unhalted.', confirm: 'Halt', danger: true, path: '/api/halt' },
    );
    if (done) await refresh(me);
  });
  show(area, b);
}

async function refresh(me) {
  const data = await api('/api/fleet');
  labels = data.labels;
  showHalt(data.halt);
  haltButtons(me, data.halt);
  summary(data.hosts);
  build(data.hosts);
  arrange();
  byId('updated').textContent = `${data.hosts.length} hosts · updated ${new Date().toISOString().slice(11, 19)} UTC`;
}

async function main() {
  const me = await startPage('fleet');
  readHash();
  byId('q').addEventListener('input', () => {
    view.q = byId('q').value;
    writeHash();
    arrange();
  });
  byId('state').addEventListener('change', () => {
    view.state = byId('state').value;
    writeHash();
    arrange();
  });
  byId('release').addEventListener('change', () => {
    view.release = byId('release').value;
    writeHash();
    arrange();
  });
  byId('drifted').addEventListener('change', () => {
    view.drifted = byId('drifted').checked;
    writeHash();
    arrange();
  });
  try {
    await refresh(me);
  } catch (err) {
    failed(byId('rows'), err);
  }
  document.documentElement.dataset.ready = 'true';
  setInterval(() => refresh(me).catch((err) => failed(byId('updated'), err)), REFRESH_MS);
}

main();
