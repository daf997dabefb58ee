// @ts-check
import { formatDay, h, t } from './ui.js';

/**
 * Charts drawn as plain SVG from the API's JSON (no library: two chart shapes are a few dozen
 * lines). Each chart is an image with a text alternative; the per-day one also has its numbers in
 * a table.
 */

const SVG = 'http://www.w3.org/2000/svg';

/** @param {string} tag @param {Record<string, string | number>} [attributes] @param {string} [text] */
function svg(tag, attributes = {}, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** @typedef {{ day: Date, ok: number, failed: number }} DayCount */

/**
 * Successes and failures per day, stacked: a bar per day, successes at the bottom.
 * @param {DayCount[]} days @param {string} summary the text alternative
 */
export function perDayChart(days, summary) {
  const width = 640;
  const height = 220;
  const left = 36;
  const bottom = 24;
  const top = 8;
  const plotHeight = height - top - bottom;
  const highest = Math.max(1, ...days.map((d) => d.ok + d.failed));
  const slot = (width - left) / Math.max(1, days.length);
  const barWidth = Math.max(1, slot * 0.7);
  const y = (/** @type {number} */ value) => top + plotHeight - (value / highest) * plotHeight;

  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'per-day' });
  chart.append(svg('title', {}, summary));
  for (const tick of [0, Math.ceil(highest / 2), highest]) {
    chart.append(svg('line', { x1: left, x2: width, y1: y(tick), y2: y(tick), class: 'grid' }));
    chart.append(svg('text', { x: left - 6, y: y(tick) + 4, class: 'tick', 'text-anchor': 'end' }, String(tick)));
  }
  days.forEach((entry, index) => {
    const x = left + index * slot + (slot - barWidth) / 2;
    if (entry.ok > 0) {
      chart.append(svg('rect', { x, y: y(entry.ok), width: barWidth, height: y(0) - y(entry.ok), class: 'ok' }));
    }
    if (entry.failed > 0) {
      const base = y(entry.ok);
      const topOfBar = y(entry.ok + entry.failed);
      chart.append(svg('rect', { x, y: topOfBar, width: barWidth, height: base - topOfBar, class: 'failed' }));
    }
  });
  const labelled = days.length <= 1 ? [0] : [0, Math.floor((days.length - 1) / 2), days.length - 1];
  for (const index of new Set(labelled)) {
    const entry = days[index];
    if (!entry) continue;
    const x = left + index * slot + slot / 2;
    // The first and last labels lean inwards so that they are not cut at the edges.
    const anchor =
      days.length > 1 && index === 0 ? 'start' : index === days.length - 1 && days.length > 1 ? 'end' : 'middle';
    const at = anchor === 'start' ? left : anchor === 'end' ? width : x;
    chart.append(svg('text', { x: at, y: height - 6, class: 'tick', 'text-anchor': anchor }, formatDay(entry.day)));
  }
  return chart;
}

/** The legend of the per-day chart: colour and name, so colour is never the only cue. */
export function perDayLegend() {
  return h(
    'ul',
    { class: 'legend' },
    h('li', {}, h('span', { class: 'swatch ok', 'aria-hidden': 'true' }), t('successes')),
    h('li', {}, h('span', { class: 'swatch failed', 'aria-hidden': 'true' }), t('failures')),
  );
}

/** The per-day numbers as a table, for screen readers and anyone who prefers numbers. @param {DayCount[]} days */
export function perDayTable(days) {
  const rows = days.filter((d) => d.ok + d.failed > 0);
  return h(
    'details',
    {},
    h('summary', { text: t('perDayNumbers') }),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col', text: t('day') }),
          h('th', { scope: 'col', text: t('successes') }),
          h('th', { scope: 'col', text: t('failures') }),
        ),
      ),
      h(
        'tbody',
        {},
        ...rows.map((d) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row', text: formatDay(d.day, { dateStyle: 'medium' }) }),
            h('td', { text: d.ok }),
            h('td', { text: d.failed }),
          ),
        ),
      ),
    ),
  );
}

/**
 * A breakdown of the statistics endpoint (`countries`, `devices`, `browsers`) as horizontal bars,
 * largest first; the figure's caption and the SVG's title carry every number.
 * @param {string} title @param {Record<string, number>} tally
 */
export function breakdownChart(title, tally) {
  const entries = Object.entries(tally).sort((a, b) => b[1] - a[1]);
  const summary = `${title}: ${entries.map(([name, count]) => `${name} ${count}`).join(', ')}`;
  const rowHeight = 24;
  const width = 250;
  const labelWidth = 100;
  const highest = Math.max(1, ...entries.map(([, count]) => count));
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${Math.max(1, entries.length) * rowHeight}`,
    role: 'img',
    class: 'breakdown',
  });
  chart.append(svg('title', {}, summary));
  entries.forEach(([name, count], index) => {
    const y = index * rowHeight;
    const barLength = ((width - labelWidth - 40) * count) / highest;
    chart.append(svg('text', { x: 0, y: y + 16, class: 'label' }, name.length > 12 ? `${name.slice(0, 10)}…` : name));
    chart.append(svg('rect', { x: labelWidth, y: y + 4, width: Math.max(2, barLength), height: 15, class: 'bar' }));
    chart.append(svg('text', { x: labelWidth + barLength + 5, y: y + 16, class: 'value' }, String(count)));
  });
  return h('figure', { class: 'breakdown-figure' }, h('figcaption', { text: title }), chart);
}
