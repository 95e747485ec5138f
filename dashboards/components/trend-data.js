// An environment series as the API sends it ([t, min, avg, max] rows) turned into the columns
// uPlot draws ([xs, min, avg, max]), with a break wherever the values stop: a monitor that was
// silent for an hour must show as a gap, not as a straight line across the outage. Pure, so that
// the benchmark measures it with the chart, and cheap: one pass, no sort (the API sends time order).

const STEP_MS = { '1m': 60_000, '1h': 3_600_000, '1d': 86_400_000 };

/** The longest pause between two values that is still one line: a few of the series' own steps. */
export function gapMs(resolution, points) {
  if (STEP_MS[resolution]) return STEP_MS[resolution] * 2.5;
  // Raw values come as often as the monitor is polled (1 s to a few minutes): read its pace from
  // the data (the median of a sample of intervals), and allow at least a minute.
  const n = points.length;
  if (n < 3) return Infinity;
  const stride = Math.max(1, Math.floor(n / 200));
  const dts = [];
  for (let i = stride; i < n; i += stride) dts.push(points[i][0] - points[i - 1][0]);
  dts.sort((a, b) => a - b);
  return Math.max(60_000, 5 * dts[dts.length >> 1]);
}

/**
 * Columns for uPlot. `band` false (raw values, whose min = avg = max) gives [xs, values] only:
 * a band of zero width would cost two more paths to draw nothing.
 */
export function toColumns(points, { gap = Infinity, band = true } = {}) {
  const n = points.length;
  const xs = [];
  const mins = [];
  const avgs = [];
  const maxs = [];
  for (let i = 0; i < n; i++) {
    const p = points[i];
    if (i && p[0] - points[i - 1][0] > gap) {
      // One empty sample just after the last value: uPlot breaks its line at a null.
      xs.push(points[i - 1][0] + 1); avgs.push(null);
      if (band) { mins.push(null); maxs.push(null); }
    }
    xs.push(p[0]); avgs.push(p[2]);
    if (band) { mins.push(p[1]); maxs.push(p[3]); }
  }
  return band ? [xs, mins, avgs, maxs] : [xs, avgs];
}

