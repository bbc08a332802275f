import uPlot from '/static/vendor/uPlot.esm.js';
import { el, num } from './lib.js';

// uPlot charts for the rollout page: one per judged metric (canary on the
// new release, the canaries before they switched, the baseline), and one of
// every test's p-value over time. Charts are made once and given new data.

export const METRICS = [
  { key: 'errors', title: 'Errors', unit: 'seconds with an error per host-minute' },
  { key: 'load1', title: 'Load', unit: '1-minute load average' },
  { key: 'cpu_pct', title: 'CPU', unit: 'CPU busy, %' },
  { key: 'probe_ms', title: 'Probe latency', unit: 'health probe, ms' },
];

const LINES = [
  { key: 'canary', label: 'canary (new release)', stroke: '#d9580d', width: 2 },
  { key: 'before', label: 'canary before its switch', stroke: '#8a94a0', width: 1.5, dash: [5, 4] },
  { key: 'baseline', label: 'baseline (old release)', stroke: '#1f63c6', width: 1.5 },
];

const PALETTE = ['#d9580d', '#1f63c6', '#2e7d32', '#8e24aa', '#c62828', '#00838f', '#6d4c41', '#5f6b78'];

const widthOf = (node) => Math.max(280, Math.floor(node.getBoundingClientRect().width || 480));

/** The time axis in UTC, as every time on the dashboard: hh:mm:ss. */
const utcAxis = { values: (_u, splits) => splits.map((s) => (s === null ? '' : new Date(s * 1000).toISOString().slice(11, 19))) };
/** p-values on a log axis: 1, 0.1, 0.01, then 1e-3 and below (uPlot leaves the ticks it skips null). */
const pAxis = { size: 60, values: (_u, splits) => splits.map((p) => (p === null ? '' : p >= 0.01 ? String(p) : p.toExponential(0))) };

/** MetricCharts keeps one uPlot chart per metric in `container`. */
export class MetricCharts {
  constructor(container) {
    this.container = container;
    this.charts = new Map();
    this.notes = new Map();
    window.addEventListener('resize', () => {
      for (const { u, box } of this.charts.values()) u.setSize({ width: widthOf(box), height: 200 });
    });
  }

  /** update draws `series` (the page's series) and writes each metric's evidence under its chart. */
  update(series, evidence) {
    for (const m of METRICS) {
      let c = this.charts.get(m.key);
      const data = [series.t.map((t) => t / 1000), ...LINES.map((l) => series.metrics[m.key][l.key])];
      if (!c) {
        const box = el('div', { class: 'chart', 'data-metric': m.key });
        const note = el('div', { class: 'evidence', 'data-metric': m.key });
        this.container.append(el('figure', { class: 'metric' }, el('figcaption', {}, el('b', { text: m.title }), ' ', el('span', { class: 'meta', text: m.unit })), box, note));
        const u = new uPlot(
          {
            width: widthOf(box),
            height: 200,
            legend: { live: false },
            cursor: { drag: { x: false, y: false } },
            scales: { x: { time: true } },
            axes: [utcAxis, { size: 50 }],
            series: [{}, ...LINES.map((l) => ({ label: l.label, stroke: l.stroke, width: l.width, dash: l.dash, spanGaps: false, points: { show: false } }))],
          },
          data,
          box,
        );
        c = { u, box, note };
        this.charts.set(m.key, c);
      } else c.u.setData(data);
      c.note.replaceChildren(...evidenceRows(evidence.filter((e) => e.metric === m.key)));
    }
  }
}

/** evidenceRows says, for one metric, each test's figures as the judge gave them. */
function evidenceRows(tests) {
  if (tests.length === 0) return [el('p', { class: 'meta', text: 'not judged in this phase' })];
  return tests.map((t) =>
    el(
      'p',
      { class: `test o-${t.outcome}`, 'data-versus': t.versus },
      el('b', { text: `vs ${t.versus}` }),
      `: canary ${fmt(t.canary)}, ${t.versus} ${fmt(t.base)}, effect ${fmt(t.effect)}${t.unit ? ` (${t.unit})` : ''} · p = ${fmt(t.p)}`,
      t.threshold > 0 ? ` (fails at ≤ ${fmt(t.threshold)})` : ' (shown, does not decide)',
      ' · ',
      el('span', { class: 'outcome', text: t.outcome }),
      t.detail ? el('span', { class: 'meta', text: ` — ${t.detail}` }) : null,
    ),
  );
}

const fmt = (x) => num(x, 3);

/** PChart draws every test's p-value over time, on a log scale. */
export class PChart {
  constructor(container) {
    this.container = container;
    this.u = undefined;
    this.keys = '';
  }

  update(looks) {
    const keys = [...new Set(looks.flatMap((l) => Object.keys(l.p)))].sort();
    if (looks.length === 0) {
      this.container.replaceChildren(el('p', { class: 'meta', text: 'no verdict yet' }));
      this.u = undefined;
      this.keys = '';
      return;
    }
    const data = [looks.map((l) => l.at_ms / 1000), ...keys.map((k) => looks.map((l) => (k in l.p ? Math.max(1e-6, Math.min(1, l.p[k])) : null)))];
    if (!this.u || this.keys !== keys.join()) {
      this.container.replaceChildren();
      this.u?.destroy();
      this.keys = keys.join();
      this.u = new uPlot(
        {
          width: widthOf(this.container),
          height: 220,
          legend: { live: false },
          cursor: { drag: { x: false, y: false } },
          scales: { x: { time: true }, y: { distr: 3, range: [1e-6, 1] } },
          axes: [utcAxis, pAxis],
          series: [{}, ...keys.map((k, i) => ({ label: k.replace('/', ' vs '), stroke: PALETTE[i % PALETTE.length], width: 1.5, points: { show: false } }))],
        },
        data,
        this.container,
      );
    } else this.u.setData(data);
  }
}
