import { act } from './actions.js';
import { api, byId, bytes, el, show, short, time } from './lib.js';
import { can, failed, startPage } from './nav.js';

// Every release: who pushed it, when, its signatures and whether it can be
// rolled back past; the difference between any two; and, for a deployer,
// rolling the fleet back to one of them.

let me;

function draw(releases) {
  show(
    byId('rows'),
    releases.map((r) => {
      const back = can(me, 'deployer') ? el('button', { type: 'button', class: 'small', 'data-to': r.label, text: 'Roll back to…' }) : null;
      back?.addEventListener('click', () => act({ title: `Roll back to ${r.label}`, detail: `Every host goes to ${r.label} now; an active rollout is superseded.`, confirm: 'Roll back', danger: true, path: '/api/rollback', body: { to: r.id } }));
      return el(
        'tr',
        { 'data-release': r.label },
        el('td', { class: 'mono strong', text: r.label }),
        el('td', { class: 'mono', title: r.id, text: short(r.id) }),
        el('td', { text: r.pushed_by }),
        el('td', { class: 'when', text: time(r.pushed_at) }),
        el('td', { class: 'num', text: String(r.files) }),
        el('td', { class: 'num', text: bytes(r.bytes) }),
        el('td', { class: 'mono', text: r.signed_by.length ? r.signed_by.join(', ') : 'unsigned' }),
        el('td', { class: r.irreversible ? 'warn' : '', text: r.irreversible || '-' }),
        el('td', { class: 'clip', title: `${r.owner} ${r.notes}`, text: [r.owner, r.notes].filter(Boolean).join(' · ') }),
        el('td', {}, back),
      );
    }),
  );
  const options = () => releases.map((r) => el('option', { value: r.id, text: r.label }));
  show(byId('from'), options());
  show(byId('to'), options());
  if (releases.length >= 2) {
    byId('from').value = releases[releases.length - 2].id;
    byId('to').value = releases[releases.length - 1].id;
  }
}

async function diff() {
  const out = byId('diff');
  try {
    const d = await api(`/api/releases/diff?from=${encodeURIComponent(byId('from').value)}&to=${encodeURIComponent(byId('to').value)}`);
    const size = (s) => (!s ? '' : s.type === 'file' ? bytes(s.size) : s.type === 'symlink' ? `→ ${s.target}` : 'directory');
    show(
      out,
      el('p', { id: 'diff-summary' }, el('b', { text: `${d.from.label} → ${d.to.label}` }), `: ${d.added} added, ${d.changed} changed, ${d.removed} removed · ${bytes(d.bytes_added)} new or changed, ${bytes(d.bytes_removed)} removed`),
      d.paths.length === 0
        ? el('p', { class: 'meta', text: 'the two trees are the same' })
        : el(
            'table',
            { class: 'list', id: 'diff-table' },
            el('thead', {}, el('tr', {}, ['Change', 'Path', 'Before', 'After'].map((h) => el('th', { scope: 'col', text: h })))),
            el('tbody', {}, d.paths.map((p) => el('tr', { class: `chg-${p.change}` }, el('td', { class: 'chg', text: p.change }), el('td', { class: 'mono', text: p.path }), el('td', { class: 'num', text: size(p.before) }), el('td', { class: 'num', text: size(p.after) })))),
          ),
      d.truncated ? el('p', { class: 'meta', text: 'only the first paths are listed; the counts cover all' }) : null,
    );
  } catch (err) {
    failed(out, err);
  }
}

async function main() {
  me = await startPage('releases');
  byId('diff-form').addEventListener('submit', (e) => {
    e.preventDefault();
    diff();
  });
  try {
    draw((await api('/api/releases')).releases);
  } catch (err) {
    failed(byId('main'), err);
  }
  document.documentElement.dataset.ready = 'true';
}

main();
