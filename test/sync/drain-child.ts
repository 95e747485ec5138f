// A gateway's custody core draining its outbox in a process of its own, for the test that kills it
// with SIGKILL in the middle of a batch. Its data folder, platform and key come from the environment.
import { Custody } from '../../edge/custody.ts';
import { parseSite } from '../../gateway/config.ts';
import { fixtureSiteInput } from '../helpers/custody-site.ts';
import { KEY_ID, SECRET } from './fixture.ts';

const dir = process.env.DRAIN_DIR!;
const input = fixtureSiteInput(dir);
input.platform = { url: process.env.DRAIN_URL!, keyId: KEY_ID, drainEventsPerSecond: Number(process.env.DRAIN_RATE ?? 3000), retryBaseMs: 50, retryMaxMs: 400 };
const custody = new Custody({ site: parseSite(input, '(drain child)'), dataDir: dir, siteKey: Buffer.from(process.env.DRAIN_KEY!, 'hex'),
  platformSecrets: { platform: Buffer.from(SECRET), commission: null } });
custody.sync!.start();
process.stdout.write('draining\n');
setInterval(() => {}, 1000);
