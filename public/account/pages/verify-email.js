// @ts-check
import { api } from '../api.js';
import { byId, problemText, queryParam, say, show, t } from '../ui.js';

/** The link of the verification email: verifies as the page opens (a POST, so link scanners that only fetch it do not). */
export async function start() {
  const token = queryParam('token');
  const done = (/** @type {string} */ text, /** @type {'success' | 'error'} */ kind) => {
    say(text, kind);
    show(byId('sign-in-link'), true);
  };
  if (!token) return done(t('invalidLink'), 'error');
  say(t('verifying'));
  const result = await api('POST', 'verify-email/', { auth: false, body: { token } });
  if (result.ok) done(t('verified'), 'success');
  else done(problemText(result.problem), 'error');
}
