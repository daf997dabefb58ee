// @ts-check
import { api } from '../api.js';
import { byId, fieldValue, onSubmit, queryParam, say, show, showProblem, t } from '../ui.js';

export function start() {
  const form = byId('reset-form');
  const token = queryParam('token');
  const finish = (/** @type {string} */ text, /** @type {'success' | 'error'} */ kind) => {
    show(form, false);
    show(byId('sign-in-link'), true);
    say(text, kind);
  };
  if (!token) return finish(t('invalidLink'), 'error');
  onSubmit(form, async () => {
    const result = await api('POST', 'password/reset/', {
      auth: false,
      body: {
        token,
        new_password: fieldValue(form, 'new_password'),
        new_password_confirm: fieldValue(form, 'new_password_confirm'),
      },
    });
    if (result.ok) return finish(t('passwordReset'), 'success');
    if (result.problem.code === 'invalid_token') return finish(t('invalidLink'), 'error');
    showProblem(result.problem, form);
  });
}
