// Which side of the gate a (reader, antenna port) or a (reader, GPI pin) stands on.
import type { Gate } from '../../edge/site/schema.ts';

export type Side = 'outer' | 'inner';
export const SIDES: readonly Side[] = ['outer', 'inner'];

export class GateLayout {
  private readonly antennas = new Map<string, Side>();
  private readonly eyes = new Map<string, Side>();
  readonly deviceIds: readonly string[];
  readonly hasPhotoEyes: boolean;

  constructor(readonly gate: Gate) {
    for (const r of gate.readers) {
      for (const side of SIDES) {
        for (const port of r.antennas[side]) this.antennas.set(key(r.deviceId, port), side);
        if (r.photoEyes) this.eyes.set(key(r.deviceId, r.photoEyes[side]), side);
      }
    }
    this.deviceIds = gate.readers.map((r) => r.deviceId);
    this.hasPhotoEyes = this.eyes.size > 0;
  }

  antennaSide(deviceId: string, antenna: number): Side | undefined {
    return this.antennas.get(key(deviceId, antenna));
  }

  eyeSide(deviceId: string, pin: number): Side | undefined {
    return this.eyes.get(key(deviceId, pin));
  }

  servesDevice(deviceId: string): boolean {
    return this.deviceIds.includes(deviceId);
  }
}

function key(deviceId: string, port: number): string {
  return `${deviceId}\u0000${port}`;
}
