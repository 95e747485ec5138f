// The device-link contract on a serial port: the R2000 shelf reader of the firmware simulator
// (its own implementation of the format) behind a serial device server (TCP) and behind a real
// pseudo-terminal from socat, opened with serialport like a USB adapter.
import { siteSchema } from '../../edge/site/schema.ts';
import { SerialLink } from '../../gateway/serial/link.ts';
import { SerialSim } from '../../firmware-sim/serial/sim.ts';
import { memoryLogger } from '../mqtt/fixtures.ts';
import { requireProgram } from '../helpers/programs.ts';
import { deviceLinkContract, tagsShown, type LinkHarness } from './contract.ts';

function shelfSite(path: string) {
  return siteSchema.parse({
    site: { id: 's', name: '测试中心' },
    zones: [{ id: 'store', name: '一号库', kind: 'general' }],
    locations: [{ id: 'A-01', zoneId: 'store', name: 'A-01' }, { id: 'A-02', zoneId: 'store', name: 'A-02' }],
    agencies: [{ id: 'op', name: '管理中心', kind: 'operator' }],
    categories: [{ id: 'misc', name: '其他' }],
    serialPorts: [{ id: 'com-shelf', path, silenceSeconds: 2, reopenMaxSeconds: 2 }],
    devices: [{ id: 'shelf-1', kind: 'shelf_reader', protocol: 'r2000', port: 'com-shelf', address: 1, pollMs: 200,
      antennas: [{ port: 1, locationId: 'A-01' }, { port: 2, locationId: 'A-02' }] }],
  });
}

async function r2000Harness(transport: { type: 'tcp' } | { type: 'pty' }): Promise<LinkHarness> {
  const sim = new SerialSim({ devices: [{ id: 'shelf', kind: 'r2000', address: 1, transport }] });
  const [ready] = await sim.start();
  const path = 'tcp' in ready! ? `tcp://127.0.0.1:${ready.tcp.port}` : ready!.pty;
  const site = shelfSite(path);
  const link = new SerialLink(site.serialPorts[0]!, site.devices, site, memoryLogger().logger);
  return {
    link, deviceId: 'shelf-1',
    ...tagsShown(
      async (epc) => { await sim.apply({ cmd: 'place', device: 'shelf', epc, antenna: 1 }); },
      async (epc) => { await sim.apply({ cmd: 'remove', device: 'shelf', epc }); },
    ),
    sendGarbage: async () => { await sim.apply({ cmd: 'fault', device: 'shelf', fault: 'garbage', n: 40 }); },
    rejections: () => Object.values(link.status().errors).reduce((a, b) => a + b, 0),
    unplug: async () => { await sim.apply({ cmd: 'unplug', device: 'shelf' }); },
    replug: async () => { await sim.apply({ cmd: 'replug', device: 'shelf' }); },
    close: () => sim.stop(),
  };
}

deviceLinkContract('R2000 shelf reader over a serial device server (TCP)', () => r2000Harness({ type: 'tcp' }));
if (requireProgram('socat', 'socat')) deviceLinkContract('R2000 shelf reader over a socat pseudo-terminal', () => r2000Harness({ type: 'pty' }));
