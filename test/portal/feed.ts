// Feeds a Portal as the gateway would: observations in order of arrival (receivedAt), and a
// tick every `tickMs` of gateway time, until everything has closed.
import type { TagObservation } from '../../edge/observations.ts';
import type { GpiEvent } from '../../gateway/decoders/types.ts';
import type { DecidedCrossing, Portal } from '../../gateway/portal/portal.ts';

export type Arrival = { kind: 'tag'; tag: TagObservation } | { kind: 'gpi'; gpi: GpiEvent };

export interface FeedOptions {
  tickMs?: number;
  /** Called after each tick with the gateway time, to look at the portal mid-run. */
  onTick?: (now: number) => void;
}

export function feed(portal: Portal, arrivals: Arrival[], opts: FeedOptions = {}): DecidedCrossing[] {
  const tickMs = opts.tickMs ?? 100;
  const at = (a: Arrival) => (a.kind === 'tag' ? a.tag.receivedAt : a.gpi.receivedAt);
  // A stable sort: arrivals with the same receivedAt (one batch) keep their order in the batch.
  const queue = arrivals.map((a, i) => ({ a, i })).sort((x, y) => at(x.a) - at(y.a) || x.i - y.i).map((x) => x.a);
  const out: DecidedCrossing[] = [];
  if (queue.length === 0) return out;
  let now = Math.floor(at(queue[0]!) / tickMs) * tickMs;
  const end = at(queue[queue.length - 1]!) + portal.options.closeAfterMs + 2 * tickMs;
  let i = 0;
  for (; now <= end; now += tickMs) {
    while (i < queue.length && at(queue[i]!) <= now) {
      const a = queue[i++]!;
      if (a.kind === 'tag') portal.ingest(a.tag);
      else portal.ingestGpi(a.gpi);
    }
    out.push(...portal.tickDetailed(now));
    opts.onTick?.(now);
  }
  return out;
}
