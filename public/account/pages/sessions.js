// @ts-check
import { api } from '../api.js';
import { byId, formatTime, h, say, showProblem, t, whileBusy } from '../ui.js';

/** @typedef {{ id: string, created_at: string, last_used_at: string, ip_address: string | null,
 *   device: string | null, browser: string | null, os: string | null, location: string | null, current: boolean }} SessionView */

/** @param {SessionView} s */
function describe(s) {
  if (!s.browser && !s.os) return s.device ?? t('unknownDevice');
  return t('sessionSummary', { browser: s.browser ?? '?', os: s.os ?? '?' });
}

/** @param {SessionView} s @param {() => Promise<void>} reload */
function sessionItem(s, reload) {
  const name = describe(s);
  const place = [s.location ?? t('unknownPlace'), s.ip_address].filter(Boolean).join(' · ');
  const revoke = s.current
    ? null
    : h('button', {
        type: 'button',
        class: 'secondary',
        text: t('revoke'),
        'aria-label': t('revokeLabel', { device: `${name}, ${place}` }),
      });
  revoke?.addEventListener('click', () =>
    whileBusy(/** @type {HTMLButtonElement} */ (revoke), async () => {
      const result = await api('DELETE', `sessions/${encodeURIComponent(s.id)}/`);
      if (!result.ok) return showProblem(result.problem);
      say(t('revoked'), 'success');
      await reload();
    }),
  );
  return h(
    'li',
    { class: s.current ? 'session current' : 'session', 'data-session': s.id },
    h(
      'h2',
      { class: 'session-title' },
      `${name}${s.device ? ` (${s.device})` : ''}`,
      s.current ? h('span', { class: 'badge ok spaced', text: t('thisDevice') }) : null,
    ),
    h('p', { text: place }),
    h('p', {
      class: 'hint',
      text: `${t('lastUsed', { time: formatTime(s.last_used_at) })} · ${t('signedInAt', { time: formatTime(s.created_at) })}`,
    }),
    revoke,
  );
}

export async function start() {
  const list = byId('session-list');
  const others = byId('revoke-others');
  const reload = async () => {
    const result = await api('GET', 'sessions/');
    if (!result.ok) return showProblem(result.problem);
    /** @type {SessionView[]} */
    const sessions = [...result.data].sort((a, b) => Number(b.current) - Number(a.current)); // this device first
    list.replaceChildren(...sessions.map((s) => sessionItem(s, reload)));
    list.removeAttribute('aria-busy');
    others.disabled = !sessions.some((s) => !s.current);
  };
  others.addEventListener('click', async () => {
    others.disabled = true;
    const result = await api('DELETE', 'sessions/');
    if (!result.ok) {
      others.disabled = false;
      return showProblem(result.problem);
    }
    say(result.data.revoked > 0 ? t('revokedOthers', { count: result.data.revoked }) : t('noOtherSessions'), 'success');
    await reload(); // decides whether the button stays enabled
  });
  await reload();
}
