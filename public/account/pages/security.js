// @ts-check
import { api } from '../api.js';
import { pageSignal } from '../navigation.js';
import { linkInPopup, providerNamed } from '../oauth.js';
import { passkeysSection } from '../passkeys.js';
import { withReauth } from '../reauth.js';
import {
  byId,
  clearErrors,
  copyText,
  fieldError,
  fieldValue,
  onSubmit,
  pageData,
  say,
  show,
  showProblem,
  t,
  whileBusy,
} from '../ui.js';

/** @typedef {{ email: string, mfa_enabled: boolean }} User */

/** The account as the API says now: the page redraws from it after each change. */
let user = /** @type {User} */ ({ email: '', mfa_enabled: false });

async function loadUser() {
  const result = await api('GET', 'me/');
  if (!result.ok) {
    showProblem(result.problem);
    return false;
  }
  user = result.data;
  /** @type {HTMLInputElement} */ (byId('password-form').elements.namedItem('username')).value = user.email;
  const status = byId('mfa-status');
  status.textContent = user.mfa_enabled ? t('yes') : t('no');
  status.className = `status-line badge ${user.mfa_enabled ? 'ok' : 'warn'}`;
  status.removeAttribute('aria-busy');
  show(byId('mfa-off'), !user.mfa_enabled);
  show(byId('mfa-on'), user.mfa_enabled);
  if (user.mfa_enabled) {
    show(byId('mfa-setup'), false);
    show(byId('mfa-verify-form'), false);
  }
  return true;
}

/** Shows backup codes once, with copy and download. @param {string[]} codes */
function showBackupCodes(codes) {
  byId('backup-code-list').replaceChildren(
    ...codes.map((code) => Object.assign(document.createElement('li'), { textContent: code })),
  );
  show(byId('backup-codes'), true);
  const text = () => `${t('backupFileHeading', { account: user.email })}\n\n${codes.join('\n')}\n`;
  byId('backup-copy').onclick = () => copyText(codes.join('\n'));
  byId('backup-download').onclick = () => {
    const url = URL.createObjectURL(new Blob([text()], { type: 'text/plain' }));
    const link = Object.assign(document.createElement('a'), { href: url, download: t('backupFileName') });
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
}

function passwordSection() {
  const form = byId('password-form');
  onSubmit(form, async () => {
    const result = await api('POST', 'password/change/', {
      body: {
        current_password: fieldValue(form, 'current_password'),
        new_password: fieldValue(form, 'new_password'),
        new_password_confirm: fieldValue(form, 'new_password_confirm'),
      },
    });
    if (result.ok) {
      form.reset();
      return say(t('passwordChanged'), 'success');
    }
    if (result.problem.code === 'invalid_password') {
      fieldError(form, 'current_password', t('invalidPassword'));
      byId('current-password').focus();
    }
    showProblem(result.problem, form);
  });
}

function mfaSection() {
  const enable = byId('mfa-enable');
  enable.addEventListener('click', () =>
    whileBusy(enable, async () => {
      const result = await withReauth((proof) => api('POST', 'mfa/enable/', { body: proof }), user);
      if (!result.ok) return result.problem.code === 'cancelled' ? undefined : showProblem(result.problem);
      const setup = result.data;
      byId('mfa-qr').src = setup.qr_code;
      byId('mfa-secret').textContent = setup.secret;
      byId('mfa-secret-copy').onclick = () => copyText(setup.secret);
      show(byId('mfa-setup'), true);
      showBackupCodes(setup.backup_codes);
      show(byId('mfa-verify-form'), true);
      show(byId('mfa-off'), false);
      byId('mfa-verify-code').focus();
    }),
  );

  const verify = byId('mfa-verify-form');
  onSubmit(verify, async () => {
    const result = await api('POST', 'mfa/verify/', { body: { code: fieldValue(verify, 'code').trim() } });
    if (!result.ok) {
      if (result.problem.code === 'invalid_mfa_code') fieldError(verify, 'code', t('invalidCode'));
      return showProblem(result.problem, verify);
    }
    verify.reset();
    show(byId('backup-codes'), false);
    await loadUser();
    say(t('mfaEnabled'), 'success');
  });

  const newCodes = byId('mfa-new-codes');
  newCodes.addEventListener('click', () =>
    whileBusy(newCodes, async () => {
      const result = await withReauth((proof) => api('POST', 'mfa/backup-codes/', { body: proof }), user);
      if (!result.ok) return result.problem.code === 'cancelled' ? undefined : showProblem(result.problem);
      showBackupCodes(result.data.backup_codes);
      say(t('mfaCodesReplaced'), 'success');
    }),
  );

  const disable = byId('mfa-disable-form');
  onSubmit(disable, async () => {
    const password = fieldValue(disable, 'password');
    const code = fieldValue(disable, 'mfa_code').trim();
    if (!password && !code) {
      fieldError(disable, 'password', t('needProof'));
      return byId('mfa-disable-password').focus();
    }
    const result = await api('POST', 'mfa/disable/', { body: password ? { password } : { mfa_code: code } });
    if (!result.ok) {
      if (result.problem.code === 'invalid_password') fieldError(disable, 'password', t('invalidPassword'));
      if (result.problem.code === 'invalid_mfa_code') fieldError(disable, 'mfa_code', t('invalidCode'));
      return showProblem(result.problem, disable);
    }
    disable.reset();
    clearErrors(disable);
    show(byId('backup-codes'), false);
    await loadUser();
    say(t('mfaDisabled'), 'success');
  });
}

/** @param {string} code @param {string} provider */
function providerProblemText(code, provider) {
  if (code === 'provider_not_linked') return t('notLinked', { provider });
  if (code === 'oauth_account_in_use') return t('providerInUse', { provider });
  if (code === 'provider_already_linked') return t('providerAlreadyLinked', { provider });
  if (code === 'popup_blocked') return t('popupBlocked');
  if (code === 'oauth_email_unverified') return t('oauthEmailUnverified');
  if (code === 'provider_unavailable') return t('oauthUnavailable');
  return null;
}

function providersSection() {
  const signal = pageSignal();
  for (const button of document.querySelectorAll('[data-link]')) {
    const provider = providerNamed(/** @type {HTMLElement} */ (button).dataset.link ?? '');
    if (!provider) continue;
    button.addEventListener('click', () =>
      whileBusy(/** @type {HTMLButtonElement} */ (button), async () => {
        const answer = await linkInPopup(provider, signal);
        if ('error' in answer) {
          return say(
            providerProblemText(answer.error, provider.name) ?? t('oauthRefused', { error: answer.error }),
            'error',
          );
        }
        const result = await withReauth(
          (proof) =>
            api('POST', 'oauth/link/', {
              body: {
                provider: provider.id.toUpperCase(),
                code: answer.code,
                redirect_uri: pageData().redirectUri,
                code_verifier: answer.codeVerifier,
                ...proof,
              },
            }),
          user,
        );
        if (result.ok) return say(t('linked', { provider: provider.name }), 'success');
        if (result.problem.code === 'cancelled') return;
        const text = providerProblemText(result.problem.code, provider.name);
        return text ? say(text, 'error') : showProblem(result.problem);
      }),
    );
  }
  for (const button of document.querySelectorAll('[data-unlink]')) {
    const provider = providerNamed(/** @type {HTMLElement} */ (button).dataset.unlink ?? '');
    if (!provider) continue;
    button.addEventListener('click', () =>
      whileBusy(/** @type {HTMLButtonElement} */ (button), async () => {
        const result = await api('POST', 'oauth/unlink/', { body: { provider: provider.id.toUpperCase() } });
        if (result.ok) return say(t('unlinked', { provider: provider.name }), 'success');
        const text = providerProblemText(result.problem.code, provider.name);
        return text ? say(text, 'error') : showProblem(result.problem);
      }),
    );
  }
}

export async function start() {
  passwordSection();
  mfaSection();
  providersSection();
  if (await loadUser()) await passkeysSection(user);
}
