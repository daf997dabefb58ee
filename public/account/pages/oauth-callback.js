// @ts-check
import { api } from '../api.js';
import { navigate, safeNext } from '../navigation.js';
import { handBackLink, LINK_PREFIX, takeSignInAttempt } from '../oauth.js';
import * as session from '../session.js';
import { byId, pageData, problemText, say, show, t } from '../ui.js';
import { continueWithMfa } from './sign-in.js';

/** Where the provider sends the browser back, with `code` and `state` (or `error`). */
export async function start() {
  const query = new URLSearchParams(location.search);
  const state = query.get('state') ?? '';
  const fail = (/** @type {string} */ text) => {
    say(text, 'error');
    show(byId('sign-in-link'), true);
  };
  if (state.startsWith(LINK_PREFIX)) {
    // The second window of a link: the window that opened it holds the session and the verifier.
    handBackLink(query);
    say(t('linkDone'), 'success');
    window.close();
    return;
  }
  const attempt = takeSignInAttempt();
  // The URL holds a single-use code: keep it out of the history.
  history.replaceState(null, '', location.pathname);
  if (query.get('error')) return fail(t('oauthRefused', { error: query.get('error') ?? '' }));
  const code = query.get('code');
  if (!attempt || !code || attempt.state !== state) return fail(t('oauthStateMismatch'));
  const next = safeNext(attempt.next);
  const result = await api('POST', `oauth/${attempt.provider}/`, {
    auth: false,
    body: { code, redirect_uri: pageData().redirectUri, code_verifier: attempt.codeVerifier },
  });
  if (result.ok) {
    session.adopt(result.data);
    return navigate(next, { replace: true });
  }
  if (result.status === 428 && typeof result.problem.mfa_token === 'string') {
    continueWithMfa(result.problem.mfa_token);
    return navigate(`/account/sign-in?next=${encodeURIComponent(next)}`, { replace: true });
  }
  const { code: problem } = result.problem;
  if (problem === 'oauth_email_unverified') return fail(t('oauthEmailUnverified'));
  if (problem === 'provider_unavailable') return fail(t('oauthUnavailable'));
  fail(problemText(result.problem));
}
