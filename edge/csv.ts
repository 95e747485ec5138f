// CSV for the people who open it in Excel: RFC 4180 quoting, UTF-8 with a byte-order mark (so that
// a Chinese Windows reads the names right), and a leading = + - @ defused so that a name someone
// typed is never run as a formula. Numbers to one decimal unless the caller rounds them itself.

export type Cell = string | number | null;

export function csvCell(v: Cell, decimals?: number): string {
  if (v === null) return '';
  let s = typeof v === 'number' ? (decimals === undefined ? String(v) : String(Math.round(v * 10 ** decimals) / 10 ** decimals)) : v;
  if (typeof v === 'string' && /^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The rows as one CSV text, with its byte-order mark and CRLF line ends. */
export const csvText = (rows: Cell[][], decimals?: number) => `\uFEFF${rows.map((r) => r.map((c) => csvCell(c, decimals)).join(',')).join('\r\n')}\r\n`;
