// @ts-check
import { api } from '../api.js';
import { navigate, safeNext } from '../navigation.js';
import { providerNamed, startSignIn } from '../oauth.js';
import * as session from '../session.js';
import { byId, fieldError, fieldValue, onSubmit, queryParam, say, show, showProblem, t, whileBusy } from '../ui.js';
import { passkeysSupported, usePasskey } from '../webauthn.js';

/** A second step started elsewhere (an OAuth sign-in that answered 428), waiting for this page. */
let pendingMfa = /** @type {string | null} */ (null);

/** @param {string} mfaToken */
export function continueWithMfa(mfaToken) {
  pendingMfa = mfaToken;
}

/** @param {import('../session.js').TokenAnswer} answer @param {string} next */
async function signedIn(answer, next) {
  session.adopt(answer);
  await navigate(next, { replace: true });
}

export function start() {
  const next = safeNext(queryParam('next'));
  const form = byId('sign-in-form');
  const resend = byId('resend-verification');
  let rememberMe = false;

  const mfaForm = byId('mfa-form');
  let mfaToken = '';
  /** @param {string} token */
  const askForCode = (token) => {
    mfaToken = token;
    mfaForm.reset();
    show(byId('password-step'), false);
    show(byId('mfa-step'), true);
    byId('mfa-title').focus();
  };
  onSubmit(mfaForm, async () => {
    const result = await api('POST', 'login/mfa/', {
      auth: false,
      body: { mfa_token: mfaToken, mfa_code: fieldValue(mfaForm, 'mfa_code').trim(), remember_me: rememberMe },
    });
    if (result.ok) return signedIn(result.data, next);
    if (result.problem.code === 'invalid_mfa_token') {
      restart();
      return say(t('invalidMfaToken'), 'error');
    }
    showProblem(result.problem, mfaForm);
    if (result.problem.code === 'invalid_mfa_code') {
      fieldError(mfaForm, 'mfa_code', t('invalidCode'));
      byId('mfa-code').focus();
    }
  });
  const restart = () => {
    show(byId('mfa-step'), false);
    show(byId('password-step'), true);
    byId('password').value = '';
    byId('email').focus();
  };
  byId('mfa-restart').addEventListener('click', restart);

  onSubmit(form, async () => {
    show(resend, false);
    rememberMe = byId('remember-me').checked;
    const result = await api('POST', 'login/', {
      auth: false,
      body: { email: fieldValue(form, 'email'), password: fieldValue(form, 'password'), remember_me: rememberMe },
    });
    if (result.ok) return signedIn(result.data, next);
    if (result.status === 428 && typeof result.problem.mfa_token === 'string') {
      say('');
      return askForCode(result.problem.mfa_token);
    }
    showProblem(result.problem, form);
    if (result.problem.code === 'email_not_verified') show(resend, true);
  });

  resend.addEventListener('click', () =>
    whileBusy(resend, async () => {
      const result = await api('POST', 'verify-email/resend/', {
        auth: false,
        body: { email: fieldValue(form, 'email') },
      });
      if (result.ok) say(t('verificationResent'), 'success');
      else showProblem(result.problem);
    }),
  );

  const passkey = byId('passkey-sign-in');
  show(passkey.closest('section'), passkeysSupported());
  passkey.addEventListener('click', () =>
    whileBusy(passkey, async () => {
      say('');
      const options = await api('POST', 'login/passkey/options/', { auth: false, body: {} });
      if (!options.ok) return showProblem(options.problem);
      let response;
      try {
        response = await usePasskey(options.data.options);
      } catch {
        return say(t('passkeySignInCancelled'), 'error'); // cancelled, timed out, or no passkey here
      }
      const result = await api('POST', 'login/passkey/', {
        auth: false,
        body: { response, remember_me: byId('remember-me').checked },
      });
      if (result.ok) return signedIn(result.data, next);
      if (result.problem.code === 'invalid_credentials') return say(t('passkeyFailed'), 'error');
      showProblem(result.problem);
    }),
  );

  for (const button of document.querySelectorAll('[data-provider]')) {
    button.addEventListener('click', () => {
      const provider = providerNamed(/** @type {HTMLElement} */ (button).dataset.provider ?? '');
      if (provider) startSignIn(provider, next);
    });
  }

  if (pendingMfa) {
    const mfaToken = pendingMfa;
    pendingMfa = null;
    askForCode(mfaToken);
  }
}
