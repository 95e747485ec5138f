// What one OPC UA data change of a monitored value means: a reading of its metric in its zone, or a
// fault. Pure: the link hands it the status and the value node-opcua decoded; tests hand it
// anything. A sensor that reports nonsense is a device fault, never a reading: a rule must not open
// an environment alarm on a NaN, nor close one on a value no store room can have.
import { ENV_METRICS, ENV_UNITS, type EnvMetric, type OpcuaValueConfig } from '../../edge/site/opcua.ts';
import type { DeviceReading } from '../links/link.ts';

/** What no sensor in a store room can read; beyond it the sensor, its wiring or its scaling is broken. */
export const PHYSICAL_RANGE: Partial<Record<string, { min: number; max: number }>> = {
  temperature: { min: -60, max: 120 },
  humidity: { min: 0, max: 100 },
};

const BOOLEAN_METRICS = new Set<string>(['smoke', 'water', 'door']);
const isKnown = (m: string): m is EnvMetric => (ENV_METRICS as readonly string[]).includes(m);

/** The parts of an OPC UA DataValue this needs. */
export interface Sample {
  /** The StatusCode's severity is Good (neither Uncertain nor Bad). */
  good: boolean;
  /** Its name, `BadSensorFailure`, for the fault's detail. */
  status: string;
  value: unknown;
}

export type Judgement =
  | { ok: true; reading: DeviceReading }
  | { ok: false; reason: 'bad_status' | 'impossible_value' | 'wrong_type'; detail: string };

export function judge(spec: Pick<OpcuaValueConfig, 'nodeId' | 'zoneId' | 'metric' | 'unit'>, s: Sample): Judgement {
  const unit = isKnown(spec.metric) ? ENV_UNITS[spec.metric] : spec.unit ?? '';
  const shown = unit ? ` ${unit}` : '';
  // Uncertain is refused with Bad: a value the server itself doubts decides nothing here.
  if (!s.good) return { ok: false, reason: 'bad_status', detail: `${spec.nodeId}: ${s.status}` };
  let value: number;
  if (typeof s.value === 'boolean') {
    if (PHYSICAL_RANGE[spec.metric]) return { ok: false, reason: 'wrong_type', detail: `${spec.nodeId}: a boolean is no ${spec.metric}` };
    value = s.value ? 1 : 0;
  } else if (typeof s.value === 'number') {
    value = s.value;
  } else {
    return { ok: false, reason: 'wrong_type', detail: `${spec.nodeId}: ${describe(s.value)} is not a number or a boolean` };
  }
  if (!Number.isFinite(value)) return { ok: false, reason: 'impossible_value', detail: `${spec.nodeId}: ${value}` };
  if (BOOLEAN_METRICS.has(spec.metric) && value !== 0 && value !== 1) {
    return { ok: false, reason: 'impossible_value', detail: `${spec.nodeId}: ${value} for ${spec.metric}, which is 1 (yes) or 0 (no)` };
  }
  const range = PHYSICAL_RANGE[spec.metric];
  if (range && (value < range.min || value > range.max)) {
    return { ok: false, reason: 'impossible_value', detail: `${spec.nodeId}: ${value}${shown} is outside what a ${spec.metric} sensor can read (${range.min} to ${range.max})` };
  }
  return { ok: true, reading: { name: spec.metric, value, unit, zoneId: spec.zoneId } };
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'no value';
  if (Array.isArray(v)) return 'an array (or a 64-bit integer)';
  if (typeof v === 'string') return `the text "${v.slice(0, 40)}"`;
  return `a ${typeof v}`;
}
