// A count report's RFC 8785 canonical JSON, fast: a zone of 100,000 items makes 100,000 lines, and
// a generic canonicaliser (a sort and a string per key) spends seconds on them. The lines are
// built with their keys already in canonical order (report.ts), so the native serialiser, which
// keeps insertion order, writes them canonically; the few small objects around them are sorted
// here. Strings and finite numbers serialise as RFC 8785 says JSON.stringify does. The tests
// compare the result with the `canonicalize` package's on a report with every class.
import type { CountReport } from './view.ts';

function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) out[k] = sorted(o[k]);
  return out;
}

export function canonicalReportJson(r: CountReport): string {
  const { lines, ...head } = r;
  const top = sorted(head) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of [...Object.keys(top), 'lines'].sort()) out[k] = k === 'lines' ? lines : top[k];
  return JSON.stringify(out);
}
