// The intake desk's CF-RU5102 / UHFReader18, polled: an inventory command to each reader's
// address; replies with status 0x03 (more frames follow) are gathered until the last one. Every
// tag on the desk is reported each poll, so that enrolment can tell one tag from two.
import { UhfDeframer, uhfCommand, INVENTORY, type UhfEvent } from '../../codecs/uhfreader18.ts';
import { Awaiting, PollingDriver, sleep, tally, type DriverDevice } from './driver.ts';

const ANSWER_MS = 1_000;
const DEFAULT_POLL_MS = 500;
/** A reply split over more frames than this is not a desk's: the poll ends there. */
const MAX_FRAMES = 32;

export class UhfReaderDriver extends PollingDriver {
  private readonly deframer = new UhfDeframer();
  private readonly answer = new Awaiting<UhfEvent>();

  constructor(devices: readonly DriverDevice[]) { super(devices, DEFAULT_POLL_MS); }

  override stop(): void { super.stop(); this.answer.cancel(); }
  lineDown(): void { this.deframer.reset(); this.answer.cancel(); }

  data(chunk: Uint8Array): void {
    if (!this.ctx) return;
    const r = this.deframer.push(chunk);
    this.ctx.counted(r.events.length, tally(r.rejected));
    for (const e of r.events) this.answer.offer(e);
  }

  protected async poll(d: DriverDevice): Promise<void> {
    const ctx = this.ctx!;
    const addr = d.address ?? 0;
    if (!ctx.send(uhfCommand(addr, INVENTORY))) return sleep(ANSWER_MS);
    const epcs = new Set<string>();
    for (let i = 0; i < MAX_FRAMES; i++) {
      const e = await this.answer.wait((x) => x.addr === addr || addr === 0xff, ANSWER_MS);
      if (!e) {
        // Half an answer is no answer: what is on the desk is not guessed from part of it.
        this.flushTruncated(d.id);
        return;
      }
      if (e.type === 'noTag') break;
      if (e.type === 'inventory') {
        for (const x of e.epcs) epcs.add(x);
        if (e.more) continue;
        break;
      }
      ctx.report({ deviceId: d.id, receivedAt: ctx.now(), rejected: [{ reason: e.type === 'error' ? `reader_${e.meaning}` : 'unexpected_reply', detail: `status 0x${e.status.toString(16)}` }] });
      return;
    }
    ctx.report({ deviceId: d.id, receivedAt: ctx.now(), desk: { epcs: [...epcs] } });
  }

  /** A frame cut short by silence: counted, and the stream starts clean. */
  private flushTruncated(deviceId: string): void {
    const r = this.deframer.reset();
    if (r) this.ctx!.report({ deviceId, receivedAt: this.ctx!.now(), rejected: [{ reason: r.reason, detail: r.detail }] });
  }
}
