// @ts-check
import { api } from '../api.js';
import { byId, fieldError, fieldValue, onSubmit, say, show, showProblem, t } from '../ui.js';

export function start() {
  const form = byId('register-form');
  onSubmit(form, async () => {
    const email = fieldValue(form, 'email').trim();
    const role = /** @type {HTMLInputElement | null} */ (form.querySelector('[name="role"]:checked'))?.value;
    const result = await api('POST', 'register/', {
      auth: false,
      body: {
        email,
        username: fieldValue(form, 'username').trim(),
        password: fieldValue(form, 'password'),
        password_confirm: fieldValue(form, 'password_confirm'),
        role,
      },
    });
    if (result.ok) {
      show(form, false);
      return say(t('registered', { email }), 'success');
    }
    const { code } = result.problem;
    if (code === 'email_taken' || code === 'username_taken') {
      fieldError(
        form,
        code === 'email_taken' ? 'email' : 'username',
        t(code === 'email_taken' ? 'emailTaken' : 'usernameTaken'),
      );
      say(t('fixFields'), 'error');
      return byId(code === 'email_taken' ? 'email' : 'username').focus();
    }
    showProblem(result.problem, form);
  });
}
