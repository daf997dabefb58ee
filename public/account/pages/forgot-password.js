// @ts-check
import { api } from '../api.js';
import { byId, fieldValue, onSubmit, say, showProblem, t } from '../ui.js';

export function start() {
  const form = byId('forgot-form');
  onSubmit(form, async () => {
    const result = await api('POST', 'password/request-reset/', {
      auth: false,
      body: { email: fieldValue(form, 'email') },
    });
    if (result.ok) say(t('resetRequested'), 'success');
    else showProblem(result.problem, form);
  });
}
