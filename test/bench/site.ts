// The small site the benchmarks run on: zones of every kind (one restricted), 300 locations,
// agencies, categories, staff and one API user per role, each with a known token.
import { createHash } from 'node:crypto';
import { ROLES, siteSchema, type Role, type Site, type SiteInput } from '../../edge/site/schema.ts';

export const BENCH_SITE_ID = 'BENCH-01';
/** A fixed site key: the generated store is cached across runs, so its signed head must stay valid. */
export const BENCH_SITE_KEY = createHash('sha256').update('custody-bench site key').digest();

export const tokenFor = (role: Role) => `bench-token-${role}-0123456789abcdef`;
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** Storage zones and how many locations each has (300 in all); the intake zone has none. */
const ZONES: { id: string; name: string; kind: Site['zones'][number]['kind']; locations: number; locKind: 'shelf' | 'slot' | 'cabinet' | 'bay'; limits?: SiteInput['zones'][number]['limits'] }[] = [
  { id: 'Z-INTAKE', name: '接收区', kind: 'intake', locations: 0, locKind: 'bay' },
  { id: 'Z-GEN-A', name: '一般物品库A', kind: 'general', locations: 80, locKind: 'shelf' },
  { id: 'Z-GEN-B', name: '一般物品库B', kind: 'general', locations: 70, locKind: 'shelf' },
  { id: 'Z-VAL', name: '贵重物品库', kind: 'valuables', locations: 30, locKind: 'cabinet' },
  { id: 'Z-ARM', name: '枪支弹药库', kind: 'firearms', locations: 20, locKind: 'cabinet' },
  { id: 'Z-HAZ', name: '危险品库', kind: 'hazardous', locations: 15, locKind: 'cabinet', limits: { temperature: { min: 5, max: 25 } } },
  { id: 'Z-COLD', name: '冷藏库', kind: 'cold', locations: 20, locKind: 'slot', limits: { temperature: { min: -25, max: -15 }, humidity: { min: 20, max: 60 } } },
  { id: 'Z-VEH', name: '车辆停放区', kind: 'vehicle', locations: 25, locKind: 'bay' },
  { id: 'Z-DISP', name: '展示区', kind: 'display', locations: 10, locKind: 'shelf' },
  { id: 'Z-RES', name: '纪检监察专区', kind: 'restricted', locations: 30, locKind: 'cabinet' },
];

export const AGENCIES: SiteInput['agencies'] = [
  { id: 'A-CENTER', name: '涉案财物管理中心', kind: 'operator' },
  { id: 'A-PSB-1', name: '市公安局刑侦支队', kind: 'police' },
  { id: 'A-PSB-2', name: '市公安局经侦支队', kind: 'police' },
  { id: 'A-PSB-3', name: '东城区公安分局', kind: 'police' },
  { id: 'A-PSB-4', name: '西城区公安分局', kind: 'police' },
  { id: 'A-PROC', name: '市人民检察院', kind: 'procuratorate' },
  { id: 'A-COURT', name: '市中级人民法院', kind: 'court' },
  { id: 'A-DISC', name: '市纪委监委', kind: 'discipline' },
];

export const CATEGORIES: SiteInput['categories'] = [
  { id: 'C-DOC', name: '书证' },
  { id: 'C-PHONE', name: '手机及电子设备' },
  { id: 'C-CASH', name: '现金', dualControl: true },
  { id: 'C-JEWEL', name: '金银首饰', dualControl: true },
  { id: 'C-ARM', name: '枪支弹药', dualControl: true },
  { id: 'C-CHEM', name: '危险化学品' },
  { id: 'C-BIO', name: '生物检材' },
  { id: 'C-VEH', name: '车辆' },
  { id: 'C-MISC', name: '其他物品' },
];

export function benchSiteInput(): SiteInput {
  const locations: NonNullable<SiteInput['locations']> = [];
  for (const z of ZONES) {
    for (let i = 1; i <= z.locations; i++) {
      locations.push({ id: `${z.id.slice(2)}-${String(i).padStart(3, '0')}`, zoneId: z.id, name: `${z.name} ${i}号位`, kind: z.locKind });
    }
  }
  const staff: NonNullable<SiteInput['staff']> = [
    { id: 'S-OP-1', name: '张伟', agencyId: 'A-CENTER', roles: ['operator'], badgeEpc: 'E2000017221101441890AB01', clearances: [] },
    { id: 'S-OP-2', name: '王芳', agencyId: 'A-CENTER', roles: ['operator'], badgeEpc: 'E2000017221101441890AB02', clearances: [] },
    { id: 'S-SUP-1', name: '李娜', agencyId: 'A-CENTER', roles: ['supervisor'], badgeEpc: 'E2000017221101441890AB03', clearances: [] },
    { id: 'S-DISC-1', name: '刘洋', agencyId: 'A-DISC', roles: ['discipline'], badgeEpc: 'E2000017221101441890AB04', clearances: ['Z-RES'] },
  ];
  const userAgency: Partial<Record<Role, string>> = { agency: 'A-PSB-1', discipline: 'A-DISC' };
  const userStaff: Partial<Record<Role, string>> = { operator: 'S-OP-1', supervisor: 'S-SUP-1', discipline: 'S-DISC-1' };
  return {
    site: { id: BENCH_SITE_ID, name: '基准测试涉案财物管理中心', nameEn: 'Benchmark property center' },
    zones: ZONES.map((z) => ({ id: z.id, name: z.name, kind: z.kind, ...(z.limits ? { limits: z.limits } : {}) })),
    locations,
    agencies: AGENCIES,
    categories: CATEGORIES,
    staff,
    users: ROLES.map((role) => ({
      id: `u-${role}`, name: `bench ${role}`, role,
      ...(userAgency[role] ? { agencyId: userAgency[role] } : {}),
      ...(userStaff[role] ? { staffId: userStaff[role] } : {}),
      tokenSha256: sha256(tokenFor(role)),
    })),
  };
}

export function benchSite(dataDir = 'data'): Site {
  return siteSchema.parse({ ...benchSiteInput(), dataDir });
}

/** A digest of the site, so that a cached store built from another site is not reused. */
export function siteDigest(): string {
  return sha256(JSON.stringify(benchSiteInput())).slice(0, 12);
}
