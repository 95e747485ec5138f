// SignAndEncrypt with Basic256Sha256 against a real OPC UA server that wants a user and password:
// a server certificate that is neither trusted nor pinned is refused with a lastError that says
// what to do, never a crash; put in the trust folder, it connects; pinned by its SHA-256 (or SHA-1)
// fingerprint, it connects and is put into the trust folder by the link. The password comes from
// the environment and is in no log line, whatever happens.
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpcuaMonitorSim } from '../../firmware-sim/opcua/server.ts';
import { fingerprints } from '../../gateway/opcua/certificates.ts';
import { waitFor } from '../mqtt/fixtures.ts';
import { linkTo, monitorDevice, tempDir, type LinkUnderTest } from './fixtures.ts';

const PASSWORD = 'Ω-sécret-4711-gw';
const WRONG = 'not-the-password-0815';
const REFUSED = /^server certificate not trusted: put (.+) in (.+) or pin its fingerprint ([0-9a-f]{64})$/;

describe('OPC UA monitor link: SignAndEncrypt Basic256Sha256, certificates and a user', () => {
  let dir: string;
  let sim: OpcuaMonitorSim;
  let serverSha256: string;
  const links: LinkUnderTest[] = [];
  const rejections: unknown[] = [];
  const onRejection = (e: unknown) => void rejections.push(e);

  const secured = (name: string, opcua: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = { GW_OPCUA_PASSWORD: PASSWORD }) => {
    const t = linkTo(monitorDevice(sim, {
      securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', user: 'gateway', passwordEnv: 'GW_OPCUA_PASSWORD', ...opcua,
    }), path.join(dir, name), env);
    links.push(t);
    return t;
  };
  const connected = (t: LinkUnderTest) => waitFor(() => t.heard.lastState() === 'connected' && t.heard.readings('temperature').length > 0, 10_000, 'connected, with readings');

  beforeAll(async () => {
    process.on('unhandledRejection', onRejection);
    dir = tempDir('opcua-security-');
    sim = new OpcuaMonitorSim({ pkiDir: path.join(dir, 'sim-pki'), security: ['Sign', 'SignAndEncrypt'], users: { gateway: PASSWORD }, walkMs: 0 });
    await sim.start();
    serverSha256 = fingerprints(sim.certificate()).sha256;
  });

  afterAll(async () => {
    for (const t of links) await t.link.stop();
    await sim?.stop();
    process.off('unhandledRejection', onRejection);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a certificate it does not know, says where it is and what to do, and connects once it is in the trust folder', async () => {
    // The fingerprint the link computes is the one any certificate viewer shows.
    expect(serverSha256).toBe(new X509Certificate(sim.certificate()).fingerprint256.replace(/:/g, '').toLowerCase());
    const t = secured('unknown');
    await t.link.start();
    const error = await waitFor(() => t.link.status().lastError?.match(REFUSED) ?? undefined, 10_000, 'the refusal');
    const [, file, trustFolder, sha256] = error;
    expect(sha256).toBe(serverSha256);
    expect(trustFolder).toBe(path.join(t.dataDir, 'opcua', 'pki', 'trusted', 'certs'));
    expect(fs.existsSync(file!)).toBe(true);
    expect(new X509Certificate(fs.readFileSync(file!)).fingerprint256.replace(/:/g, '').toLowerCase()).toBe(serverSha256);
    expect(t.link.status()).toMatchObject({ state: 'down' });
    expect(t.link.status().errors.certificate_refused).toBeGreaterThanOrEqual(1);
    // It keeps trying, and keeps refusing, without a crash.
    const n = t.link.status().errors.certificate_refused!;
    await waitFor(() => t.link.status().errors.certificate_refused! > n, 5_000, 'a second refusal');
    expect(t.heard.readings()).toEqual([]);
    // The engineer does what the message says.
    fs.copyFileSync(file!, path.join(trustFolder!, path.basename(file!)));
    await connected(t);
    expect(t.link.status().state).toBe('open');
  });

  it('connects when the server certificate is pinned by its SHA-256 fingerprint, and puts it into the trust folder', async () => {
    const t = secured('pinned', { serverCertificateSha256: serverSha256.toUpperCase().match(/../g)!.join(':') });
    await t.link.start();
    await connected(t);
    const trusted = fs.readdirSync(path.join(t.dataDir, 'opcua', 'pki', 'trusted', 'certs'));
    expect(trusted).toHaveLength(1);
    expect(t.link.status().errors.certificate_refused).toBeUndefined();
    // The gateway's own certificate was made on this first start, in its PKI.
    expect(fs.existsSync(path.join(t.dataDir, 'opcua', 'pki', 'own', 'certs', 'client_certificate.pem'))).toBe(true);
    expect(t.lines.some((l) => l.includes('a secured server must trust it'))).toBe(true);
  });

  it('a SHA-1 pin works too; a pin of another certificate is refused and says so', async () => {
    const sha1 = secured('pinned-sha1', { serverCertificateSha256: fingerprints(sim.certificate()).sha1 });
    const wrong = secured('pinned-wrong', { serverCertificateSha256: 'ab'.repeat(32) });
    await sha1.link.start();
    await wrong.link.start();
    await connected(sha1);
    const error = await waitFor(() => wrong.link.status().lastError?.match(REFUSED.source.slice(0, -1)) ?? undefined, 10_000, 'the refusal');
    expect(error.input).toContain(`(the pinned fingerprint ${'ab'.repeat(32)} is another certificate's)`);
  });

  it('Sign works as well; a policy the server does not offer is refused with what it does offer', async () => {
    const sign = secured('sign', { securityMode: 'Sign', serverCertificateSha256: serverSha256 });
    const aes = secured('aes', { securityPolicy: 'Aes128_Sha256_RsaOaep', serverCertificateSha256: serverSha256 });
    await sign.link.start();
    await aes.link.start();
    await connected(sign);
    await waitFor(() => aes.link.status().errors.no_endpoint! >= 1, 10_000, 'no such endpoint');
    expect(aes.link.status().lastError).toBe('the server offers no SignAndEncrypt/Aes128_Sha256_RsaOaep endpoint (it offers Sign/Basic256Sha256, SignAndEncrypt/Basic256Sha256)');
  });

  it('a wrong password is refused as such, a missing one names its variable, and no password is ever in a log line', async () => {
    const bad = secured('wrong-password', { serverCertificateSha256: serverSha256 }, { GW_OPCUA_PASSWORD: WRONG });
    const none = secured('no-password', { serverCertificateSha256: serverSha256 }, {});
    await bad.link.start();
    await none.link.start();
    await waitFor(() => bad.link.status().errors.login_refused! >= 1, 10_000, 'the login refused');
    expect(bad.link.status().lastError).toMatch(/^the server refused user "gateway": .*Bad(UserAccessDenied|IdentityToken)/);
    await waitFor(() => none.link.status().errors.password_missing! >= 1, 10_000, 'the password missing');
    expect(none.link.status().lastError).toBe('the password of OPC UA user "gateway" is missing: the environment variable GW_OPCUA_PASSWORD is not set');
    const lines = links.flatMap((t) => t.lines);
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.filter((l) => l.includes(PASSWORD) || l.includes(WRONG))).toEqual([]);
    expect(rejections).toEqual([]);
  });
});
