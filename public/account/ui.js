// @ts-check
/** Small DOM helpers shared by the pages: text from the server, messages, forms, dates. */

/** @typedef {import('./api.js').Problem} Problem */

/** @type {{ block: HTMLElement | null, data: any }} */
const cache = { block: null, data: null };

/**
 * What the server put in the page's data block: language, client text, sign-in providers. Read
 * again after each navigation, since the language may have changed.
 * @returns {{ language: string, messages: Record<string, any>, providers: Provider[], redirectUri: string }}
 */
export function pageData() {
  const block = document.getElementById('console-data');
  if (cache.block !== block) {
    cache.block = block;
    cache.data = JSON.parse(block?.textContent || '{}');
  }
  return cache.data;
}

/** @typedef {{ id: 'google' | 'github', name: string, clientId: string, authorizeUrl: string, scope: string }} Provider */

/**
 * Client text by key (`reasons.invalid_credentials`), `{name}` placeholders filled.
 * @param {string} key
 * @param {Record<string, string | number>} [vars]
 */
export function t(key, vars = {}) {
  /** @type {any} */
  let value = pageData().messages;
  for (const part of key.split('.')) value = value?.[part];
  const text = typeof value === 'string' ? value : key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

/**
 * An element with attributes (`text` sets its text; `on*` functions become listeners) and children.
 * Text is always set as text: nothing from the API is parsed as HTML.
 * @param {string} tag
 * @param {Record<string, any>} [props]
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') element.textContent = String(value);
    else if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
}

/** @param {string} id @returns {any} */
export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element;
}

/** @param {HTMLElement} element @param {boolean} shown */
export function show(element, shown = true) {
  element.hidden = !shown;
}

/** A message carried to the next page (e.g. "You are signed out" after a redirect to sign-in). */
let flash = /** @type {{ text: string, kind: string } | null} */ (null);

/** @param {string} text @param {'info' | 'success' | 'error'} [kind] */
export function flashNext(text, kind = 'info') {
  flash = { text, kind };
}

export function takeFlash() {
  const carried = flash;
  flash = null;
  return carried;
}

/**
 * The page's message line (a polite live region): screen readers announce it.
 * @param {string} text
 * @param {'info' | 'success' | 'error'} [kind]
 */
export function say(text, kind = 'info') {
  const region = document.getElementById('message');
  if (!region) return;
  region.className = `message ${kind}`;
  region.textContent = text;
}

/** What a person should read for a problem the API answered. @param {Problem} problem */
export function problemText(problem) {
  switch (problem.code) {
    case 'network_error':
      return t('networkError');
    case 'rate_limited':
      return t('retryAfter', { seconds: problem.retryAfter ?? '60' });
    case 'account_locked':
      return t('lockedUntil', { time: problem.locked_until ? formatTime(problem.locked_until) : '?' });
    case 'invalid_credentials':
      return t('invalidCredentials');
    case 'invalid_mfa_code':
      return t('invalidCode');
    case 'invalid_mfa_token':
      return t('invalidMfaToken');
    case 'invalid_password':
      return t('invalidPassword');
    case 'email_not_verified':
      return t('emailNotVerified');
    case 'account_suspended':
      return t('accountSuspended');
    case 'account_disabled':
      return t('accountDisabled');
    case 'email_taken':
      return t('emailTaken');
    case 'username_taken':
      return t('usernameTaken');
    case 'invalid_token':
      return t('invalidLink');
    case 'last_sign_in_method':
      return t('lastMethod');
    case 'validation_failed':
      return t('fixFields');
    case 'deletion_pending':
      return t('deletionPending');
    case 'account_pending_deletion':
      return t('pendingDeletion');
    case 'reauthentication_required':
      return t('signInAgainFirst');
    default:
      return problem.detail ? String(problem.detail) : t('unexpected', { code: problem.code });
  }
}

/** @param {HTMLFormElement} form */
export function clearErrors(form) {
  for (const error of form.querySelectorAll('.field-error')) {
    error.textContent = '';
    /** @type {HTMLElement} */ (error).hidden = true;
  }
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

/**
 * Shows an error under a field of the form, tied to it by `aria-describedby` (set by the server).
 * @param {HTMLFormElement} form @param {string} name @param {string} text
 * @returns {boolean} whether the form has that field
 */
export function fieldError(form, name, text) {
  const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
  const error = input ? document.getElementById(`${input.id}-error`) : null;
  if (!input || !error) return false;
  input.setAttribute('aria-invalid', 'true');
  error.textContent = error.textContent ? `${error.textContent} ${text}` : text;
  error.hidden = false;
  return true;
}

/**
 * Shows a problem: field errors under their fields (the first invalid field gets the focus), the
 * rest in the message line.
 * @param {Problem} problem @param {HTMLFormElement} [form]
 */
export function showProblem(problem, form) {
  let placed = false;
  if (form && Array.isArray(problem.errors)) {
    for (const { field, message } of problem.errors) placed = fieldError(form, field, message) || placed;
    /** @type {HTMLElement | null} */ (form.querySelector('[aria-invalid="true"]'))?.focus();
  }
  say(placed ? t('fixFields') : problemText(problem), 'error');
}

/**
 * Runs `handler` on submit instead of sending the form, with its submit button disabled meanwhile.
 * @param {HTMLFormElement} form @param {(form: HTMLFormElement) => Promise<unknown>} handler
 */
export function onSubmit(form, handler) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const buttons = [...form.querySelectorAll('button')];
    for (const button of buttons) button.disabled = true;
    try {
      await handler(form);
    } finally {
      for (const button of buttons) button.disabled = false;
    }
  });
}

/** Disables the button while `work` runs. @param {HTMLButtonElement} button @param {() => Promise<unknown>} work */
export async function whileBusy(button, work) {
  button.disabled = true;
  try {
    return await work();
  } finally {
    button.disabled = false;
  }
}

/** A form field's value. @param {HTMLFormElement} form @param {string} name @returns {string} */
export function fieldValue(form, name) {
  const field = /** @type {HTMLInputElement | null} */ (form.elements.namedItem(name));
  return field?.value ?? '';
}

/** A date and time in the page's language. @param {string} iso */
export function formatTime(iso) {
  return new Intl.DateTimeFormat(pageData().language, { dateStyle: 'medium', timeStyle: 'short' }).format(
    new Date(iso),
  );
}

/** A day in the page's language. @param {Date} date @param {Intl.DateTimeFormatOptions} [style] */
export function formatDay(date, style = { day: 'numeric', month: 'short' }) {
  return new Intl.DateTimeFormat(pageData().language, style).format(date);
}

/** A query parameter of the page's address. @param {string} name */
export function queryParam(name) {
  return new URLSearchParams(location.search).get(name);
}

/** Copies text, saying so. @param {string} text */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    say(t('copied'), 'success');
  } catch {
    say(t('unexpected', { code: 'clipboard' }), 'error');
  }
}
