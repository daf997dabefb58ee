// @ts-check
import { api } from '../api.js';
import { breakdownChart, perDayChart, perDayLegend, perDayTable } from '../chart.js';
import { byId, formatDay, formatTime, h, showProblem, t } from '../ui.js';

/** The most the history endpoint gives (`limit` 1–100, newest first, no paging cursor). */
const HISTORY_LIMIT = 100;
const PAGE_SIZE = 20;

/** @typedef {{ success: boolean, failure_reason: string | null, ip_address: string | null, location: string | null,
 *   device: string, browser: string | null, os: string | null, suspicious: boolean, login_at: string }} Attempt */

/** @param {Date} date */
const dayKey = (date) => `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;

/**
 * Attempts per local day over the period, counted from the history rows. The API has no per-day
 * counts, so when the latest 100 rows do not reach back to the period's start, the chart starts at
 * the oldest row's day and says so.
 * @param {Attempt[]} attempts newest first @param {number} days
 */
export function countPerDay(attempts, days) {
  const today = new Date();
  today.setHours(0, 0, 0, 0);
  const periodStart = new Date(today);
  periodStart.setDate(periodStart.getDate() - (days - 1));
  const oldest = attempts.at(-1);
  const truncated = attempts.length >= HISTORY_LIMIT && oldest !== undefined && new Date(oldest.login_at) > periodStart;
  const start = truncated
    ? new Date(new Date(/** @type {Attempt} */ (oldest).login_at).setHours(0, 0, 0, 0))
    : periodStart;
  /** @type {Map<string, { day: Date, ok: number, failed: number }>} */
  const counts = new Map();
  for (const day = new Date(start); day <= today; day.setDate(day.getDate() + 1)) {
    counts.set(dayKey(day), { day: new Date(day), ok: 0, failed: 0 });
  }
  for (const attempt of attempts) {
    const entry = counts.get(dayKey(new Date(attempt.login_at)));
    if (!entry) continue;
    if (attempt.success) entry.ok += 1;
    else entry.failed += 1;
  }
  return { days: [...counts.values()], truncated, since: start };
}

/** A failure reason in words; one this console does not know yet is shown as the API names it. @param {string} code */
function reasonText(code) {
  const text = t(`reasons.${code}`);
  return text === `reasons.${code}` ? code : text;
}

/** @param {Attempt} attempt */
function historyRow(attempt) {
  const result = attempt.success
    ? t('success')
    : `${t('failure')}${attempt.failure_reason ? ` (${reasonText(attempt.failure_reason)})` : ''}`;
  const device = [attempt.device, attempt.browser, attempt.os].filter(Boolean).join(' · ');
  return h(
    'tr',
    { class: attempt.suspicious ? 'suspicious' : attempt.success ? '' : 'failed' },
    h('td', { text: formatTime(attempt.login_at) }),
    h(
      'td',
      {},
      h('span', { class: attempt.success ? 'badge ok' : 'badge error', text: result }),
      attempt.suspicious
        ? h('span', { class: 'badge warn spaced', title: t('suspiciousHint'), text: t('suspicious') })
        : null,
    ),
    h('td', { text: attempt.location ?? t('unknownPlace') }),
    h('td', { text: device }),
    h('td', { text: attempt.ip_address ?? '' }),
  );
}

export async function start() {
  const period = /** @type {HTMLSelectElement} */ (byId('period'));
  const successOnly = /** @type {HTMLInputElement} */ (byId('success-only'));
  /** @type {Attempt[]} */
  let rows = [];
  let page = 0;

  const drawTable = () => {
    const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    page = Math.min(page, pages - 1);
    const shown = rows.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    const body = /** @type {HTMLTableSectionElement} */ (byId('history-table').tBodies[0]);
    body.replaceChildren(
      ...(shown.length > 0 ? shown.map(historyRow) : [h('tr', {}, h('td', { colspan: 5, text: t('noAttempts') }))]),
    );
    byId('page-label').textContent = t('page', { page: page + 1, pages });
    byId('page-previous').disabled = page === 0;
    byId('page-next').disabled = page >= pages - 1;
  };

  const drawCharts = async () => {
    const days = Number(period.value);
    const [statistics, history] = await Promise.all([
      api('GET', `login-statistics/?days=${days}`),
      api('GET', `login-history/?limit=${HISTORY_LIMIT}`),
    ]);
    if (!statistics.ok) return showProblem(statistics.problem);
    if (!history.ok) return showProblem(history.problem);
    const stats = statistics.data;
    const perDay = countPerDay(history.data, days);
    const summary = t('chartSummary', {
      total: stats.total_attempts,
      days,
      ok: stats.successful_logins,
      failed: stats.failed_logins,
    });
    const figure = byId('per-day-figure');
    const partial = h('p', {
      class: 'hint',
      text: t('chartPartial', { count: HISTORY_LIMIT, date: formatDay(perDay.since, { dateStyle: 'medium' }) }),
    });
    figure.replaceChildren(
      h('figcaption', { id: 'per-day-caption', text: summary }),
      perDayChart(perDay.days, summary),
      perDayLegend(),
      ...(perDay.truncated ? [partial] : []),
      perDayTable(perDay.days),
    );
    figure.removeAttribute('aria-busy');
    byId('success-rate').textContent =
      stats.total_attempts > 0 ? t('successRate', { rate: stats.success_rate }) : t('noAttempts');
    byId('breakdown-charts').replaceChildren(
      ...(stats.total_attempts > 0
        ? [
            breakdownChart(t('countries'), stats.countries),
            breakdownChart(t('devices'), stats.devices),
            breakdownChart(t('browsers'), stats.browsers),
          ]
        : []),
    );
  };

  const loadTable = async () => {
    const result = await api(
      'GET',
      `login-history/?limit=${HISTORY_LIMIT}${successOnly.checked ? '&success_only=true' : ''}`,
    );
    if (!result.ok) return showProblem(result.problem);
    rows = result.data;
    page = 0;
    drawTable();
  };

  period.addEventListener('change', drawCharts);
  successOnly.addEventListener('change', loadTable);
  byId('page-previous').addEventListener('click', () => {
    page -= 1;
    drawTable();
  });
  byId('page-next').addEventListener('click', () => {
    page += 1;
    drawTable();
  });
  await Promise.all([drawCharts(), loadTable()]);
}
