// The gate's photo-eye edges, kept in a small ring: only when a beam was broken (GPI LOW) and on
// which side. A track asks for the breaks inside its own span when it closes.
import type { Side } from './layout.ts';

export interface BeamBreak {
  side: Side;
  /** Device time, epoch ms: the same clock as the reader's tag reads. */
  t: number;
}

export interface BreaksInSpan {
  outer: number[];
  inner: number[];
}

export class PhotoEyes {
  private readonly ring: BeamBreak[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  add(b: BeamBreak): void {
    if (this.ring.length < this.capacity) this.ring.push(b);
    else this.ring[this.next] = b;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Breaks within [from, to], each side's times in order. */
  between(from: number, to: number): BreaksInSpan {
    const out: BreaksInSpan = { outer: [], inner: [] };
    for (const b of this.ring) if (b.t >= from && b.t <= to) out[b.side].push(b.t);
    out.outer.sort((a, b) => a - b);
    out.inner.sort((a, b) => a - b);
    return out;
  }

  get size(): number {
    return this.ring.length;
  }
}
