import { api, el, errorText } from './lib.js';
import { toast } from './nav.js';

// Every action asks first: what it will do, and why (a reason is required;
// the audit log keeps it). The server checks the role, the session's CSRF
// token and the origin whatever this page shows.

/**
 * confirmAction opens a dialog asking to confirm `title`; it resolves with
 * the reason given, or null when cancelled.
 */
export function confirmAction({ title, detail, confirm, danger = false }) {
  return new Promise((resolve) => {
    const reason = el('textarea', { id: 'reason', name: 'reason', rows: 3, maxlength: 1000, required: true, placeholder: 'why (kept in the audit log)' });
    const problem = el('p', { class: 'error', hidden: true });
    const ok = el('button', { type: 'submit', class: danger ? 'danger' : 'primary', id: 'confirm', text: confirm });
    const cancel = el('button', { type: 'button', id: 'cancel', text: 'Cancel' });
    const form = el('form', { class: 'confirm' }, el('h2', { text: title }), detail ? el('p', { text: detail }) : null, el('label', { for: 'reason', text: 'Reason' }), reason, problem, el('div', { class: 'buttons' }, cancel, ok));
    const dialog = el('dialog', { class: 'confirm' }, form);
    const finish = (value) => {
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const why = reason.value.trim();
      if (!why) {
        problem.textContent = 'give a reason: the audit log records why';
        problem.hidden = false;
        return;
      }
      finish(why);
    });
    cancel.addEventListener('click', () => finish(null));
    dialog.addEventListener('cancel', () => finish(null));
    document.body.append(dialog);
    dialog.showModal();
    reason.focus();
  });
}

/** act confirms, then posts `body` (with the reason) to `path`; it resolves with the answer, or null if cancelled or refused. */
export async function act({ title, detail, confirm, danger, path, body = {} }) {
  const reason = await confirmAction({ title, detail, confirm, danger });
  if (reason === null) return null;
  try {
    const res = await api(path, { method: 'POST', body: { ...body, reason } });
    toast(`${confirm}: done`);
    return res;
  } catch (err) {
    toast(`${confirm} refused: ${errorText(err)}`, true);
    return null;
  }
}
