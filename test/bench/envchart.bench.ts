// 9. The Environment page's trend chart in headless Chromium: the time from a zone's series (as
// GET /zones/{id}/environment answers them, [t, min, avg, max] rows) to both of its charts on
// screen, temperature and humidity, with the page's own code (components/trend.js: the columns,
// the gaps, uPlot, the limit band and lines). 48 hours of raw values, one every 10 s (17,280 points
// a metric, what the API serves for 48 h), and one a second (172,800: what a 1 Hz monitor would
// give, past the API's point cap, so the chart's own limit); the temperature has one excursion,
// so that its line is drawn red outside its limit, as when someone looks. Two raw limits, each the same points
// drawn in the same page on canvases of the same size as one bare 2D path per metric, one stroke:
// every point (moveTo, then lineTo per point), as the issue proposed; and one vertical min-max
// segment per pixel column, the least a canvas must draw for the same picture (uPlot draws dense
// series that way, so it beats the first and the second is its floor). Each ends with a one-pixel
// read of each canvas, which makes Chromium rasterise what was drawn: the time is the picture's,
// not only the script's.
import Fastify from 'fastify';
import { chromium } from 'playwright-core';
import { serveDashboards } from '../../gateway/dashboards.ts';
import { findProgram } from '../helpers/programs.ts';
import { QUICK } from './config.ts';
import { Recorder, median, type Figure } from './report.ts';

export const name = 'envchart';
export const description = 'the Environment page\'s uPlot trend: 48 h of raw values of one zone (temperature and humidity) drawn in headless Chromium, vs a bare canvas lineTo path of the same points';
const RUNS = Number(process.env.BENCH_ENVCHART_RUNS ?? (QUICK ? 3 : 9));
const SIZES = [{ label: 'one value every 10 s', stepMs: 10_000 }, { label: 'one value a second', stepMs: 1_000 }];
const HOURS_48 = 48 * 3_600_000;
/** A chart as the page draws it on a 1366 px desktop (two side by side). */
const WIDTH = 640;
const HEIGHT = 260;

/** Runs in the page (a string: the bundler must not rewrite the browser's import() nor add helpers). */
const IN_PAGE = `async ({ stepMs, runs, width, height, span }) => {
  const { drawTrend } = await import('/components/trend.js');
  const { loadUplot } = await import('/components/uplot.js');
  const uPlot = await loadUplot();
  const to = Date.now();
  const from = to - span;
  const series = [
    // The temperature with one excursion (40 minutes at 8 °C more, past its 28 °C limit), so that its line takes the red-outside path.
    { metric: 'temperature', unit: '°C', limit: { min: 10, max: 28, hysteresis: 0 }, base: 21, swing: 2.5, spike: 8 },
    { metric: 'humidity', unit: '%RH', limit: { min: 30, max: 65, hysteresis: 0 }, base: 50, swing: 6, spike: 0 },
  ].map((s) => {
    const n = Math.floor(span / stepMs);
    const points = new Array(n);
    let seed = 7;
    for (let i = 0; i < n; i++) {
      const t = from + (i + 1) * stepMs;
      seed = (seed * 16807) % 2147483647;
      const spike = Math.abs(t - (to - 20 * 3600000)) < 20 * 60000 ? s.spike : 0;
      const v = Math.round((s.base + s.swing * Math.sin((2 * Math.PI * t) / 86400000) + spike + (seed / 2147483647 - 0.5) * 0.4) * 10) / 10;
      points[i] = [t, v, v, v];
    }
    return { metric: s.metric, unit: s.unit, limit: s.limit, points };
  });
  const boxes = series.map(() => { const d = document.createElement('div'); d.style.width = width + 'px'; document.body.append(d); return d; });
  const macrotask = () => new Promise((r) => { const c = new MessageChannel(); c.port1.onmessage = () => r(); c.port2.postMessage(0); });
  const flush = (canvases) => { for (const c of canvases) c.getContext('2d').getImageData(0, 0, 1, 1); };
  const labels = { time: '时间', line: '读数', upper: '上限', lower: '下限' };

  async function chart() {
    const t0 = performance.now();
    const charts = series.map((s, i) => drawTrend(uPlot, boxes[i], { series: s, resolution: 'raw', from, to, height, labels }));
    await macrotask(); // uPlot draws in a microtask after it is built
    flush(boxes.map((b) => b.querySelector('canvas')));
    const ms = performance.now() - t0;
    for (const c of charts) c.destroy();
    return ms;
  }

  /** A bare path of the points: every one (columns false), or one min-max segment per pixel column. */
  async function bare(columns) {
    const t0 = performance.now();
    const canvases = series.map((s, i) => {
      const c = document.createElement('canvas');
      c.width = width * devicePixelRatio; c.height = height * devicePixelRatio;
      boxes[i].append(c);
      const ctx = c.getContext('2d');
      let lo = Infinity, hi = -Infinity;
      for (const p of s.points) { if (p[2] < lo) lo = p[2]; if (p[2] > hi) hi = p[2]; }
      const sx = c.width / (to - from), sy = c.height / ((hi - lo) || 1);
      ctx.strokeStyle = '#1f6feb'; ctx.lineWidth = 2 * devicePixelRatio;
      ctx.beginPath();
      if (!columns) {
        for (let j = 0; j < s.points.length; j++) {
          const p = s.points[j];
          const x = (p[0] - from) * sx, y = c.height - (p[2] - lo) * sy;
          if (j) ctx.lineTo(x, y); else ctx.moveTo(x, y);
        }
      } else {
        let col = -1, ymin = 0, ymax = 0;
        for (let j = 0; j < s.points.length; j++) {
          const p = s.points[j];
          const x = Math.round((p[0] - from) * sx), y = c.height - (p[2] - lo) * sy;
          if (x !== col) {
            if (col >= 0) { ctx.lineTo(col, ymin); ctx.lineTo(col, ymax); } else ctx.moveTo(x, y);
            col = x; ymin = ymax = y;
          } else if (y < ymin) ymin = y; else if (y > ymax) ymax = y;
        }
        ctx.lineTo(col, ymin); ctx.lineTo(col, ymax);
      }
      ctx.stroke();
      return c;
    });
    await macrotask();
    flush(canvases);
    const ms = performance.now() - t0;
    for (const c of canvases) c.remove();
    return ms;
  }

  // Warm both up (the JIT, uPlot's first layout), then take turns, so that a busy moment of the machine hits both alike.
  for (let w = 0; w < 2; w++) { await chart(); await bare(false); await bare(true); }
  const out = { chart: [], every: [], columns: [], points: series[0].points.length, dpr: devicePixelRatio };
  for (let r = 0; r < runs; r++) { out.chart.push(await chart()); out.every.push(await bare(false)); out.columns.push(await bare(true)); }
  return out;
}`;

export async function run(): Promise<Figure[]> {
  const rec = new Recorder(name);
  const chromiumPath = findProgram('chromium');
  if (!chromiumPath) throw new Error('chromium is not on PATH (apt-get install -y chromium)');
  // The dashboards as the gateway serves them (uPlot from node_modules through /vendor/), nothing else.
  const app = Fastify({ logger: false });
  serveDashboards(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const figures: Figure[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('pageerror', (e) => console.error('  [browser]', e.message));
    // A blank page of the gateway's origin, so that the modules load from it as the dashboards do.
    await page.route(`${url}/bench`, (r) => r.fulfill({ contentType: 'text/html; charset=utf-8', body: '<!doctype html><meta charset="utf-8"><body style="margin:0">' }));
    await page.goto(`${url}/bench`);
    rec.log(`chromium ${browser.version()}, ${WIDTH}×${HEIGHT} px a chart, ${RUNS} runs each after two warm-ups, median`);
    for (const size of SIZES) {
      const out = await page.evaluate(`(${IN_PAGE})(${JSON.stringify({ stepMs: size.stepMs, runs: RUNS, width: WIDTH, height: HEIGHT, span: HOURS_48 })})`) as
        { chart: number[]; every: number[]; columns: number[]; points: number; dpr: number };
      const ms = (xs: number[]) => xs.map((x) => x.toFixed(1)).join('/');
      rec.log(`${size.label}: ${out.points.toLocaleString('en-US')} points a metric (device pixel ratio ${out.dpr}); chart ${ms(out.chart)} ms, ` +
        `bare path of every point ${ms(out.every)} ms, bare path of pixel columns ${ms(out.columns)} ms`);
      const what = `48 h raw, ${size.label} (${out.points.toLocaleString('en-US')} points a metric): temperature and humidity charts drawn`;
      const dense = size.stepMs === 10_000 ? 'what the page draws for 48 h' : 'past the API\'s 50,000-point cap (it would serve one-minute values): the chart\'s own headroom';
      figures.push(rec.add({
        name: `${what}, vs every point`, value: median(out.chart), unit: 'ms', better: 'lower',
        raw: { name: 'every point as a bare lineTo path', value: median(out.every) },
        ...(size.stepMs === 10_000 ? { aim: { on: 'value' as const, op: '<' as const, target: 100, label: '< 100 ms (reads as instant)' } } : {}),
        note: `${dense}; above 1: the chart draws one segment per pixel column, the bare path every point`,
      }));
      figures.push(rec.add({
        name: `${what}, vs pixel columns`, value: median(out.chart), unit: 'ms', better: 'lower',
        raw: { name: 'one min-max segment per pixel column as a bare path', value: median(out.columns) },
        note: 'the floor for the same picture; the rest is the columns, the gaps, uPlot\'s axes, legend and limit band',
      }));
    }
  } finally {
    await browser.close().catch(() => {});
    await app.close();
  }
  return figures;
}
