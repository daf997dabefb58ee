// @ts-check
import { api } from '../api.js';
import { byId, formatTime, h, show, showProblem, t } from '../ui.js';
import { passkeysSupported } from '../webauthn.js';

const RECENT_DAYS = 30;

/**
 * The one next step the overview recommends, first rule that applies: a passkey first (it is a
 * second factor on its own and cannot be phished), then two-step verification.
 * @param {{ mfa_enabled: boolean }} user @param {number | null} passkeys how many (null: unknown)
 * @param {{ suspicious: boolean, login_at: string }[]} attempts
 */
export function nextStep(user, passkeys, attempts) {
  const since = Date.now() - RECENT_DAYS * 86_400_000;
  if (passkeys === 0 && passkeysSupported()) {
    return { text: t('nextPasskey'), action: t('nextPasskeyAction'), href: '/account/security#passkeys-section' };
  }
  if (!user.mfa_enabled) return { text: t('nextMfa'), action: t('nextMfaAction'), href: '/account/security' };
  if (attempts.some((a) => a.suspicious && Date.parse(a.login_at) >= since)) {
    return { text: t('nextSuspicious'), action: t('nextSuspiciousAction'), href: '/account/activity' };
  }
  return { text: t('nextSessions'), action: t('nextSessionsAction'), href: '/account/sessions' };
}

export async function start() {
  const [me, history, passkeys] = await Promise.all([
    api('GET', 'me/'),
    api('GET', 'login-history/?limit=20&success_only=true'),
    api('GET', 'passkeys/'),
  ]);
  if (!me.ok) return showProblem(me.problem);
  const user = me.data;
  /** @param {string} name @param {Node | string} value */
  const put = (name, value) => {
    const cell = document.querySelector(`[data-field="${name}"]`);
    cell?.replaceChildren(value);
  };
  put('username', user.username);
  put(
    'email',
    h(
      'span',
      {},
      `${user.email} `,
      h('span', {
        class: user.is_email_verified ? 'badge ok spaced' : 'badge warn spaced',
        text: user.is_email_verified ? t('verifiedBadge') : t('unverifiedBadge'),
      }),
    ),
  );
  put('role', t(`roles.${user.role}`));
  put(
    'mfa',
    h('span', { class: user.mfa_enabled ? 'badge ok' : 'badge warn', text: user.mfa_enabled ? t('yes') : t('no') }),
  );
  const passkeyCount = passkeys.ok ? passkeys.data.length : null;
  put(
    'passkeys',
    h('span', {
      class: passkeyCount ? 'badge ok' : 'badge warn',
      text:
        passkeyCount === null
          ? '?'
          : passkeyCount === 0
            ? t('passkeyNone')
            : passkeyCount === 1
              ? t('passkeyCountOne')
              : t('passkeyCount', { count: passkeyCount }),
    }),
  );
  put('created', formatTime(user.created_at));
  put('last-login', user.last_login_at ? formatTime(user.last_login_at) : t('never'));
  byId('profile-list').removeAttribute('aria-busy');

  const step = nextStep(user, passkeyCount, history.ok ? history.data : []);
  byId('next-step-text').textContent = step.text;
  const link = byId('next-step-link');
  link.textContent = step.action;
  link.setAttribute('href', step.href);
  show(byId('next-step'), true);
}
