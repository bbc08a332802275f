import { api, byId, errorText } from './lib.js';

/** next is where to go after signing in: a path on this dashboard only (never another site). */
function next() {
  const want = new URLSearchParams(location.search).get('next') || '/fleet';
  return /^\/(?![/\\])/.test(want) ? want : '/fleet';
}

const form = byId('signin');
const problem = byId('problem');
form.addEventListener('submit', async (e) => {
  e.preventDefault();
  problem.hidden = true;
  const input = byId('token');
  try {
    await api('/api/session', { method: 'POST', body: { token: input.value } });
    location.assign(next());
  } catch (err) {
    problem.textContent = errorText(err);
    problem.hidden = false;
    input.select();
  }
});
document.documentElement.dataset.ready = 'true';
