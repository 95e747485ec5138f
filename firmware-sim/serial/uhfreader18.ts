/**
 * A simulated intake desk reader, CF-RU5102 / UHFReader18, 57600 8N1. Command
 * `Len | Adr | Cmd | Data | CRC-lo | CRC-hi`, reply `Len | Adr | reCmd | Status | Data | CRC`, Len
 * counting the bytes after it, CRC-16/MCRF4XX over Len..Data (PROTOCOLS.md). `04 0A 01 AB B6` is
 * an inventory to address 0x0A: the CRC of `04 0A 01` is B6AB, so the second byte is the address.
 *
 * Only the EPC inventory (0x01) is answered; any other command gets status 0xFE. The labels on
 * the desk are a set the scenario changes: an operator holding two labels near it gets both.
 */
import { MCRF4XX_POLY, crcOk, hexBytes, normalizeEpc, withCrc } from './checks.ts';
import { Pending, nextGoodFrame, type LineHandler, type Reply } from './line.ts';

export const UHF18_CMD = { inventory: 0x01 } as const;
export const UHF18_STATUS = { done: 0x01, moreFrames: 0x03, noTag: 0xfb, illegalCommand: 0xfe, parameterError: 0xff } as const;
const BROADCAST = 0xff;
/** Len is one byte and counts Adr, reCmd, Status and the CRC besides the data. */
const MAX_DATA = 0xff - 5;

export interface UhfReader18Options {
  /** Default 0, the factory address. */
  address?: number;
}

export function uhf18Reply(addr: number, reCmd: number, status: number, data: number[] = []): Uint8Array {
  return withCrc(MCRF4XX_POLY, [data.length + 5, addr, reCmd, status, ...data]);
}

export class UhfReader18 implements LineHandler {
  readonly baudRate = 57600;
  readonly address: number;
  requests = 0;
  private readonly field = new Set<string>();
  private readonly pending = new Pending(50);

  constructor(options: UhfReader18Options = {}) {
    this.address = options.address ?? 0;
  }

  /** The labels on the desk now, replacing whatever was there. */
  present(epcs: string[]): void {
    this.field.clear();
    for (const e of epcs) this.field.add(normalizeEpc(e));
  }

  place(epc: string): void {
    this.field.add(normalizeEpc(epc));
  }

  remove(epc: string): boolean {
    return this.field.delete(normalizeEpc(epc));
  }

  tags(): string[] {
    return [...this.field];
  }

  reset(): void {
    this.pending.clear();
  }

  receive(chunk: Uint8Array, reply: Reply): void {
    this.pending.push(chunk);
    const buf = this.pending.bytes;
    while (buf.length > 0) {
      const len = buf[0]!;
      // Adr, Cmd and the CRC at least: anything shorter cannot be a command.
      if (len < 4) {
        this.pending.drop(1);
        continue;
      }
      if (buf.length < len + 1) {
        const next = nextGoodFrame(buf, (i) => (buf[i]! >= 4 ? buf[i]! + 1 : 0), (f) => crcOk(MCRF4XX_POLY, f));
        if (next < 0) return;
        this.pending.drop(next);
        continue;
      }
      const frame = buf.slice(0, len + 1);
      // A bad CRC is ignored, as the reader does; the next byte may start the real frame.
      if (!crcOk(MCRF4XX_POLY, frame)) {
        this.pending.drop(1);
        continue;
      }
      this.pending.drop(len + 1);
      const adr = frame[1]!;
      if (adr !== this.address && adr !== BROADCAST) continue;
      this.requests++;
      this.command(frame[2]!, frame.slice(3, frame.length - 2), reply);
    }
  }

  private command(cmd: number, data: number[], reply: Reply): void {
    if (cmd !== UHF18_CMD.inventory) {
      // PROTOCOLS.md does not say which reCmd an unknown command gets; the UHFReader18 manual's
      // 0x00 is used, so that the error cannot pass for an answer to the command that was sent.
      return reply(uhf18Reply(this.address, 0x00, UHF18_STATUS.illegalCommand));
    }
    // Data would be AdrTID/LenTID for a TID inventory, which this desk does not do.
    if (data.length !== 0) return reply(uhf18Reply(this.address, cmd, UHF18_STATUS.parameterError));
    const tags = [...this.field].map(hexBytes);
    if (tags.length === 0) return reply(uhf18Reply(this.address, cmd, UHF18_STATUS.noTag));
    // Frames of at most Len 0xFF: each but the last says 0x03 "more frames follow".
    const frames: number[][][] = [[]];
    let size = 1;
    for (const t of tags) {
      if (size + 1 + t.length > MAX_DATA) {
        frames.push([]);
        size = 1;
      }
      frames[frames.length - 1]!.push(t);
      size += 1 + t.length;
    }
    frames.forEach((group, i) => {
      const status = i === frames.length - 1 ? UHF18_STATUS.done : UHF18_STATUS.moreFrames;
      reply(uhf18Reply(this.address, cmd, status, [group.length, ...group.flatMap((t) => [t.length, ...t])]));
    });
  }
}
