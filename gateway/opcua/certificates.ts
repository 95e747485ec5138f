// The gateway's OPC UA certificates: its own application certificate and the servers it trusts, in
// one PKI folder, `<dataDir>/opcua/pki` (node-opcua's layout: own/, trusted/certs/, rejected/,
// issuers/). Every monitor link shares it, so that the certificate is made once and a server
// trusted once is trusted by every link. A server certificate is trusted when it is in the trust
// folder (or issued by a CA there), or when its fingerprint is the one the site file pins: the link
// then copies it into the trust folder itself. An unknown one is refused, written to rejected/ and
// named in the link's lastError with what to do about it; nothing is accepted automatically.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { OPCUACertificateManager } from 'node-opcua';
import type { Logger } from '../log.ts';
import type { OpcuaLib } from './library.ts';

export interface Fingerprints { sha256: string; sha1: string }

/**
 * The first certificate of a DER chain (an endpoint's serverCertificate may carry the issuers after
 * the server's own): one DER SEQUENCE, its length read from its header.
 */
export function leafCertificate(der: Buffer): Buffer {
  if (der.length < 2 || der[0] !== 0x30) throw new Error('not a DER certificate');
  const first = der[1]!;
  if (first < 0x80) return der.subarray(0, 2 + first);
  const n = first & 0x7f;
  if (n === 0 || n > 4 || der.length < 2 + n) throw new Error('not a DER certificate');
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + der[2 + i]!;
  if (der.length < 2 + n + len) throw new Error('a truncated DER certificate');
  return der.subarray(0, 2 + n + len);
}

export function fingerprints(leaf: Buffer): Fingerprints {
  return { sha256: createHash('sha256').update(leaf).digest('hex'), sha1: createHash('sha1').update(leaf).digest('hex') };
}

export type TrustVerdict =
  | { trusted: true; how: 'trust folder' | 'pinned'; fingerprints: Fingerprints }
  | { trusted: false; reason: string; fingerprints: Fingerprints };

/** One PKI folder, shared by the links of one data folder. */
export class GatewayPki {
  /** One per folder, ready once initialised; links that ask while it initialises wait for the same one. */
  private static readonly open = new Map<string, { ready: Promise<GatewayPki>; users: number }>();
  private ownLogged = false;

  private constructor(readonly rootFolder: string, readonly manager: OPCUACertificateManager) {}

  /** The data folder's PKI, created on first use; give it back with release(). Rejects with why the folder cannot be used. */
  static async acquire(ua: OpcuaLib, dataDir: string): Promise<GatewayPki> {
    const rootFolder = path.resolve(dataDir, 'opcua', 'pki');
    const held = GatewayPki.open.get(rootFolder);
    if (held) {
      held.users++;
      return held.ready;
    }
    const ready = (async () => {
      fs.mkdirSync(rootFolder, { recursive: true });
      const manager = new ua.OPCUACertificateManager({ rootFolder, automaticallyAcceptUnknownCertificate: false, name: 'custody-gateway' });
      await manager.initialize();
      return new GatewayPki(rootFolder, manager);
    })();
    GatewayPki.open.set(rootFolder, { ready, users: 1 });
    // A folder that could not be set up is forgotten: the next try starts afresh (a disk remounted, a permission fixed).
    ready.catch(() => GatewayPki.open.delete(rootFolder));
    return ready;
  }

  get trustFolder(): string { return this.manager.trustedFolder; }
  get rejectedFolder(): string { return this.manager.rejectedFolder; }
  /** Where node-opcua's client writes the gateway's own certificate on its first connect. */
  get ownCertificateFile(): string { return path.join(this.rootFolder, 'own', 'certs', 'client_certificate.pem'); }

  async release(): Promise<void> {
    const held = GatewayPki.open.get(this.rootFolder);
    if (!held || (await held.ready) !== this) return;
    if (--held.users > 0) return;
    GatewayPki.open.delete(this.rootFolder);
    // The clients gave their references back when they disconnected: this one really closes (its file watchers).
    await this.manager.dispose().catch(() => undefined);
  }

  /**
   * Whether to connect to a server that shows this certificate (or chain). Trusted by the manager
   * (in the trust folder, or issued by a CA in issuers/), or in the trust folder on disk now (the
   * manager's folder watcher may not have seen a file put there a moment ago, and a copy left in
   * rejected/ would outweigh it), or pinned: the last two are handed to the manager's own
   * trustCertificate(), after which node-opcua's client check agrees.
   */
  async verdict(serverCertificate: Buffer, pinned: string | undefined): Promise<TrustVerdict> {
    const leaf = leafCertificate(serverCertificate);
    const fp = fingerprints(leaf);
    const status = await this.manager.verifyCertificate(serverCertificate, { acceptCertificateWithValidIssuerChain: true });
    if (status === 'Good') return { trusted: true, how: 'trust folder', fingerprints: fp };
    if (status !== 'BadCertificateUntrusted') {
      return { trusted: false, reason: `server certificate refused: ${status} (sha256 ${fp.sha256})`, fingerprints: fp };
    }
    const isPinned = !!pinned && (pinned === fp.sha256 || pinned === fp.sha1);
    if (isPinned || this.inTrustFolder(leaf)) {
      await this.manager.trustCertificate(leaf);
      return { trusted: true, how: isPinned ? 'pinned' : 'trust folder', fingerprints: fp };
    }
    const file = this.keepRejected(leaf, fp.sha1);
    const pinNote = pinned ? ` (the pinned fingerprint ${pinned} is another certificate's)` : '';
    return {
      trusted: false, fingerprints: fp,
      reason: `server certificate not trusted: put ${file} in ${this.trustFolder} or pin its fingerprint ${fp.sha256}${pinNote}`,
    };
  }

  /** Once per PKI: where the gateway's own certificate is, for the server's administrator to trust it. */
  logOwnCertificate(logger: Logger): void {
    if (this.ownLogged || !fs.existsSync(this.ownCertificateFile)) return;
    this.ownLogged = true;
    try {
      const pem = fs.readFileSync(this.ownCertificateFile, 'utf8');
      const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
      logger.info({ file: this.ownCertificateFile, sha256: fingerprints(leafCertificate(der)).sha256 },
        'the gateway\'s OPC UA application certificate: a secured server must trust it');
    } catch (err) {
      logger.warn({ err, file: this.ownCertificateFile }, 'the gateway\'s OPC UA certificate could not be read');
    }
  }

  /** Whether a file in the trust folder (PEM or DER, any name) holds this certificate. */
  private inTrustFolder(leaf: Buffer): boolean {
    let names: string[];
    try {
      names = fs.readdirSync(this.trustFolder);
    } catch {
      return false;
    }
    return names.some((name) => {
      try {
        const bytes = fs.readFileSync(path.join(this.trustFolder, name));
        const ders = bytes.includes('-----BEGIN CERTIFICATE-----')
          ? [...bytes.toString('latin1').matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'))
          : [bytes];
        return ders.some((d) => d.equals(leaf));
      } catch {
        return false; // a folder, an unreadable file: not this certificate
      }
    });
  }

  /**
   * A copy of the refused certificate in rejected/, for the engineer to move. Written here rather
   * than by manager.rejectCertificate(), which *moves* a certificate out of the trust folder: a
   * certificate put there a moment ago, not yet seen by the folder's watcher, must not be taken away.
   */
  private keepRejected(leaf: Buffer, sha1: string): string {
    fs.mkdirSync(this.rejectedFolder, { recursive: true });
    const existing = fs.readdirSync(this.rejectedFolder).find((f) => f.toLowerCase().includes(sha1));
    if (existing) return path.join(this.rejectedFolder, existing);
    const file = path.join(this.rejectedFolder, `server[${sha1}].pem`);
    const b64 = leaf.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
    fs.writeFileSync(file, `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`);
    return file;
  }
}
