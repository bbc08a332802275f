import { api, byId, el, show, time } from './lib.js';
import { failed, startPage, toast } from './nav.js';

// The audit log, newest first and filterable, with the hash chain's state as
// this coordinator has checked it (every entry once, as it arrives; "Verify
// the whole chain" checks every entry again). `fleetswap audit --verify`
// checks it without trusting the coordinator.

let entries = [];

function chain(state) {
  const p = byId('chain');
  p.className = `chain ${state.whole ? 'whole' : 'broken'}`;
  p.textContent = state.whole
    ? `Chain whole: entries #1 to #${state.checked_to} each follow the one before and hash right.`
    : `Chain BROKEN: ${state.broken.message}. Someone with the database changed the log; compare with a backup, and run fleetswap audit --verify.`;
}

function draw() {
  const q = byId('q').value.toLowerCase().split(/\s+/).filter(Boolean);
  const action = byId('action').value;
  const rows = entries.filter((e) => (!action || e.action === action) && q.every((w) => [e.actor, e.action, e.target, e.reason, e.detail].join(' ').toLowerCase().includes(w)));
  show(
    byId('rows'),
    rows.map((e) =>
      el(
        'tr',
        { 'data-entry': e.id },
        el('td', { text: String(e.id) }),
        el('td', { class: 'when', text: time(e.at) }),
        el('td', { class: 'mono', text: e.actor }),
        el('td', { text: e.action }),
        el('td', { class: 'mono clip', title: e.target, text: e.target }),
        el('td', { class: 'clip wide', title: e.reason, text: e.reason }),
        el('td', { class: 'mono clip', title: e.detail, text: e.detail === '{}' ? '' : e.detail }),
      ),
    ),
  );
  byId('shown').textContent = `${rows.length} of ${entries.length} entries loaded`;
}

function actions() {
  const select = byId('action');
  const have = new Set([...select.options].map((o) => o.value));
  for (const a of [...new Set(entries.map((e) => e.action))].sort()) if (!have.has(a)) select.append(el('option', { value: a, text: a }));
}

async function load(before) {
  const data = await api(`/api/audit${before ? `?before=${before}` : ''}`);
  entries = before ? [...entries, ...data.entries] : data.entries;
  byId('more').hidden = entries.length === 0 || entries.at(-1).id <= 1;
  chain(data.chain);
  actions();
  draw();
}

async function main() {
  await startPage('audit');
  byId('q').addEventListener('input', draw);
  byId('action').addEventListener('change', draw);
  byId('more').addEventListener('click', () => load(entries.at(-1)?.id));
  byId('verify').addEventListener('click', async () => {
    try {
      const data = await api('/api/audit?verify=full&limit=1');
      chain(data.chain);
      toast(data.chain.whole ? `verified entries #1 to #${data.chain.checked_to}` : 'the chain is broken', !data.chain.whole);
    } catch (err) {
      toast(err.message, true);
    }
  });
  try {
    await load();
  } catch (err) {
    failed(byId('main'), err);
  }
  document.documentElement.dataset.ready = 'true';
}

main();
