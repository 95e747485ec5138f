// The built-in demo site: a prefecture-level city's center (modelled on 泰安), with every zone
// kind, four gates, the city's handling units and one API user per role. Used when no site
// file is given; its tokens (`demo-<role>`) and device passwords (`demo-<deviceId>`) exist only here.
import { createHash } from 'node:crypto';
import type { SiteInput } from '../../edge/site/schema.ts';
import { encodeGsrn96 } from '../../edge/epc/encode.ts';
import { hashPassword } from '../mqtt/password.ts';
import { demoSerialSite } from './serial.ts';
import { demoOpcuaDevices, demoOpcuaPort } from './opcua.ts';
import { demoFloorPlan } from './floor-plan.ts';

export const DEMO_SITE_ID = 'ta-center';
/** The demo's GS1 company prefix (690… is China's GS1 range; this one is made up). */
export const DEMO_COMPANY_PREFIX = '6901234';
export const DEMO_ROLES = ['operator', 'supervisor', 'agency', 'discipline', 'auditor', 'admin'] as const;

export const demoToken = (role: string) => `demo-${role}`;
export const demoDevicePassword = (deviceId: string) => `demo-${deviceId}`;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export const AGENCIES = [
  { id: 'op', name: '第三方运营单位', nameEn: 'Custody operator', kind: 'operator' },
  { id: 'psb', name: '市公安局', nameEn: 'City Public Security Bureau', kind: 'police' },
  { id: 'psb-taishan', name: '泰山分局', nameEn: 'Taishan Branch', kind: 'police' },
  { id: 'psb-daiyue', name: '岱岳分局', nameEn: 'Daiyue Branch', kind: 'police' },
  { id: 'psb-xintai', name: '新泰市公安局', nameEn: 'Xintai City PSB', kind: 'police' },
  { id: 'psb-feicheng', name: '肥城市公安局', nameEn: 'Feicheng City PSB', kind: 'police' },
  { id: 'psb-ningyang', name: '宁阳县公安局', nameEn: 'Ningyang County PSB', kind: 'police' },
  { id: 'psb-dongping', name: '东平县公安局', nameEn: 'Dongping County PSB', kind: 'police' },
  { id: 'procuratorate', name: '市人民检察院', nameEn: 'City Procuratorate', kind: 'procuratorate' },
  { id: 'court', name: '市中级人民法院', nameEn: 'Intermediate People\'s Court', kind: 'court' },
  { id: 'ccdi', name: '市纪委监委', nameEn: 'Discipline Inspection and Supervision Commission', kind: 'discipline' },
] as const;

export const CATEGORIES = [
  { id: 'cash', name: '现金', nameEn: 'Cash', dualControl: true, storageKinds: ['valuables'] },
  { id: 'precious', name: '贵金属及首饰', nameEn: 'Precious metals and jewellery', dualControl: true, storageKinds: ['valuables'] },
  { id: 'electronics', name: '手机及电子设备', nameEn: 'Phones and electronics', dualControl: false, storageKinds: ['general'] },
  { id: 'vehicle', name: '车辆', nameEn: 'Vehicles', dualControl: false, storageKinds: ['vehicle'] },
  { id: 'narcotics', name: '毒品', nameEn: 'Narcotics', dualControl: true, storageKinds: ['hazardous'] },
  { id: 'firearms', name: '枪支弹药', nameEn: 'Firearms and ammunition', dualControl: true, storageKinds: ['firearms'] },
  { id: 'knives', name: '管制刀具', nameEn: 'Controlled knives', dualControl: false, storageKinds: ['firearms'] },
  { id: 'documents', name: '文书资料', nameEn: 'Documents', dualControl: false, storageKinds: ['general'] },
  { id: 'biological', name: '生物检材', nameEn: 'Biological samples', dualControl: false, storageKinds: ['cold'] },
  { id: 'tobacco', name: '烟酒', nameEn: 'Tobacco and alcohol', dualControl: false, storageKinds: ['general'] },
  { id: 'other', name: '其他', nameEn: 'Other', dualControl: false, storageKinds: ['general'] },
] as const;

export const ZONES = [
  { id: 'intake', name: '移交待检区', nameEn: 'Intake', kind: 'intake', limits: {} },
  { id: 'general', name: '一般物品库', nameEn: 'General store', kind: 'general', limits: { temperature: { min: 10, max: 28, hysteresis: 0.5 }, humidity: { min: 30, max: 65, hysteresis: 2 } } },
  { id: 'valuables', name: '贵重物品库', nameEn: 'Valuables vault', kind: 'valuables', limits: { temperature: { min: 10, max: 28, hysteresis: 0.5 }, humidity: { min: 30, max: 60, hysteresis: 2 } } },
  { id: 'firearms', name: '枪支弹药库', nameEn: 'Firearms store', kind: 'firearms', limits: { temperature: { min: 10, max: 25, hysteresis: 0.5 }, humidity: { min: 30, max: 55, hysteresis: 2 } } },
  { id: 'hazardous', name: '危险品及毒品库', nameEn: 'Hazardous and narcotics store', kind: 'hazardous', limits: { temperature: { min: 5, max: 25, hysteresis: 0.5 }, humidity: { min: 30, max: 60, hysteresis: 2 } } },
  { id: 'cold', name: '冷藏库', nameEn: 'Cold store', kind: 'cold', limits: { temperature: { min: -25, max: -15, hysteresis: 0.5 } } },
  { id: 'vehicle', name: '车辆停放区', nameEn: 'Vehicle yard', kind: 'vehicle', limits: {} },
  { id: 'display', name: '示证室', nameEn: 'Display room', kind: 'display', limits: {} },
  { id: 'restricted', name: '纪委监委专区', nameEn: 'Commission restricted zone', kind: 'restricted', limits: { temperature: { min: 10, max: 28, hysteresis: 0.5 }, humidity: { min: 30, max: 60, hysteresis: 2 } } },
] as const;

/** Location layout per zone: a prefix, a kind, and how many rows × slots. */
const LAYOUT: { zone: string; prefix: string; label: string; kind: 'shelf' | 'slot' | 'cabinet' | 'bay'; rows: number; slots: number }[] = [
  { zone: 'intake', prefix: 'IN', label: '待检台', kind: 'bay', rows: 1, slots: 8 },
  { zone: 'general', prefix: 'GN', label: '货架', kind: 'shelf', rows: 10, slots: 12 },
  { zone: 'valuables', prefix: 'VL', label: '保险柜', kind: 'cabinet', rows: 4, slots: 10 },
  { zone: 'firearms', prefix: 'FA', label: '枪柜', kind: 'cabinet', rows: 2, slots: 10 },
  { zone: 'hazardous', prefix: 'HZ', label: '危险品柜', kind: 'cabinet', rows: 3, slots: 10 },
  { zone: 'cold', prefix: 'CD', label: '冷柜', kind: 'slot', rows: 2, slots: 10 },
  { zone: 'vehicle', prefix: 'VH', label: '车位', kind: 'bay', rows: 2, slots: 20 },
  { zone: 'display', prefix: 'DP', label: '示证台', kind: 'bay', rows: 1, slots: 6 },
  { zone: 'restricted', prefix: 'RS', label: '专区货架', kind: 'shelf', rows: 4, slots: 10 },
];

export function demoLocations() {
  return LAYOUT.flatMap((l) => Array.from({ length: l.rows * l.slots }, (_, i) => {
    const row = Math.floor(i / l.slots) + 1;
    const slot = (i % l.slots) + 1;
    const id = `${l.prefix}-${String(row).padStart(2, '0')}-${String(slot).padStart(2, '0')}`;
    return { id, zoneId: l.zone, name: `${l.label} ${row}-${slot}`, kind: l.kind };
  }));
}

export const GATES = [
  { id: 'gate-intake', name: '移交通道', nameEn: 'Intake door', innerZone: 'intake', outerZone: 'outside', reader: 'rd-intake', format: 'impinj' },
  { id: 'gate-main', name: '主出入口', nameEn: 'Main exit', innerZone: 'general', outerZone: 'outside', reader: 'rd-main', format: 'zebra' },
  { id: 'gate-valuables', name: '贵重库门', nameEn: 'Valuables vault door', innerZone: 'valuables', outerZone: 'general', reader: 'rd-valuables', format: 'zebra' },
  { id: 'gate-restricted', name: '专区门', nameEn: 'Restricted-zone door', innerZone: 'restricted', outerZone: 'general', reader: 'rd-restricted', format: 'zebra' },
] as const;

interface DemoPerson { id: string; name: string; agencyId: string; roles: ('operator' | 'supervisor' | 'agency' | 'discipline' | 'auditor' | 'admin')[]; clearances: string[] }

const STAFF: DemoPerson[] = [
  ...['王建国', '李秀英', '张伟', '刘洋', '陈静', '杨帆', '赵磊', '黄敏'].map((name, i) => ({
    id: `op-${String(i + 1).padStart(2, '0')}`, name, agencyId: 'op', roles: ['operator'] as DemoPerson['roles'],
    clearances: ['intake', 'general', 'valuables', 'firearms', 'hazardous', 'cold', 'vehicle', 'display'],
  })),
  { id: 'sup-01', name: '孙志强', agencyId: 'op', roles: ['supervisor'], clearances: ['intake', 'general', 'valuables', 'firearms', 'hazardous', 'cold', 'vehicle', 'display'] },
  { id: 'sup-02', name: '周丽', agencyId: 'op', roles: ['supervisor'], clearances: ['intake', 'general', 'valuables', 'display'] },
  { id: 'ag-taishan-01', name: '吴刚', agencyId: 'psb-taishan', roles: ['agency'], clearances: ['intake', 'display'] },
  { id: 'ag-daiyue-01', name: '郑海', agencyId: 'psb-daiyue', roles: ['agency'], clearances: ['intake', 'display'] },
  { id: 'ag-proc-01', name: '冯晓燕', agencyId: 'procuratorate', roles: ['agency'], clearances: ['display'] },
  { id: 'ag-court-01', name: '何明', agencyId: 'court', roles: ['agency'], clearances: ['display'] },
  { id: 'dc-01', name: '高洁', agencyId: 'ccdi', roles: ['discipline'], clearances: ['general', 'restricted'] },
  { id: 'dc-02', name: '林峰', agencyId: 'ccdi', roles: ['discipline'], clearances: ['general', 'restricted'] },
  { id: 'dc-03', name: '罗雪', agencyId: 'ccdi', roles: ['discipline'], clearances: ['general', 'restricted'] },
  { id: 'au-01', name: '梁文', agencyId: 'op', roles: ['auditor'], clearances: [] },
  { id: 'adm-01', name: '宋涛', agencyId: 'op', roles: ['admin'], clearances: [] },
];

export const badgeEpc = (i: number) => encodeGsrn96(DEMO_COMPANY_PREFIX, BigInt(1000 + i));

export async function demoSite(dataDir = 'data'): Promise<SiteInput> {
  const devices = await Promise.all(GATES.map(async (g) => ({
    id: g.reader, kind: 'rfid_reader' as const, format: g.format, name: `${g.name}读写器`,
    passwordHash: await hashPassword(demoDevicePassword(g.reader)),
    heartbeatSeconds: 30,
    // The restricted door's reader shows that zone's alarms on its own light panel.
    clearances: g.innerZone === 'restricted' ? ['restricted'] : [],
  })));
  const serial = demoSerialSite(dataDir);
  const userFor = (role: (typeof DEMO_ROLES)[number]) => {
    const staff = STAFF.find((s) => s.roles.includes(role))!;
    return { id: `user-${role}`, name: staff.name, role, agencyId: staff.agencyId, staffId: staff.id, tokenSha256: sha256(demoToken(role)) };
  };
  return {
    site: { id: DEMO_SITE_ID, name: '泰安市涉案财物管理中心（演示）', nameEn: 'Tai\'an Case-Property Storage Center (demo)' },
    dataDir,
    // Loopback only: the demo's tokens and device passwords are public (they are in this file and the
    // README), so anyone who could reach its ports could use them. GATEWAY_HTTP_HOST and
    // GATEWAY_MQTT_HOST open it up on purpose.
    http: { host: '127.0.0.1', port: 8080 },
    mqtt: { mode: 'embedded', host: '127.0.0.1', port: 1883 },
    // Doors may stand open in office hours; the rooms' limits count after five minutes, critical after thirty.
    zones: ZONES.map((z) => ({ ...z, limits: { ...z.limits }, environment: { delaySeconds: 300, criticalAfterSeconds: 1_800, workingHours: { days: [1, 2, 3, 4, 5], from: '08:30', to: '17:30' } } })),
    locations: demoLocations(),
    gates: GATES.map((g) => ({
      id: g.id, name: g.name, nameEn: g.nameEn, innerZone: g.innerZone, outerZone: g.outerZone,
      // The light and buzzer hang on the Zebra readers' GPO ports (set_gpo); the Impinj reader has none wired.
      readers: [{ deviceId: g.reader, antennas: { outer: [1, 2], inner: [3, 4] }, ...(g.format === 'zebra' ? { gpo: { light: 1, buzzer: 2 } } : {}) }],
    })),
    serialPorts: serial.serialPorts,
    devices: [...devices, ...(serial.devices ?? []), ...demoOpcuaDevices(await demoOpcuaPort())],
    agencies: AGENCIES.map((a) => ({ ...a })),
    categories: CATEGORIES.map((c) => ({ ...c, storageKinds: [...c.storageKinds] })),
    staff: STAFF.map((s, i) => ({ ...s, badgeEpc: badgeEpc(i) })),
    users: DEMO_ROLES.map(userFor),
    floorPlan: demoFloorPlan(),
  };
}
