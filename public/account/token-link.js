// @ts-check
import { api } from './api.js';
import { byId, onSubmit, problemText, queryParam, say, show, t } from './ui.js';

/**
 * A "this wasn't me" link from an email: nothing happens until the person presses the button,
 * then the link's token goes to `endpoint`.
 * @param {string} endpoint @param {string} doneText
 */
export function confirmTokenLink(endpoint, doneText) {
  const form = byId('confirm-form');
  const token = queryParam('token');
  const finish = (/** @type {string} */ text, /** @type {'success' | 'error'} */ kind) => {
    show(form, false);
    show(byId('sign-in-link'), true);
    say(text, kind);
  };
  if (!token) return finish(t('invalidLink'), 'error');
  onSubmit(form, async () => {
    const result = await api('POST', endpoint, { auth: false, body: { token } });
    if (result.ok) finish(doneText, 'success');
    else finish(problemText(result.problem), 'error');
  });
}
