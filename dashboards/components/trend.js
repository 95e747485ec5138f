// One environment metric's trend drawn with uPlot: the average as a line, the min–max of each step
// as a band around it (aggregated resolutions; raw values have neither), and the zone's limit: the
// allowed range shaded under the data, each limit a dashed red line over it, the line itself red
// where it is outside. Times on the site's wall clock in the user's language, like every date.
//
//   drawTrend(uPlot, el, { series: {metric, unit, limit, points}, resolution, from, to, height,
//              labels: { time, line, min, max, upper, lower } })
//     → { plot, update(points, from, to), destroy() }. `uPlot` is what components/uplot.js loads.
import { toColumns, gapMs } from './trend-data.js';
import { dateFormat, getTimeZone, locale } from '../i18n.js';

const LINE = '#1f6feb';
const OUT = '#b42318';
const BAND = 'rgba(31, 111, 235, 0.16)';
const ALLOWED = 'rgba(15, 123, 63, 0.10)';
// The canvas draws its own text: name the CJK fonts, or Chinese dates come out as boxes.
const FONT = '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif';

export function drawTrend(uPlot, el, { series, resolution, from, to, height = 260, labels }) {
  const limit = series.limit ?? {};
  const lo = Number.isFinite(limit.min) ? limit.min : null;
  const hi = Number.isFinite(limit.max) ? limit.max : null;
  const band = resolution !== 'raw';
  const data = toColumns(series.points, { gap: gapMs(resolution, series.points), band });
  const nf = new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 });
  const value = (v) => (v === null || v === undefined ? '—' : `${nf.format(v)} ${series.unit}`.trim());
  const when = dateFormat({ month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const hm = dateFormat({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const day = dateFormat({ month: 'short', day: 'numeric' });
  const tz = getTimeZone();
  const span = { from, to };

  // Whether any value is outside the limits: only then is the line a gradient (red outside), which
  // costs a dense chart about a third of its drawing time; inside them it is plain blue.
  const outside = (points) => points.some((p) => (hi !== null && p[3] > hi) || (lo !== null && p[1] < lo));
  let out = outside(series.points);

  /** The line's colour by height: red above the upper limit and below the lower one. */
  const stroke = (u) => {
    if (!out) return LINE;
    const { top, height: h } = u.bbox;
    if (!h) return LINE;
    const g = u.ctx.createLinearGradient(0, top, 0, top + h);
    const at = (v) => Math.min(1, Math.max(0, (u.valToPos(v, 'y', true) - top) / h));
    const stops = [[0, hi !== null ? OUT : LINE]];
    if (hi !== null) stops.push([at(hi), OUT], [at(hi), LINE]);
    if (lo !== null) stops.push([at(lo), LINE], [at(lo), OUT]);
    stops.push([1, lo !== null ? OUT : LINE]);
    for (const [o, c] of stops) g.addColorStop(o, c);
    return g;
  };

  // Points as uPlot decides (only where they have room): a zone with three values must show three dots, not nothing.
  const line = { label: labels.line, stroke, width: 2, value: (_u, v) => value(v), points: { fill: stroke, stroke } };
  const edge = (label) => ({ label, stroke: 'rgba(31, 111, 235, 0.35)', width: 1, value: (_u, v) => value(v), points: { show: false } });
  const opts = {
    width: Math.max(200, el.clientWidth || 600), height,
    ms: 1, // the API's times are milliseconds
    tzDate: wallClock(tz), // ticks on the site's hours and midnights, whatever the browser's zone
    scales: {
      x: { time: true, range: () => [span.from, span.to] }, // the whole range asked, however much of it has values
      // The limits always in view, with a tenth of the span around everything.
      y: {
        range: (_u, dmin, dmax) => {
          const vals = [dmin, dmax, lo, hi].filter((v) => Number.isFinite(v));
          let a = vals.length ? Math.min(...vals) : 0;
          let b = vals.length ? Math.max(...vals) : 1;
          const pad = (b - a || Math.abs(b) || 1) * 0.1;
          a -= pad; b += pad;
          return [a, b];
        },
      },
    },
    series: band
      ? [{ label: labels.time, value: (_u, v) => (v ? when.format(v) : '—') }, edge(labels.min), line, edge(labels.max)]
      : [{ label: labels.time, value: (_u, v) => (v ? when.format(v) : '—') }, line],
    bands: band ? [{ series: [3, 1], fill: BAND }] : [],
    axes: [
      {
        font: `11px ${FONT}`, stroke: '#5f6b7a', grid: { stroke: '#e8edf2' }, ticks: { stroke: '#dde3ea' }, space: 70,
        // A date where the day changes (and on day steps), the time of day otherwise.
        values: (_u, splits, _ax, _space, incr) => splits.map((s) => {
          if (s === null) return null;
          if (incr >= 86_400_000) return day.format(s);
          const t = hm.format(s);
          return t === '00:00' ? day.format(s) : t;
        }),
      },
      { font: `11px ${FONT}`, stroke: '#5f6b7a', grid: { stroke: '#e8edf2' }, ticks: { stroke: '#dde3ea' }, size: 46, values: (_u, splits) => splits.map((v) => nf.format(v)) },
    ],
    legend: { show: true, live: true },
    cursor: { drag: { x: true, y: false } },
    hooks: {
      drawAxes: [(u) => shadeAllowed(u, lo, hi)],
      draw: [(u) => drawLimits(u, uPlot.pxRatio, [[hi, labels.upper], [lo, labels.lower]], value)],
    },
  };
  const plot = new uPlot(opts, data, el);
  // The page's width changes with the window and the phone's rotation: the canvas follows its box.
  const ro = new ResizeObserver(() => {
    const w = Math.max(200, el.clientWidth);
    if (w && Math.abs(w - plot.width) > 1) plot.setSize({ width: w, height });
  });
  ro.observe(el);
  return {
    plot,
    /** Newer values of the same series (the range moved on): the chart stays, the data changes. */
    update(points, from2, to2) {
      span.from = from2; span.to = to2;
      out = outside(points);
      plot.setData(toColumns(points, { gap: gapMs(resolution, points), band }));
    },
    destroy() { ro.disconnect(); plot.destroy(); },
  };
}

/**
 * What uPlot's tzDate does (a Date whose local fields read the site's wall clock at `ts`), without
 * its toLocaleString on every call (about 6 ms of a dense chart's 15 in `npm run bench -- envchart`;
 * this costs 3). The site's offset from UTC is asked of Intl once per hour of time and kept: zones
 * change their offset on the hour.
 */
function wallClock(tz) {
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  const offsets = new Map();
  const offsetAt = (ts) => {
    const hour = Math.floor(ts / 3_600_000);
    let off = offsets.get(hour);
    if (off === undefined) {
      const p = {};
      for (const x of fmt.formatToParts(hour * 3_600_000)) p[x.type] = Number(x.value);
      off = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - hour * 3_600_000;
      offsets.set(hour, off);
    }
    return off;
  };
  return (ts) => {
    const w = new Date(ts + offsetAt(ts));
    return new Date(w.getUTCFullYear(), w.getUTCMonth(), w.getUTCDate(), w.getUTCHours(), w.getUTCMinutes(), w.getUTCSeconds(), w.getUTCMilliseconds());
  };
}

/** The allowed range as a green band, under the data (drawn after the grid, before the series). */
function shadeAllowed(u, lo, hi) {
  if (lo === null && hi === null) return;
  const { ctx, bbox } = u;
  const top = hi === null ? bbox.top : Math.max(bbox.top, u.valToPos(hi, 'y', true));
  const bottom = lo === null ? bbox.top + bbox.height : Math.min(bbox.top + bbox.height, u.valToPos(lo, 'y', true));
  if (bottom <= top) return;
  ctx.save();
  ctx.fillStyle = ALLOWED;
  ctx.fillRect(bbox.left, top, bbox.width, bottom - top);
  ctx.restore();
}

/** Each limit as a dashed red line over everything, named at its left end (the right end is now, where the eye goes). */
function drawLimits(u, pr, limits, value) {
  const { ctx, bbox } = u;
  ctx.save();
  ctx.strokeStyle = OUT;
  ctx.fillStyle = OUT;
  ctx.lineWidth = 1.5 * pr;
  ctx.setLineDash([6 * pr, 4 * pr]);
  ctx.font = `${Math.round(11 * pr)}px ${FONT}`;
  ctx.textAlign = 'left';
  for (const [v, name] of limits) {
    if (v === null) continue;
    const y = Math.round(u.valToPos(v, 'y', true)) + 0.5;
    if (y < bbox.top || y > bbox.top + bbox.height) continue;
    ctx.beginPath();
    ctx.moveTo(bbox.left, y);
    ctx.lineTo(bbox.left + bbox.width, y);
    ctx.stroke();
    ctx.fillText(`${name} ${value(v)}`, bbox.left + 4 * pr, y - 4 * pr);
  }
  ctx.restore();
}
