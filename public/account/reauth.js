// @ts-check
import { byId, show, t } from './ui.js';

/** @typedef {import('./api.js').Result} Result */
/** @typedef {{ password?: string, mfa_code?: string }} Proof */

/**
 * Runs `call`; when the API answers that the change needs re-authentication (a sign-in older than
 * 10 minutes), asks for the password or a code in a dialog and runs `call` again with that proof in
 * the body. A wrong proof asks again. Cancelling answers `{ code: 'cancelled' }`.
 * @param {(proof: Proof) => Promise<Result>} call
 * @param {{ mfa_enabled: boolean }} account
 * @returns {Promise<Result>}
 */
export async function withReauth(call, account) {
  /** @type {Proof} */
  let proof = {};
  let error = '';
  for (;;) {
    const result = await call(proof);
    const code = result.ok ? null : result.problem.code;
    const wrongProof = 'password' in proof || 'mfa_code' in proof;
    if (code === 'invalid_password' && wrongProof) error = t('invalidPassword');
    else if (code === 'invalid_mfa_code' && wrongProof) error = t('invalidCode');
    else if (code !== 'reauthentication_required') return result;
    const next = await askForProof(account.mfa_enabled, error);
    if (!next) return { ok: false, status: 0, problem: { code: 'cancelled' } };
    proof = next;
  }
}

/**
 * The page's dialog (rendered by the server): password, or a code when MFA is on.
 * @param {boolean} mfaEnabled @param {string} error
 * @returns {Promise<Proof | null>}
 */
function askForProof(mfaEnabled, error) {
  const dialog = /** @type {HTMLDialogElement} */ (byId('reauth'));
  const form = /** @type {HTMLFormElement} */ (byId('reauth-form'));
  const password = /** @type {HTMLInputElement} */ (byId('reauth-password'));
  const code = /** @type {HTMLInputElement} */ (byId('reauth-code'));
  const message = byId('reauth-error');
  show(byId('reauth-code-field'), mfaEnabled);
  password.value = '';
  code.value = '';
  message.textContent = error;
  show(message, Boolean(error));
  return new Promise((resolve) => {
    const controller = new AbortController();
    const finish = (/** @type {Proof | null} */ proof) => {
      controller.abort();
      if (dialog.open) dialog.close();
      resolve(proof);
    };
    form.addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        if (password.value) return finish({ password: password.value });
        if (mfaEnabled && code.value.trim()) return finish({ mfa_code: code.value.trim() });
        message.textContent = t('needProof');
        show(message, true);
        password.focus();
      },
      { signal: controller.signal },
    );
    byId('reauth-cancel').addEventListener('click', () => finish(null), { signal: controller.signal });
    dialog.addEventListener('cancel', () => finish(null), { signal: controller.signal });
    dialog.showModal();
    password.focus();
  });
}
