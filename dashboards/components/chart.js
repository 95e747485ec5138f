// A time-series chart as SVG: any number of series, optional min/max limit lines (the shaded band
// between them is the allowed range), axes labelled in the user's locale. No dependencies.
//
//   lineChart({ series: [{ name, points: [{ t: Date|ISO|ms, v: number }], color? }],
//               limits: { min?, max? }, unit: '°C', height: 220, title, emptyText })  → <figure>
import { h, s } from '../dom.js';
import { locale, dateFormat } from '../i18n.js';

const COLORS = ['#1f6feb', '#d97706', '#059669', '#7c3aed', '#db2777'];

/** Round numbers for an axis from lo to hi, about `count` of them. */
export function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) { hi = lo + 1; lo -= 1; }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((st) => st >= raw) ?? raw;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toFixed(10)));
  return ticks;
}

export function lineChart({ series = [], limits = {}, unit = '', height = 220, width = 640, title, emptyText = '—' } = {}) {
  const pad = { l: 52, r: 16, t: 14, b: 30 };
  const pts = series.flatMap((se) => se.points.map((p) => ({ t: +new Date(p.t), v: p.v }))).filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v));
  const values = pts.map((p) => p.v).concat([limits.min, limits.max].filter((x) => Number.isFinite(x)));
  const times = pts.map((p) => p.t);
  const now = Date.now();
  const t0 = times.length ? Math.min(...times) : now - 24 * 3600e3;
  const t1 = times.length ? Math.max(...times) : now;
  let v0 = values.length ? Math.min(...values) : 0;
  let v1 = values.length ? Math.max(...values) : 1;
  const span = v1 - v0 || Math.abs(v1) || 1;
  v0 -= span * 0.1; v1 += span * 0.1;
  const yt = niceTicks(v0, v1, 5);
  v0 = Math.min(v0, yt[0]); v1 = Math.max(v1, yt[yt.length - 1]);
  const x = (tm) => pad.l + ((tm - t0) / ((t1 - t0) || 1)) * (width - pad.l - pad.r);
  const y = (v) => pad.t + (1 - (v - v0) / ((v1 - v0) || 1)) * (height - pad.t - pad.b);
  const nf = new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 });
  const sameDay = t1 - t0 < 36 * 3600e3;
  const tf = dateFormat(sameDay ? { hour: '2-digit', minute: '2-digit' } : { month: 'short', day: 'numeric' });

  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': title ?? '', preserveAspectRatio: 'none' });
  // allowed band
  if (Number.isFinite(limits.min) || Number.isFinite(limits.max)) {
    const top = y(Number.isFinite(limits.max) ? limits.max : v1);
    const bottom = y(Number.isFinite(limits.min) ? limits.min : v0);
    svg.append(s('rect', { x: pad.l, y: top, width: width - pad.l - pad.r, height: Math.max(0, bottom - top), class: 'chart-band' }));
  }
  for (const v of yt) {
    svg.append(s('line', { x1: pad.l, x2: width - pad.r, y1: y(v), y2: y(v), class: 'chart-grid' }));
    svg.append(s('text', { x: pad.l - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'chart-tick' }, nf.format(v)));
  }
  const xt = 5;
  for (let i = 0; i <= xt; i++) {
    const tm = t0 + ((t1 - t0) * i) / xt;
    svg.append(s('text', { x: x(tm), y: height - 10, 'text-anchor': i === 0 ? 'start' : i === xt ? 'end' : 'middle', class: 'chart-tick' }, tf.format(tm)));
  }
  for (const [key, v] of [['max', limits.max], ['min', limits.min]]) {
    if (!Number.isFinite(v)) continue;
    svg.append(s('line', { x1: pad.l, x2: width - pad.r, y1: y(v), y2: y(v), class: `chart-limit chart-limit-${key}`, 'data-limit': key }));
    svg.append(s('text', { x: width - pad.r - 4, y: y(v) - 4, 'text-anchor': 'end', class: 'chart-limit-label' }, `${key} ${nf.format(v)}${unit}`));
  }
  series.forEach((se, i) => {
    const p = se.points.map((q) => ({ t: +new Date(q.t), v: q.v })).filter((q) => Number.isFinite(q.t) && Number.isFinite(q.v)).sort((a, b) => a.t - b.t);
    if (!p.length) return;
    const color = se.color ?? COLORS[i % COLORS.length];
    svg.append(s('path', { d: p.map((q, j) => `${j ? 'L' : 'M'}${x(q.t).toFixed(1)},${y(q.v).toFixed(1)}`).join(''), class: 'chart-line', stroke: color, 'data-series': se.name ?? i }));
    // points outside the limits stand out
    for (const q of p) {
      if ((Number.isFinite(limits.max) && q.v > limits.max) || (Number.isFinite(limits.min) && q.v < limits.min)) {
        svg.append(s('circle', { cx: x(q.t), cy: y(q.v), r: 3, class: 'chart-out' }));
      }
    }
  });
  svg.append(s('text', { x: 4, y: pad.t - 2, class: 'chart-tick' }, unit));
  if (!pts.length) svg.append(s('text', { x: (pad.l + width - pad.r) / 2, y: height / 2, 'text-anchor': 'middle', class: 'chart-empty' }, emptyText));
  const legend = series.length > 1 ? h('div.chart-legend', series.map((se, i) => h('span', h('i', { style: { background: se.color ?? COLORS[i % COLORS.length] } }), se.name))) : null;
  return h('figure.chart-figure', title ? h('figcaption', title) : null, svg, legend);
}
