// The device-link contract for MQTT readers: a Zebra reader (an mqtt.js client signed in with its
// password) publishing to the embedded aedes broker, decoded by MqttDevices.
import type { MqttClient } from 'mqtt';
import { EmbeddedLink } from '../../gateway/mqtt/embedded.ts';
import { MqttDevices } from '../../gateway/links/mqtt.ts';
import type { DeviceReport } from '../../gateway/links/link.ts';
import { connectDevice, makeSite, memoryLogger } from '../mqtt/fixtures.ts';
import { read, zebraEvent } from '../decoders/fixtures.ts';
import { deviceLinkContract, tagsShown } from './contract.ts';

deviceLinkContract('Zebra reader over the embedded MQTT broker', async () => {
  const site = await makeSite();
  const logger = memoryLogger().logger;
  const broker = new EmbeddedLink({ site, logger, listen: { host: '127.0.0.1', port: 0 } });
  await broker.start();
  const link = new MqttDevices(broker, site, logger);
  const port = broker.address().port;
  const deviceId = 'portal-1';
  let client: MqttClient | null = await connectDevice(port, { id: deviceId });
  const inView = new Set<string>();
  let rejected = 0;
  link.onReport((r: DeviceReport) => { rejected += r.decoded?.rejected.length ?? 0; });
  const publishReads = async () => {
    for (const epc of inView) await client?.publishAsync(`rfid/${deviceId}/tevents`, JSON.stringify(zebraEvent(read({ epc, time: new Date().toISOString() }))), { qos: 1 });
  };
  return {
    link, deviceId,
    ...tagsShown(async (epc) => { inView.add(epc); await publishReads(); }, async (epc) => { inView.delete(epc); }),
    sendGarbage: async () => { await client?.publishAsync(`rfid/${deviceId}/tevents`, '{"type":"SIMPLE","data":{"idHex":', { qos: 1 }); },
    rejections: () => rejected,
    unplug: async () => { await client?.endAsync(true); client = null; },
    replug: async () => { client = await connectDevice(port, { id: deviceId }); await publishReads(); },
    close: async () => { await client?.endAsync(true); await broker.stop(); },
  };
});
