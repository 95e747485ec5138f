// The environment in words: metric names, a value with its unit (or, for a switch, what it means:
// 正常/报警, 关闭/打开), a limit, a level, a monitor's link as a field engineer reads it, and an
// excursion as a sentence. Every word comes from i18n.js; no metric id, enum or raw error on screen.
import { t, label, fmtNumber } from './i18n.js';

/** On/off metrics (1 alarm or open): the rules alarm on them at once, the page shows a word, not a number. */
export const SWITCHES = new Set(['smoke', 'water', 'door']);
/** From calm to worst: a tile takes the worst of its readings. */
export const LEVELS = ['ok', 'out', 'warning', 'critical'];
export const worstLevel = (levels) => levels.reduce((w, l) => (LEVELS.indexOf(l) > LEVELS.indexOf(w) ? l : w), 'ok');

export const metricName = (metric) => label('metric', metric);
export const levelWord = (level) => label('envLevel', level);

export function fmtValue(metric, value, unit) {
  if (value === null || value === undefined) return t('common.none');
  if (SWITCHES.has(metric)) return t(`switch.${metric}.${value >= 0.5 ? 1 : 0}`);
  return `${fmtNumber(value, { maximumFractionDigits: 1 })}${unit ? ` ${unit}` : ''}`;
}

/** "10–28 °C", "≤ 28 °C", "≥ 10 °C"; null without a limit (or for a switch, whose limit is "off"). */
export function limitText(metric, limit, unit) {
  if (!limit || SWITCHES.has(metric)) return null;
  const n = (v) => fmtNumber(v, { maximumFractionDigits: 1 });
  const u = unit ? ` ${unit}` : '';
  // "-25--15" would read as a typo: spaced when either end is below zero.
  if (limit.min !== null && limit.max !== null) return `${n(limit.min)}${limit.min < 0 || limit.max < 0 ? ' – ' : '–'}${n(limit.max)}${u}`;
  if (limit.max !== null) return `≤ ${n(limit.max)}${u}`;
  if (limit.min !== null) return `≥ ${n(limit.min)}${u}`;
  return null;
}

/** What went wrong in an excursion: "最高 31.4 °C（上限 28 °C）", "检测到烟雾". */
export function excursionText(e, limit) {
  if (e.metric && SWITCHES.has(e.metric)) return t(`envAlarm.${e.metric}`);
  const v = fmtValue(e.metric, e.worst, e.unit ?? '');
  if (e.worst !== null && limit?.max !== null && limit?.max !== undefined && e.worst > limit.max) return t('env.worstHigh', { v, lim: fmtValue(e.metric, limit.max, e.unit) });
  if (e.worst !== null && limit?.min !== null && limit?.min !== undefined && e.worst < limit.min) return t('env.worstLow', { v, lim: fmtValue(e.metric, limit.min, e.unit) });
  return e.worst === null ? t('env.outOfLimits') : v;
}

/** An environment alarm from its evidence (details: metric, worst, unit, limit), in the reader's language: "温度：最高 31.4 °C（上限 28 °C）", "检测到烟雾". */
export function envAlarmText(a) {
  const d = a.details ?? {};
  if (SWITCHES.has(d.metric)) return t(`envAlarm.${d.metric}`); // "检测到烟雾" names its metric already
  return t('alarmPage.envWhat', { metric: metricName(d.metric), what: excursionText({ metric: d.metric, worst: d.worst ?? d.value ?? null, unit: d.unit ?? '' }, d.limit) });
}

// ---- the monitor's link, for a field engineer ----------------------------------------------------

/** Where the device hangs: "串口 /dev/ttyUSB3", "串口服务器 10.0.0.5:4001", "OPC UA 服务器 10.0.0.9:4840/…", "MQTT 代理". */
function placeOf(link) {
  const target = String(link.target ?? '').replace(/^[a-z][a-z.+-]*:\/\//i, '');
  return t(`envLink.at.${link.transport}`, { target });
}

/**
 * A serial link's `lastError` is "<kind>: <message>" (gateway/serial/line.ts): the kind says what
 * failed, the system's message why; read here for the causes a person on site can fix.
 */
const SERIAL_HINTS = [
  // serialport says "Error: <why>, cannot open <path>" for every open failure: the why decides.
  [/ENOENT|No such file/i, 'missing'],
  [/EACCES|EPERM|Permission denied/i, 'permission'],
  [/EBUSY|Resource busy|Cannot lock|locked/i, 'busy'],
  [/ECONNREFUSED/i, 'refused'],
  [/ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|EAI_AGAIN|ENOTFOUND/i, 'unreachable'],
  [/EIO\b|Input\/output error/i, 'io'],
  [/ECONNRESET|EPIPE|closed/i, 'reset'],
];
/** An OPC UA monitor's `lastError` is an engineer's sentence (gateway/opcua/link.ts): its cause, by the words it begins with. */
const OPCUA_FAULTS = [
  [/^cannot reach|did not list its endpoints/i, 'unreachable'],
  [/offers no .* endpoint/i, 'noEndpoint'],
  [/refused the gateway's certificate/i, 'ourCertificate'],
  [/certificate/i, 'theirCertificate'],
  [/refused (user|an anonymous)/i, 'login'],
  [/password .* is missing/i, 'password'],
  [/certificate folder/i, 'pki'],
  [/no data change and no keep-alive|subscription/i, 'silent'],
  [/lost|closed/i, 'reset'],
];

export function linkFault(link) {
  if (!link?.lastError) return null;
  const place = placeOf(link);
  if (link.transport === 'opcua') {
    const cause = OPCUA_FAULTS.find(([re]) => re.test(link.lastError))?.[1] ?? 'other';
    return { text: t(`envLink.opcua.${cause}`, { place }), raw: link.lastError };
  }
  const m = /^(\w+):\s*([\s\S]*)$/.exec(link.lastError);
  const kind = m?.[1] ?? 'other';
  const why = m?.[2] ?? link.lastError;
  const what = t(`envLink.fail.${['open_failed', 'read_error', 'write_error', 'silence', 'closed'].includes(kind) ? kind : 'other'}`, { place });
  const hint = kind === 'silence' ? 'silence' : SERIAL_HINTS.find(([re]) => re.test(why))?.[1];
  return { text: hint ? t('envLink.faultWhy', { what, why: t(`envHint.${hint}`) }) : what, raw: link.lastError };
}

/**
 * A monitor's state in one line, and the fault behind it: "在线 · 串口 /dev/ttyUSB0";
 * "离线 · 无法打开串口 /dev/ttyUSB3：找不到该端口……". `device` is a row of GET /devices (or undefined).
 */
export function monitorState(device) {
  if (!device) return { state: 'unknown', text: t('envLink.noMonitor'), raw: null };
  const state = device.state ?? 'unknown';
  const link = device.link;
  const parts = [t(`dev.${state}`)];
  let raw = null;
  if (link) {
    const fault = link.state !== 'open' ? linkFault(link) : null;
    if (fault) { parts.push(fault.text); raw = fault.raw; }
    else if (link.state !== 'open') parts.push(t('envLink.notOpen', { place: placeOf(link) }));
    else if (state === 'offline') parts.push(t('envLink.deviceSilent', { place: placeOf(link) }));
    else parts.push(placeOf(link));
    if (link.reconnects > 0) parts.push(t('envLink.reconnects', { n: fmtNumber(link.reconnects) }));
  }
  return { state, text: parts.join(' · '), raw };
}
