// One figure of a benchmark, its raw limit measured in the same run, and the ratio between them.
// `ratio` is always "the share of the raw limit reached": value / raw for rates (higher is
// better), raw / value for times and sizes (lower is better). 1 means as fast as the raw limit.

export type Better = 'higher' | 'lower';

export interface Figure {
  bench: string;
  name: string;
  value: number;
  unit: string;
  better: Better;
  raw?: { name: string; value: number };
  /** A target: the ratio (or the value, when `on` is 'value') must reach it. */
  aim?: { on: 'ratio' | 'value'; op: '>=' | '<'; target: number; label: string };
  note?: string;
}

export const ratioOf = (f: Figure): number | undefined => {
  if (!f.raw || !f.raw.value || !f.value) return undefined;
  return f.better === 'higher' ? f.value / f.raw.value : f.raw.value / f.value;
};

export const aimMet = (f: Figure): boolean | undefined => {
  if (!f.aim) return undefined;
  const x = f.aim.on === 'ratio' ? ratioOf(f) : f.value;
  if (x === undefined) return undefined;
  return f.aim.op === '>=' ? x >= f.aim.target : x < f.aim.target;
};

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 100_000) return Math.round(n).toLocaleString('en-US');
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  return n.toFixed(3);
}

export class Recorder {
  readonly figures: Figure[] = [];
  constructor(readonly bench: string) {}

  add(f: Omit<Figure, 'bench'>): Figure {
    const full = { ...f, bench: this.bench };
    this.figures.push(full);
    console.log('  ' + line(full));
    return full;
  }

  log(msg: string): void { console.log(`  · ${msg}`); }
}

function line(f: Figure): string {
  const r = ratioOf(f);
  const met = aimMet(f);
  return `${f.name}: ${fmt(f.value)} ${f.unit}` +
    (f.raw ? `  | raw ${f.raw.name}: ${fmt(f.raw.value)} ${f.unit}  | ratio ${r === undefined ? '-' : r.toFixed(2)}` : '') +
    (f.aim ? `  | aim ${f.aim.label}: ${met === undefined ? '?' : met ? 'met' : 'NOT met'}` : '') +
    (f.note ? `  (${f.note})` : '');
}

export function printTable(figures: Figure[]): void {
  const head = ['bench', 'figure', 'value', 'unit', 'raw limit', 'ratio', 'aim', 'met'];
  const rows = figures.map((f) => {
    const r = ratioOf(f);
    const met = aimMet(f);
    return [f.bench, f.name, fmt(f.value), f.unit, f.raw ? `${fmt(f.raw.value)} (${f.raw.name})` : '-',
      r === undefined ? '-' : r.toFixed(2), f.aim?.label ?? '-', met === undefined ? '-' : met ? 'yes' : 'NO'];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmtRow = (r: string[]) => '| ' + r.map((c, i) => (i === 2 || i === 5 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ') + ' |';
  console.log(fmtRow(head));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) console.log(fmtRow(r));
}

export interface Latency { p50: number; p90: number; p99: number; max: number; mean: number }

/** Percentiles (nearest rank) of millisecond samples. */
export function percentiles(samplesMs: ArrayLike<number>): Latency {
  const a = Float64Array.from(samplesMs).sort();
  if (!a.length) return { p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
  const at = (p: number) => a[Math.min(a.length - 1, Math.max(0, Math.ceil(p * a.length) - 1))];
  let sum = 0;
  for (const x of a) sum += x;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: a[a.length - 1], mean: sum / a.length };
}

export const median = (xs: number[]) => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
};
