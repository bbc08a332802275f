import { api, byId, el, show, time, words } from './lib.js';
import { failed, startPage } from './nav.js';

// Every rollout, newest first, a page at a time; each links to its page.

let all = [];

function draw() {
  const q = byId('q').value.toLowerCase().split(/\s+/).filter(Boolean);
  const rows = all.filter((r) => q.every((w) => [r.id, r.kind, r.release_label, r.from_label, r.state, r.actor, r.reason, r.message].join(' ').toLowerCase().includes(w)));
  show(
    byId('rows'),
    rows.map((r) =>
      el(
        'tr',
        { 'data-rollout': r.id, 'data-release': r.release_label, 'data-kind': r.kind },
        el('td', {}, el('a', { href: `/rollouts/${r.id}`, text: `#${r.id}` })),
        el('td', { text: r.kind }),
        el('td', { class: 'mono', text: r.release_label }),
        el('td', { class: 'mono', text: r.from_label || '-' }),
        el('td', {}, el('span', { class: `badge r-${r.state}`, text: words(r.state) })),
        el('td', { class: 'when', text: time(r.created_at) }),
        el('td', { text: r.actor }),
        el('td', { class: 'clip wide', title: r.message, text: r.message }),
      ),
    ),
  );
  byId('shown').textContent = `${rows.length} of ${all.length} rollouts`;
}

async function load(before) {
  const data = await api(`/api/rollouts${before ? `?before=${before}` : ''}`);
  all = before ? [...all, ...data.rollouts] : data.rollouts;
  byId('more').hidden = !data.more;
  draw();
}

async function main() {
  await startPage('rollouts');
  byId('q').addEventListener('input', draw);
  byId('more').addEventListener('click', () => load(all.at(-1)?.id));
  try {
    await load();
  } catch (err) {
    failed(byId('main'), err);
  }
  document.documentElement.dataset.ready = 'true';
}

main();
