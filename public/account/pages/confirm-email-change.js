// @ts-check
import { api } from '../api.js';
import { byId, problemText, queryParam, say, show, t } from '../ui.js';

/** The link of the email-change email: confirms as the page opens (a POST, which link scanners do not send). */
export async function start() {
  const token = queryParam('token');
  const done = (/** @type {string} */ text, /** @type {'success' | 'error'} */ kind) => {
    say(text, kind);
    show(byId('sign-in-link'), true);
  };
  if (!token) return done(t('invalidLink'), 'error');
  say(t('confirmingEmail'));
  const result = await api('POST', 'me/email/confirm/', { auth: false, body: { token } });
  if (result.ok) return done(t('emailChanged'), 'success');
  if (result.problem.code === 'email_taken') return done(t('emailInUse'), 'error');
  done(problemText(result.problem), 'error');
}
