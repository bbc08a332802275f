import { api, byId, el, labelOf, show, time } from './lib.js';
import { failed, startPage } from './nav.js';

// Every change of desired state (who, when, why, from what to what, which
// hosts), filterable: what `fleetswap history` shows.

let changes = [];
let labels = {};

function draw() {
  const q = byId('q').value.toLowerCase().split(/\s+/).filter(Boolean);
  const action = byId('action').value;
  const rows = changes.filter((c) => (!action || c.action === action) && q.every((w) => [c.actor, c.action, c.reason, labelOf(labels, c.from_release), labelOf(labels, c.to_release), ...c.hosts].join(' ').toLowerCase().includes(w)));
  show(
    byId('rows'),
    rows.map((c) =>
      el(
        'tr',
        {},
        el('td', { text: String(c.id) }),
        el('td', { class: 'when', text: time(c.at) }),
        el('td', { text: c.action }),
        el('td', { class: 'mono', text: labelOf(labels, c.from_release) || '-' }),
        el('td', { class: 'mono', text: labelOf(labels, c.to_release) || '-' }),
        el('td', { class: 'clip', title: c.hosts.join(', '), text: `${c.hosts.length}: ${c.hosts.slice(0, 4).join(', ')}${c.hosts.length > 4 ? ', …' : ''}` }),
        el('td', { text: c.actor }),
        el('td', { class: 'clip wide', title: c.reason, text: c.reason }),
      ),
    ),
  );
  byId('shown').textContent = `${rows.length} of ${changes.length} changes`;
}

async function main() {
  await startPage('history');
  try {
    const data = await api('/api/history');
    labels = data.labels;
    changes = [...data.changes].reverse();
    const actions = [...new Set(changes.map((c) => c.action))].sort();
    byId('action').append(...actions.map((a) => el('option', { value: a, text: a })));
    byId('q').addEventListener('input', draw);
    byId('action').addEventListener('change', draw);
    draw();
  } catch (err) {
    failed(byId('main'), err);
  }
  document.documentElement.dataset.ready = 'true';
}

main();
