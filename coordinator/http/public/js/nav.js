import { api, byId, el, errorText, show, useCsrf } from './lib.js';

// The header every page has: where to go, who is signed in (and as what),
// sign-out, and the banners that must not be missed: the fleet is halted,
// this coordinator only follows.

const LINKS = [
  ['/fleet', 'Fleet', 'fleet'],
  ['/rollouts/current', 'Rollout', 'rollout'],
  ['/rollouts', 'Rollouts', 'rollouts'],
  ['/releases', 'Releases', 'releases'],
  ['/history', 'History', 'history'],
  ['/audit', 'Audit', 'audit'],
  ['/drift', 'Drift', 'drift'],
];

const ROLES = ['viewer', 'deployer', 'admin'];

/** can: the signed-in token's role is at least `role`. The server checks again; this only decides what is shown. */
export const can = (me, role) => ROLES.indexOf(me.role) >= ROLES.indexOf(role);

/** startPage draws the header and returns who is signed in; without a session it goes to sign-in. */
export async function startPage(current) {
  const me = await api('/api/session');
  useCsrf(me.csrf);
  const top = byId('top');
  const signOut = el('button', { type: 'button', class: 'link', id: 'sign-out', text: 'Sign out' });
  signOut.addEventListener('click', async () => {
    try {
      await api('/api/session', { method: 'DELETE' });
    } finally {
      location.assign('/signin');
    }
  });
  show(
    top,
    el(
      'nav',
      { class: 'bar', 'aria-label': 'dashboard' },
      el('a', { class: 'brand', href: '/fleet', text: 'fleetswap' }),
      el('ul', {}, LINKS.map(([href, text, page]) => el('li', {}, el('a', { href, text, 'aria-current': page === current ? 'page' : undefined })))),
      el('span', { class: 'who', id: 'who' }, el('b', { text: me.name }), ' · ', el('span', { class: `role role-${me.role}`, id: 'role', text: me.role })),
      signOut,
    ),
    el('div', { id: 'banners' }),
    el('div', { id: 'toasts', role: 'status', 'aria-live': 'polite' }),
  );
  if (!me.leading) {
    byId('banners').append(
      el('p', { class: 'banner follower', id: 'follower' }, `This coordinator follows${me.leader ? ` ${me.leader.name} at ${me.leader.address}` : ' (no coordinator leads yet)'}: it shows what is stored; the fleet, drift and every action are on the leader's dashboard.`),
    );
  }
  return me;
}

/** showHalt shows (or takes down) the banner that says the fleet is halted. */
export function showHalt(halt) {
  const banners = document.getElementById('banners');
  if (!banners) return;
  const old = document.getElementById('halted');
  if (!halt || !halt.halted) {
    old?.remove();
    return;
  }
  const text = `The fleet is HALTED by ${halt.actor} since ${halt.at}: ${halt.reason}. Nothing switches until it is unhalted.`;
  if (old && old.textContent === text) return;
  const banner = el('p', { class: 'banner halted', id: 'halted', text });
  if (old) old.replaceWith(banner);
  else banners.prepend(banner);
}

/** toast says something for a few seconds (an action done, or refused). */
export function toast(text, bad = false) {
  const area = document.getElementById('toasts');
  if (!area) return;
  const t = el('p', { class: bad ? 'toast bad' : 'toast', text });
  area.append(t);
  setTimeout(() => t.remove(), bad ? 12000 : 5000);
}

/** failed shows an error where the page's content goes (as a row when that is a table's body). */
export function failed(container, err) {
  const text = el('p', { class: 'error', text: errorText(err) });
  show(container, container.tagName === 'TBODY' ? el('tr', {}, el('td', { colspan: 20 }, text)) : text);
}
