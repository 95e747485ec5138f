// Faults the simulated platform can be told to commit, so that the gateway's sync is tested against
// what a real network and a real vendor do: errors, silence, lost acknowledgements, duplicates,
// proxies answering in HTML, garbage, and replies that do not verify.
import { z } from 'zod';

export const FAULT_KINDS = [
  'status_500', // a signed 500 INTERNAL, the request not processed
  'timeout', // the request read, never answered; the socket held open until the fault is cleared or the server closes
  'cut_after_commit', // processed and committed, then the socket destroyed: a lost acknowledgement
  'duplicate_changes', // a changes page that also repeats the previous page
  'slow', // answered after delayMs
  'html', // 200 text/html from a "proxy", unsigned, not processed
  'garbage', // 200 with random bytes, unsigned, not processed
  'bad_signature', // the right reply, signed with a wrong key
  'skew', // the right reply, its ts ten minutes off
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Faults that answer instead of the platform: the request is never processed. */
export const BEFORE_PROCESSING: readonly FaultKind[] = ['status_500', 'timeout', 'html', 'garbage'];
/** Faults that change how a processed request is answered. */
export const AFTER_PROCESSING: readonly FaultKind[] = ['cut_after_commit', 'slow', 'bad_signature', 'skew'];

export const faultSchema = z.object({
  kind: z.enum(FAULT_KINDS),
  times: z.number().int().min(0).default(1),
  pathPrefix: z.string().optional(),
  delayMs: z.number().int().min(0).max(600_000).optional(),
});
export type FaultInput = z.input<typeof faultSchema>;
export interface Fault { kind: FaultKind; times: number; pathPrefix?: string; delayMs?: number; remaining: number; used: number }

export class Faults {
  private list: Fault[] = [];
  private readonly onClear = new Set<() => void>();

  /** `times` 0 = until cleared. */
  add(input: FaultInput): Fault {
    const f = faultSchema.parse(input);
    const fault: Fault = { ...f, remaining: f.times, used: 0 };
    this.list.push(fault);
    return fault;
  }

  clear(): void {
    this.list = [];
    for (const fn of [...this.onClear]) fn();
    this.onClear.clear();
  }

  all(): readonly Fault[] { return this.list; }

  /** Take one use of the first fault of these kinds whose prefix matches the path. */
  take(kinds: readonly FaultKind[], pathWithQuery: string): Fault | undefined {
    const f = this.list.find((x) => kinds.includes(x.kind) && (x.pathPrefix === undefined || pathWithQuery.startsWith(x.pathPrefix)));
    if (!f) return undefined;
    f.used++;
    if (f.times > 0 && --f.remaining <= 0) this.list = this.list.filter((x) => x !== f);
    return f;
  }

  /** Called once at the next clear (a held `timeout` socket is destroyed then). */
  whenCleared(fn: () => void): () => void {
    this.onClear.add(fn);
    return () => { this.onClear.delete(fn); };
  }
}
