// @ts-check
import { api, download } from '../api.js';
import { navigate } from '../navigation.js';
import { withReauth } from '../reauth.js';
import * as session from '../session.js';
import {
  byId,
  fieldError,
  fieldValue,
  flashNext,
  formatTime,
  onSubmit,
  pageData,
  say,
  show,
  showProblem,
  t,
  whileBusy,
} from '../ui.js';

/** @typedef {{ username: string, email: string, locale: string, mfa_enabled: boolean }} Me */

/** Username and language: only what changed is sent; a new language also switches the console. @param {Me} me */
function profileSection(me) {
  const form = byId('profile-form');
  const username = byId('username');
  const locale = byId('locale');
  username.value = me.username;
  locale.value = me.locale;
  onSubmit(form, async () => {
    /** @type {{ username?: string, locale?: string }} */
    const changes = {};
    if (username.value.trim() !== me.username) changes.username = username.value.trim();
    if (locale.value !== me.locale) changes.locale = locale.value;
    if (Object.keys(changes).length === 0) return say(t('nothingChanged'));
    const result = await api('PATCH', 'me/', { body: changes });
    if (!result.ok) {
      if (result.problem.code === 'username_taken') {
        fieldError(form, 'username', t('usernameTaken'));
        username.focus();
      }
      return showProblem(result.problem, form);
    }
    Object.assign(me, result.data);
    if (changes.locale && changes.locale !== pageData().language) {
      await navigate(`/account/data?lang=${changes.locale}`, { replace: true });
      return say(t('profileSaved'), 'success'); // in the new language
    }
    say(t('profileSaved'), 'success');
  });
}

/** @param {Me} me */
function emailSection(me) {
  const form = byId('email-form');
  byId('current-email').textContent = me.email;
  /** @type {HTMLInputElement} */ (form.elements.namedItem('username')).value = me.email;
  onSubmit(form, async () => {
    const newEmail = fieldValue(form, 'new_email').trim();
    const password = fieldValue(form, 'password');
    const result = await withReauth(
      (proof) =>
        api('POST', 'me/email/', { body: { new_email: newEmail, ...(password ? { password } : {}), ...proof } }),
      me,
    );
    if (result.ok) {
      form.reset();
      return say(t('emailChangeSent', { email: newEmail }), 'success');
    }
    const { code } = result.problem;
    if (code === 'cancelled') return;
    if (code === 'invalid_password') {
      fieldError(form, 'password', t('invalidPassword'));
      byId('email-password').focus();
    }
    if (code === 'email_taken') {
      fieldError(form, 'new_email', t('emailTaken'));
      byId('new-email').focus();
    }
    showProblem(result.problem, form);
  });
}

function exportSection() {
  const button = byId('export');
  button.addEventListener('click', () =>
    whileBusy(button, async () => {
      say(t('exporting'));
      const result = await download('me/export/', 'account-export.json');
      if (!result.ok) return showProblem(result.problem);
      const { blob, filename } = result.data;
      const url = URL.createObjectURL(blob);
      const link = Object.assign(document.createElement('a'), { href: url, download: filename });
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      say(t('exported', { file: filename }), 'success');
    }),
  );
}

/** Deletion: the password and (with MFA) a code, and the box ticked; then signed out. @param {Me} me */
function deleteSection(me) {
  const form = byId('delete-form');
  const understood = byId('delete-understood');
  show(byId('delete-code-field'), me.mfa_enabled);
  /** @type {HTMLInputElement} */ (form.elements.namedItem('username')).value = me.email;
  onSubmit(form, async () => {
    if (!understood.checked) {
      const error = byId('delete-understood-error');
      error.textContent = t('needUnderstood');
      show(error, true);
      understood.setAttribute('aria-invalid', 'true');
      understood.focus();
      return say(t('fixFields'), 'error');
    }
    understood.removeAttribute('aria-invalid');
    const password = fieldValue(form, 'password');
    const code = fieldValue(form, 'mfa_code').trim();
    const result = await api('POST', 'me/delete/', {
      body: { ...(password ? { password } : {}), ...(code ? { mfa_code: code } : {}) },
    });
    if (result.ok) {
      // Every session ended with the request, this one too: back to sign-in, saying what happens next.
      session.forget();
      flashNext(t('deletionRequested', { date: formatTime(result.data.deletion_due_at) }), 'success');
      return navigate('/account/sign-in', { replace: true });
    }
    const problem = result.problem;
    if (problem.code === 'invalid_password') fieldError(form, 'password', t('invalidPassword'));
    if (problem.code === 'invalid_mfa_code') fieldError(form, 'mfa_code', t('invalidCode'));
    showProblem(problem, form);
  });
}

export async function start() {
  const result = await api('GET', 'me/');
  if (!result.ok) return showProblem(result.problem);
  /** @type {Me} */
  const me = result.data;
  profileSection(me);
  emailSection(me);
  exportSection();
  deleteSection(me);
}
