// The R2000-module shelf reader driven as PROTOCOLS.md describes: for each of its antennas in turn,
// set the work antenna (0x74), then one real-time inventory round (0x89, repeat 1); the tags until
// the end-of-round frame are that antenna's complete round, reported as one. The antenna is the one
// the gateway set, not the frame's FreqAnt bits: those hold only two bits, and an 8-port module's
// ports 5-8 would read as 1-4.
import { R2000Deframer, r2000Command, type R2000Event } from '../../codecs/r2000.ts';
import { Awaiting, PollingDriver, sleep, tally, type DriverDevice } from './driver.ts';

const SET_ANTENNA = 0x74;
const REALTIME_INVENTORY = 0x89;
const ANSWER_MS = 500;
/** A round of a crowded shelf takes a while: tags come until the end-of-round frame. */
const ROUND_MS = 3_000;
const DEFAULT_POLL_MS = 1_000;

export class R2000Driver extends PollingDriver {
  private readonly deframer = new R2000Deframer();
  private readonly answer = new Awaiting<R2000Event>();
  /** Tags of the round under way, by reader address. */
  private readonly round = new Map<number, Set<string>>();

  constructor(devices: readonly DriverDevice[]) { super(devices, DEFAULT_POLL_MS); }

  override stop(): void {
    super.stop();
    this.answer.cancel();
  }

  lineDown(): void {
    this.deframer.reset();
    this.round.clear();
    this.answer.cancel();
  }


  data(chunk: Uint8Array): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const r = this.deframer.push(chunk);
    ctx.counted(r.events.length, tally(r.rejected));
    for (const e of r.events) {
      if (e.type === 'tag' && e.cmd === REALTIME_INVENTORY) this.round.get(e.addr)?.add(e.epc);
      else this.answer.offer(e);
    }
  }

  /** Each antenna in turn: a round is one antenna's. */
  protected async poll(d: DriverDevice): Promise<void> {
    for (const a of d.antennas) {
      if (!this.running) return;
      await this.inventory(d, a.port);
    }
  }

  private async inventory(d: DriverDevice, antenna: number): Promise<void> {
    const ctx = this.ctx!;
    const addr = d.address ?? 1;
    const fromThis = (cmd: number) => (e: R2000Event) => (e.addr === addr || addr === 0xff) && e.cmd === cmd && e.type !== 'tag';
    if (!ctx.send(r2000Command(addr, SET_ANTENNA, [antenna - 1]))) return sleep(ANSWER_MS);
    const set = await this.answer.wait(fromThis(SET_ANTENNA), ANSWER_MS);
    if (!set) return;
    if (set.type === 'error' && set.code !== 0x10) {
      ctx.report({ deviceId: d.id, receivedAt: ctx.now(), rejected: [{ reason: `reader_${set.meaning}`, detail: `antenna ${antenna}: code 0x${set.code.toString(16)}` }] });
      return;
    }
    this.round.set(addr, new Set());
    if (!ctx.send(r2000Command(addr, REALTIME_INVENTORY, [1]))) return;
    const end = await this.answer.wait(fromThis(REALTIME_INVENTORY), ROUND_MS);
    const epcs = this.round.get(addr);
    this.round.delete(addr);
    if (!end || !epcs) return; // an unfinished round says nothing of what is on the shelf
    if (end.type === 'roundEnd' || (end.type === 'error' && end.meaning === 'no_tag')) {
      ctx.report({ deviceId: d.id, receivedAt: ctx.now(), rounds: [{ antenna, epcs: end.type === 'error' ? [] : [...epcs] }] });
    } else if (end.type === 'error') {
      ctx.report({ deviceId: d.id, receivedAt: ctx.now(), rejected: [{ reason: `reader_${end.meaning}`, detail: `inventory on antenna ${antenna}` }] });
    }
  }
}
