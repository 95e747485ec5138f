// An environment monitor that is an OPC UA server (PROTOCOLS.md, "Environment monitors over OPC
// UA"), as the site file describes it: where it is, how the gateway signs in, which nodes it
// subscribes to and which zone each one measures. The gateway's client is gateway/opcua/.
import { z } from 'zod';

/** The metrics the custody rules know; a monitor may report others (a lowercase name with its unit). */
export const ENV_METRICS = ['temperature', 'humidity', 'smoke', 'water', 'door'] as const;
export type EnvMetric = (typeof ENV_METRICS)[number];
/** The unit of each known metric's reading, as the environment rules show it (edge/rules/environment.ts); smoke, water and door are switches, read as 1 (yes, open) or 0, with no unit. */
export const ENV_UNITS: Record<EnvMetric, string> = { temperature: '°C', humidity: '%RH', smoke: '', water: '', door: '' };

export const OPCUA_SECURITY_MODES = ['None', 'Sign', 'SignAndEncrypt'] as const;
/**
 * Basic128Rsa15 is left out on purpose: it needs RSA PKCS#1 v1.5 encryption, which Node 20 refuses
 * since CVE-2023-46809 (node-opcua prints a warning about it at start). Basic256 is deprecated by the
 * OPC Foundation.
 */
export const OPCUA_SECURITY_POLICIES = ['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'] as const;

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'letters, digits, "_", ".", ":" or "-", at most 64');

/** `ns=2;s=Monitor.Temperature`, `nsu=urn:x;i=1001`, `i=2258`: an OPC UA node id as its string form (configured, never guessed). */
const nodeId = z.string().regex(/^(ns=\d+;|nsu=[^;]+;)?[isgb]=.+$/, 'an OPC UA node id such as ns=2;s=Monitor.Temperature or ns=3;i=1001');

/** Hex, with or without colons, either case: what a certificate viewer or `openssl x509 -fingerprint` shows. */
const fingerprint = z.string().transform((s) => s.replace(/[:\s]/g, '').toLowerCase())
  .pipe(z.string().regex(/^([0-9a-f]{64}|[0-9a-f]{40})$/, 'the server certificate\'s SHA-256 fingerprint (64 hex digits) or SHA-1 (40)'));

export const opcuaValueSchema = z.object({
  nodeId,
  zoneId: id,
  metric: z.string().regex(/^[a-z][a-z0-9_]*$/, `a lowercase name: ${ENV_METRICS.join(', ')} or one of your own with its unit`),
  /** Required for a metric of your own; the known metrics have theirs (°C, %RH, and 1/0 for smoke, water and door). */
  unit: z.string().min(1).optional(),
}).strict().superRefine((v, ctx) => {
  const known = (ENV_METRICS as readonly string[]).includes(v.metric);
  if (!known && !v.unit) ctx.addIssue({ code: 'custom', path: ['unit'], message: `a metric of your own ("${v.metric}") needs its unit` });
  if (known && v.unit && v.unit !== ENV_UNITS[v.metric as EnvMetric]) {
    const unit = ENV_UNITS[v.metric as EnvMetric];
    ctx.addIssue({ code: 'custom', path: ['unit'], message: `${v.metric} is ${unit ? `read in ${unit}` : '1 or 0, with no unit'}; leave the unit out` });
  }
});

export const opcuaMonitorSchema = z.object({
  endpoint: z.string().regex(/^opc\.tcp:\/\/(\[[0-9A-Fa-f:.]+\]|[^/:\s[\]]+)(:\d{1,5})?(\/\S*)?$/, 'an OPC UA endpoint such as opc.tcp://10.0.0.20:4840/monitor'),
  securityMode: z.enum(OPCUA_SECURITY_MODES).default('None'),
  securityPolicy: z.enum(OPCUA_SECURITY_POLICIES, {
    error: (i) => (i.input === 'Basic128Rsa15'
      ? 'Basic128Rsa15 does not work on Node 20 (RSA PKCS#1 v1.5 is refused since CVE-2023-46809): use Basic256Sha256, Aes128_Sha256_RsaOaep or Aes256_Sha256_RsaPss'
      : `one of ${OPCUA_SECURITY_POLICIES.join(', ')}`),
  }).default('None'),
  /** Sign in as this user; the password is in the environment variable `passwordEnv` names, never in this file. */
  user: z.string().min(1).optional(),
  passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'the name of an environment variable (GATEWAY_OPCUA_PASSWORD)').optional(),
  /** Trust the server's certificate by its fingerprint, without copying it into the trust folder first. */
  serverCertificateSha256: fingerprint.optional(),
  /** How often the server samples each value, and how often it sends what changed. */
  samplingMs: z.number().int().min(10).max(3_600_000).default(1000),
  publishingMs: z.number().int().min(50).max(3_600_000).default(1000),
  /**
   * A subscription can stop delivering while the session looks fine (a server restarted without
   * transferring it, a stuck publish queue): with no data change and no keep-alive for
   * `resubscribeSeconds` it is recreated; with still nothing after `offlineSeconds` the monitor is
   * reported offline, and the gateway keeps trying.
   */
  watchdog: z.object({
    resubscribeSeconds: z.number().min(1).max(86_400).default(30),
    offlineSeconds: z.number().min(2).max(86_400).default(90),
  }).strict().refine((w) => w.offlineSeconds > w.resubscribeSeconds, { message: 'offlineSeconds must be longer than resubscribeSeconds', path: ['offlineSeconds'] })
    .default({ resubscribeSeconds: 30, offlineSeconds: 90 }),
  values: z.array(opcuaValueSchema).min(1, 'a monitor needs at least one value (values[].nodeId, zoneId, metric)'),
}).strict().superRefine((o, ctx) => {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if ((o.securityMode === 'None') !== (o.securityPolicy === 'None')) {
    issue(['securityPolicy'], o.securityMode === 'None'
      ? 'securityMode None goes with securityPolicy None'
      : `securityMode ${o.securityMode} needs a security policy other than None (Basic256Sha256, Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss)`);
  }
  if (o.serverCertificateSha256 && o.securityMode === 'None') issue(['serverCertificateSha256'], 'a pinned certificate needs securityMode Sign or SignAndEncrypt: with None nothing checks it');
  if (o.user && !o.passwordEnv) issue(['passwordEnv'], `user "${o.user}" needs passwordEnv: the name of the environment variable that holds the password`);
  if (o.passwordEnv && !o.user) issue(['user'], 'passwordEnv is the password of a user: give the user too');
  const seen = new Map<string, number>();
  o.values.forEach((v, j) => {
    const other = seen.get(v.nodeId);
    if (other !== undefined) issue(['values', j, 'nodeId'], `node ${v.nodeId} is already values[${other}]`);
    seen.set(v.nodeId, j);
  });
});

export type OpcuaMonitorConfig = z.output<typeof opcuaMonitorSchema>;
export type OpcuaValueConfig = OpcuaMonitorConfig['values'][number];
