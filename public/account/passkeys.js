// @ts-check
import { api } from './api.js';
import { withReauth } from './reauth.js';
import { byId, fieldValue, formatTime, h, onSubmit, say, show, showProblem, t, whileBusy } from './ui.js';
import { createPasskey, passkeysSupported } from './webauthn.js';

/**
 * The Security page's passkeys: the list (rename, remove) and "Add a passkey", which asks the API
 * for creation options (with the re-authentication dialog when the sign-in is not recent), lets
 * the browser create the credential, and registers it.
 */

/** @typedef {{ id: string, name: string, created_at: string, last_used_at: string | null, backed_up: boolean }} Passkey */

/** What the browser said when no passkey came out of it. @param {unknown} error */
function browserRefusal(error) {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'InvalidStateError') return t('passkeyExists');
  if (name === 'NotAllowedError' || name === 'AbortError') return t('passkeyCancelled');
  return t('passkeyRejected');
}

/** @param {Passkey} passkey @param {() => Promise<void>} reload */
function passkeyItem(passkey, reload) {
  const used = passkey.last_used_at
    ? t('passkeyLastUsed', { time: formatTime(passkey.last_used_at) })
    : t('passkeyNeverUsed');
  const renameForm = /** @type {HTMLFormElement} */ (
    h(
      'form',
      { class: 'rename', hidden: true },
      h('label', { for: `rename-${passkey.id}`, text: t('newName', { name: passkey.name }) }),
      h('input', {
        id: `rename-${passkey.id}`,
        type: 'text',
        name: 'name',
        required: true,
        maxlength: 64,
        value: passkey.name,
      }),
      h('button', { type: 'submit', text: t('save') }),
      h('button', { type: 'button', class: 'secondary', text: t('cancel'), onclick: () => show(renameForm, false) }),
    )
  );
  const renameButton = h('button', {
    type: 'button',
    class: 'secondary',
    text: t('rename'),
    'aria-label': t('renameLabel', { name: passkey.name }),
    onclick: () => {
      show(renameForm, true);
      /** @type {HTMLInputElement} */ (renameForm.elements.namedItem('name')).focus();
    },
  });
  onSubmit(renameForm, async () => {
    const name = fieldValue(renameForm, 'name').trim();
    const result = await api('PATCH', `passkeys/${encodeURIComponent(passkey.id)}/`, { body: { name } });
    if (!result.ok) return showProblem(result.problem);
    say(t('passkeyRenamed', { name: result.data.passkey.name }), 'success');
    await reload();
  });
  const removeButton = /** @type {HTMLButtonElement} */ (
    h('button', {
      type: 'button',
      class: 'danger',
      text: t('remove'),
      'aria-label': t('removeLabel', { name: passkey.name }),
    })
  );
  removeButton.addEventListener('click', () =>
    whileBusy(removeButton, async () => {
      const result = await api('DELETE', `passkeys/${encodeURIComponent(passkey.id)}/`);
      if (!result.ok) return showProblem(result.problem);
      say(t('passkeyRemoved', { name: passkey.name }), 'success');
      await reload();
    }),
  );
  return h(
    'li',
    { class: 'passkey', 'data-passkey': passkey.id },
    h(
      'h3',
      { class: 'passkey-name' },
      passkey.name,
      passkey.backed_up ? h('span', { class: 'badge ok spaced', text: t('passkeySynced') }) : null,
    ),
    h('p', { class: 'hint', text: `${t('passkeyAddedAt', { time: formatTime(passkey.created_at) })} · ${used}` }),
    h('div', { class: 'actions' }, renameButton, removeButton),
    renameForm,
  );
}

/** @param {{ mfa_enabled: boolean }} account the signed-in user, for the re-authentication dialog */
export async function passkeysSection(account) {
  const list = byId('passkey-list');
  const form = byId('passkey-add-form');
  const reload = async () => {
    const result = await api('GET', 'passkeys/');
    if (!result.ok) return showProblem(result.problem);
    /** @type {Passkey[]} */
    const passkeys = result.data;
    list.replaceChildren(
      ...(passkeys.length > 0
        ? passkeys.map((passkey) => passkeyItem(passkey, reload))
        : [h('li', { class: 'hint', text: t('noPasskeys') })]),
    );
    list.removeAttribute('aria-busy');
  };
  if (!passkeysSupported()) {
    show(form, false);
    say(t('passkeyUnsupported'));
  }
  onSubmit(form, async () => {
    const name = fieldValue(form, 'name').trim();
    /** @type {unknown} */
    let refusal = null;
    const result = await withReauth(async (proof) => {
      const options = await api('POST', 'passkeys/register/options/', { body: proof });
      if (!options.ok) return options;
      let response;
      try {
        response = await createPasskey(options.data.options);
      } catch (error) {
        refusal = error;
        return { ok: false, status: 0, problem: { code: 'browser_refused' } };
      }
      return api('POST', 'passkeys/register/', { body: { response, ...(name ? { name } : {}), ...proof } });
    }, account);
    if (result.ok) {
      form.reset();
      say(t('passkeyAdded', { name: result.data.passkey.name }), 'success');
      return reload();
    }
    const { code } = result.problem;
    if (code === 'cancelled') return;
    if (code === 'browser_refused') return say(browserRefusal(refusal), 'error');
    if (code === 'passkey_rejected') return say(t('passkeyRejected'), 'error');
    if (code === 'conflict') return say(t('passkeyExists'), 'error');
    showProblem(result.problem, form);
  });
  await reload();
}
