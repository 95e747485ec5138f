// Ctrl-C on `npm start`: the terminal signals the whole process group and the tsx wrapper passes
// the signal on, so the gateway hears SIGINT twice. The second must not cut the clean stop short:
// it logs "stopping" once and "stopped", exits 0, and leaves the ledger's head file matching the
// database, which `npm run verify` then finds intact.
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnGateway } from '../helpers/gateway-process.ts';
import { waitFor } from '../helpers/wait.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-stop-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('a stop by Ctrl-C', () => {
  it('two SIGINTs in a row: one clean stop, exit 0, the head file written', async () => {
    const gw = await spawnGateway({ GATEWAY_DATA_DIR: dir, GATEWAY_HTTP_PORT: '0', GATEWAY_MQTT_PORT: '0', GATEWAY_SIMULATE: 'off', LOG_LEVEL: 'info' });
    try {
      const exited = new Promise<number | null>((resolve) => gw.child.once('exit', (code) => resolve(code)));
      gw.child.kill('SIGINT');
      // The second arrives while the first stop is under way (two sent at once are one to the kernel).
      await waitFor(async () => gw.records().some((r) => r.msg === 'stopping'));
      gw.child.kill('SIGINT');
      expect(await exited).toBe(0);
      const msgs = gw.records().map((r) => r.msg);
      expect(msgs.filter((m) => m === 'stopping')).toHaveLength(1);
      expect(msgs).toContain('stopped');
      const head = JSON.parse(fs.readFileSync(path.join(dir, 'ledger-head.json'), 'utf8')) as { seq: number };
      expect(head.seq).toBeGreaterThan(0);
    } finally {
      gw.child.kill('SIGKILL');
    }
  }, 120_000);
});
