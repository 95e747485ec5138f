// The gateway as `npm start` runs it: its own process, `node --import tsx gateway/main.ts`. Its
// stdout is a pipe, so the start banner arrives as one structured log line ("gateway started…"),
// shown whatever LOG_LEVEL says; this waits for that line.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface StartRecord {
  msg: string;
  demo: boolean;
  http: string[];
  mqtt: { mode: string; address: string; tlsPort?: number };
  dashboards: string;
  reachableBeyondThisMachine?: string[];
}

export interface GatewayProcess {
  child: ChildProcess;
  started: StartRecord;
  /** Where a client on this machine reaches the API (no trailing slash). */
  http: string;
  mqttPort: number;
  /** Everything it wrote so far, stdout and stderr. */
  output(): string;
  /** Its stdout lines that are JSON log records. */
  records(): Record<string, any>[];
}

export function spawnGateway(env: Record<string, string>, timeoutMs = 90_000): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
    cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const records: Record<string, any>[] = [];
  let partial = '';
  child.stdout!.on('data', (b: Buffer) => {
    out += b.toString();
    const parts = (partial + b.toString()).split('\n');
    partial = parts.pop()!;
    for (const l of parts) {
      try {
        records.push(JSON.parse(l));
      } catch { /* not a log record */ }
    }
  });
  child.stderr!.on('data', (b: Buffer) => { out += b.toString(); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the gateway did not start:\n${out}`));
    }, timeoutMs);
    const poll = setInterval(() => {
      const started = records.find((r) => typeof r.msg === 'string' && r.msg.startsWith('gateway started')) as StartRecord | undefined;
      if (!started) return;
      clearTimeout(timer);
      clearInterval(poll);
      resolve({
        child, started, http: started.dashboards.replace(/\/$/, ''), mqttPort: Number(/:(\d+)$/.exec(started.mqtt.address)![1]),
        output: () => out, records: () => records,
      });
    }, 50);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(new Error(`the gateway exited (${code ?? signal}):\n${out}`));
    });
  });
}
