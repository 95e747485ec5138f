// Fills an empty demo store through the custody operations themselves, on a clock that runs from
// three years ago to now, never past it: every demo item has a true history in the ledger, the verify result is
// real, and the current orders, check-outs and overdue items look like a working center's.
import type { Custody } from '../../edge/custody.ts';
import type { Clock } from '../../edge/context.ts';
import type { Principal } from '../../edge/auth/principal.ts';
import { issueOrder, type OrderInput } from '../../edge/orders/order.ts';
import { announce } from '../../edge/lifecycle/announce.ts';
import { receive } from '../../edge/lifecycle/receive.ts';
import { putaway } from '../../edge/lifecycle/putaway.ts';
import { retrieve } from '../../edge/lifecycle/retrieve.ts';
import { returnItem } from '../../edge/lifecycle/return.ts';
import { circulate } from '../../edge/lifecycle/circulate.ts';
import { dispose } from '../../edge/lifecycle/dispose.ts';
import { reject } from '../../edge/lifecycle/reject.ts';
import { withdraw } from '../../edge/lifecycle/withdraw.ts';
import { encodeGiai96 } from '../../edge/epc/encode.ts';
import { setCaseRetention } from '../../edge/cases/retention.ts';
import { DEMO_COMPANY_PREFIX } from './site.ts';
import { seededRandom } from './random.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Bulk categories weighed at the intake: their weights are what the load cells under their cabinets should carry. */
const WEIGHED = new Set(['cash', 'precious', 'narcotics']);
const weighed = () => 50 * (2 + Math.floor(Math.random() * 40));

/** A clock the population moves forward; the custody core reads it like the real one. */
export class DemoClock implements Clock {
  constructor(public t: number) {}
  now() { return this.t; }
  advance(ms: number) { this.t += ms; }
}

const NAMES: Record<string, { names: string[]; unit: string; qty: () => number }> = {
  cash: { names: ['人民币现金', '美元现金', '港币现金'], unit: '元', qty: () => 1000 * (1 + Math.floor(Math.random() * 200)) },
  precious: { names: ['黄金手镯', '金条', '翡翠吊坠', '钻石戒指', '铂金项链', '名贵手表'], unit: '件', qty: () => 1 },
  electronics: { names: ['华为手机', '苹果手机', '小米手机', '笔记本电脑', '移动硬盘', 'U盘', '平板电脑', '行车记录仪'], unit: '台', qty: () => 1 },
  documents: { names: ['账本', '借款合同', '银行流水', '会议记录', '转账凭证', '房产证复印件'], unit: '份', qty: () => 1 },
  tobacco: { names: ['中华香烟', '茅台酒', '五粮液', '泰山香烟'], unit: '条', qty: () => 1 + Math.floor(Math.random() * 20) },
  other: { names: ['背包', '作案工具', '衣物', '钥匙串', '印章'], unit: '件', qty: () => 1 },
  vehicle: { names: ['大众帕萨特轿车', '丰田凯美瑞轿车', '电动自行车', '二轮摩托车', '货车'], unit: '辆', qty: () => 1 },
  narcotics: { names: ['疑似甲基苯丙胺', '疑似海洛因', '疑似氯胺酮', '大麻叶'], unit: '克', qty: () => Math.round(1 + Math.random() * 500) },
  firearms: { names: ['仿制手枪', '气枪', '子弹', '猎枪'], unit: '支', qty: () => 1 },
  knives: { names: ['管制匕首', '弹簧刀', '三棱刮刀'], unit: '把', qty: () => 1 },
  biological: { names: ['血样', '毛发检材', 'DNA拭子', '尿样'], unit: '份', qty: () => 1 },
};

const POLICE = [
  { agency: 'psb', code: '370900' }, { agency: 'psb-taishan', code: '370902' }, { agency: 'psb-daiyue', code: '370911' },
  { agency: 'psb-xintai', code: '370982' }, { agency: 'psb-feicheng', code: '370983' }, { agency: 'psb-ningyang', code: '370921' },
  { agency: 'psb-dongping', code: '370923' },
];

export interface PopulateResult { items: number; events: number; cases: number }

export function populateDemo(custody: Custody, clock: DemoClock, users: Record<string, Principal>, now = Date.now()): PopulateResult {
  const ctx = custody.ctx;
  const rand = seededRandom(20241127);
  const pick = <T>(a: readonly T[]) => a[Math.floor(rand() * a.length)];
  const operator = users.operator;
  const discipline = users.discipline;
  // Two-person operations (双人): a dualControl item was never handled by one person alone, so its
  // history names a second: the supervisor, or a second commission member in the restricted zone.
  const commissionSecond: Principal = { userId: 'staff:dc-02', name: '林峰', role: 'discipline', agencyId: 'ccdi', staffId: 'dc-02' };
  const two = (p: Principal, category: string, restricted = false): Principal => ctx.dualControl.has(category)
    ? { ...p, second: { principal: restricted ? commissionSecond : users.supervisor, via: 'api' } } : p;
  const platform = { by: 'platform', source: 'platform' as const, emergency: false };
  let orderSeq = 0;
  const order = (input: Omit<OrderInput, 'approvedBy' | 'validFrom' | 'validUntil'> & { hours?: number; from?: number }) => {
    const from = input.from ?? clock.t;
    const { hours, from: _f, ...rest } = input;
    orderSeq++;
    return issueOrder(ctx, {
      id: `OR-${new Date(from).toISOString().slice(0, 10).replace(/-/g, '')}-${String(orderSeq).padStart(4, '0')}`,
      approvedBy: rest.kind === 'transfer_in' ? '移交审批：办案单位负责人' : '中心主任 孙志强',
      validFrom: new Date(from).toISOString(), validUntil: new Date(from + (hours ?? 48) * HOUR).toISOString(), ...rest,
    }, platform);
  };
  // Each category is put away in the first zone its storage rules allow (分类存放).
  const zoneOf = (category: string) => {
    const kinds = ctx.site.categories.find((c) => c.id === category)?.storageKinds ?? ['general'];
    return ctx.site.zones.find((z) => z.kind === kinds[0])!.id;
  };
  const locations = new Map<string, string[]>();
  for (const l of ctx.site.locations) locations.set(l.zoneId, [...(locations.get(l.zoneId) ?? []), l.id]);
  const slot = new Map<string, number>();
  const nextLocation = (zone: string) => {
    const list = locations.get(zone)!;
    const i = slot.get(zone) ?? 0;
    slot.set(zone, i + 1);
    return list[i % list.length];
  };

  let epcSerial = 1;
  let caseNo = 0;
  const stored: { id: string; restricted: boolean; agency: string; category: string }[] = [];
  const start = now - 3 * 365 * DAY;
  clock.t = start;
  const CASES = 300;
  const RESTRICTED_CASES = 26;
  const step = (now - 40 * DAY - start) / (CASES + RESTRICTED_CASES);

  /** A handling unit's manifest; with `untagged`, property it handed over without tags (一物一码 at the desk). */
  const intakeCase = (restricted: boolean, untagged = false) => {
    caseNo++;
    const year = new Date(clock.t).getUTCFullYear();
    const month = String(new Date(clock.t).getUTCMonth() + 1).padStart(2, '0');
    let agency: string;
    let caseNumber: string;
    let categories: string[];
    if (restricted) {
      agency = 'ccdi';
      caseNumber = `泰纪监立〔${year}〕${caseNo}号`;
      categories = ['cash', 'precious', 'documents', 'electronics', 'tobacco'];
    } else if (rand() < 0.12) {
      agency = 'procuratorate';
      caseNumber = `泰检刑诉〔${year}〕${100 + caseNo}号`;
      categories = ['documents', 'electronics', 'cash'];
    } else {
      const unit = pick(POLICE);
      agency = unit.agency;
      caseNumber = `A${unit.code}000000${year}${month}${String(caseNo).padStart(4, '0')}`;
      categories = ctx.site.categories.map((c) => c.id);
    }
    const who = restricted ? discipline : operator;
    const count = 2 + Math.floor(rand() * 5);
    return ctx.transaction(() => {
      const o = order({ kind: 'transfer_in', agencyId: agency, zoneId: restricted ? 'restricted' : 'intake', gates: [restricted ? 'gate-restricted' : 'gate-intake'], direction: 'in' });
      const items = Array.from({ length: count }, () => {
        const category = pick(categories);
        const n = NAMES[category];
        return {
          ...(untagged ? {} : { epc: encodeGiai96(DEMO_COMPANY_PREFIX, BigInt(epcSerial++)) }), name: pick(n.names), categoryId: category,
          quantity: n.qty(), unit: n.unit, caseNumber,
        };
      });
      const announced = announce(ctx, who, { orderId: o.id, items });
      return { order: o, items: announced.map((a) => ({ id: a.item.id, category: a.item.category })), agency, restricted, who };
    });
  };

  const receiveAndStore = (c: ReturnType<typeof intakeCase>, store = true) => {
    clock.advance(2 * HOUR);
    ctx.transaction(() => {
      for (const it of c.items) {
        receive(ctx, two(c.who, it.category, c.restricted), it.id, {
          orderId: c.order.id, condition: '封装完好', ...(WEIGHED.has(it.category) ? { weightGrams: weighed() } : {}),
        });
      }
    });
    if (!store) return;
    clock.advance(3 * HOUR);
    ctx.transaction(() => {
      const p = order({ kind: 'putaway', itemIds: c.items.map((i) => i.id) });
      for (const it of c.items) {
        const zone = c.restricted ? 'restricted' : zoneOf(it.category);
        putaway(ctx, two(c.who, it.category, c.restricted), it.id, { orderId: p.id, locationId: nextLocation(zone) });
        stored.push({ id: it.id, restricted: c.restricted, agency: c.agency, category: it.category });
      }
    });
  };

  for (let i = 0; i < CASES + RESTRICTED_CASES; i++) {
    clock.t = start + i * step;
    const c = intakeCase(i % 13 === 5 && i / 13 < RESTRICTED_CASES);
    if (i === 40 || i === 170) {
      // A manifest that did not match: one item handed back, the rest stored.
      clock.advance(2 * HOUR);
      ctx.transaction(() => {
        receive(ctx, two(c.who, c.items[0].category, c.restricted), c.items[0].id, { orderId: c.order.id });
        reject(ctx, two(c.who, c.items[0].category, c.restricted), c.items[0].id, { orderId: c.order.id, reason: '封装破损，与移交清单不符' });
        for (const it of c.items.slice(1)) withdraw(ctx, two(c.who, it.category, c.restricted), it.id, { orderId: c.order.id, reason: '办案单位撤回移交' });
      });
      continue;
    }
    receiveAndStore(c);
  }

  // History: circulations, examinations (retrieve and return), disposals.
  const unrestricted = stored.filter((s) => !s.restricted);
  const historyClock = now - 35 * DAY;
  clock.t = historyClock;
  const police = unrestricted.filter((s) => s.agency.startsWith('psb'));
  for (let i = 0; i < 120 && i < police.length; i += 6) {
    clock.advance(4 * HOUR);
    const batch = police.slice(i, i + 6);
    const toAgency = i % 12 === 0 ? 'procuratorate' : 'court';
    ctx.transaction(() => {
      const o = order({ kind: 'circulate', itemIds: batch.map((b) => b.id), toAgencyId: toAgency });
      for (const b of batch) {
        circulate(ctx, two(operator, b.category), b.id, { orderId: o.id, documentRef: `泰公移〔2026〕${i + 1}号` });
        b.agency = toAgency;
      }
    });
  }
  // Examinations (retrieve, then return two days later), in the order they happened: the clock
  // only moves forward, so that no event is recorded before the one ahead of it in the ledger.
  const examined = unrestricted.slice(200, 260);
  const examStart = now - 31 * DAY;
  const examStep = (15 * DAY) / examined.length;
  const visits: { t: number; run: () => void }[] = [];
  for (const [k, b] of examined.entries()) {
    const t = examStart + k * examStep;
    let taken: { id: string } | null = null;
    visits.push({ t, run: () => {
      taken = ctx.transaction(() => {
        const o = order({ kind: 'retrieve', itemIds: [b.id], gates: ['gate-main'], direction: 'out', escorts: ['op-01', 'op-02'], purpose: '司法鉴定', dueAt: new Date(t + 3 * DAY).toISOString() });
        retrieve(ctx, two(operator, b.category), b.id, { orderId: o.id, takenBy: pick(['op-01', 'op-03', 'op-05']), condition: '外观完好，封条完整' });
        return o;
      });
    } });
    // Back under the order that took it out; now and then with a difference the return records.
    visits.push({ t: t + 2 * DAY, run: () => returnItem(ctx, two(operator, b.category), b.id, { orderId: taken!.id, condition: k % 9 === 0 ? '封条已拆，外壳有划痕' : '外观完好，封条完整' }) });
  }
  for (const v of visits.sort((a, b) => a.t - b.t)) {
    clock.t = v.t;
    v.run();
  }

  // Disposals: one dispose order per decision, each carrying its method and document.
  const disposed = unrestricted.slice(300, 340);
  clock.t = now - 12 * DAY;
  const DECISIONS = [
    { method: 'returned_to_owner', decisionRef: '(2026)鲁09刑初12号', decidedBy: '市中级人民法院' },
    { method: 'auctioned', decisionRef: '泰检刑不诉〔2026〕7号', decidedBy: '市人民检察院' },
    { method: 'confiscated', decisionRef: '(2026)鲁09刑初15号', decidedBy: '市中级人民法院' },
    { method: 'destroyed', decisionRef: '泰公（禁毒）销决字〔2026〕3号', decidedBy: '市公安局' },
    { method: 'transferred_with_case', decisionRef: '泰公移〔2026〕41号', decidedBy: '市公安局' },
  ] as const;
  for (const [k, decision] of DECISIONS.entries()) {
    clock.advance(2 * HOUR);
    ctx.transaction(() => {
      const batch = disposed.filter((_, i) => i % DECISIONS.length === k);
      const o = order({ kind: 'dispose', itemIds: batch.map((d) => d.id), hours: 72, disposal: decision });
      for (const d of batch) dispose(ctx, two(operator, d.category), d.id, { orderId: o.id, recipient: decision.method === 'returned_to_owner' ? '物主本人' : undefined });
    });
  }

  // Now: items out (some overdue), an intake waiting, items waiting for putaway, and open orders of every kind.
  const out = unrestricted.slice(400, 425);
  for (const [k, b] of out.entries()) {
    clock.t = now - 10 * DAY + k * ((9 * DAY) / out.length);
    // The first six are overdue by now; the seventh is due back within the day (即将到期).
    const due = k < 6 ? clock.t + 2 * DAY : k === 6 ? now + 20 * HOUR : clock.t + 20 * DAY;
    ctx.transaction(() => {
      const o = order({ kind: 'retrieve', itemIds: [b.id], gates: ['gate-main'], direction: 'out', escorts: ['op-01', 'op-02'], purpose: k % 3 ? '出庭示证' : '补充侦查', dueAt: new Date(due).toISOString(), hours: 24 });
      retrieve(ctx, two(operator, b.category), b.id, { orderId: o.id, takenBy: k % 2 ? 'ag-taishan-01' : 'ag-proc-01', condition: '外观完好' });
    });
  }
  // Received at the desk two hours ago, untagged: waiting for the Intake page.
  clock.t = now - 4 * HOUR;
  receiveAndStore(intakeCase(false, true), false);
  clock.t = now - 2 * HOUR;
  const pendingIntake = intakeCase(false);
  const pendingPutaway = intakeCase(false);
  receiveAndStore(pendingPutaway, false);
  clock.t = now - HOUR;
  const live = (kind: OrderInput['kind'], extra: Partial<OrderInput>) => order({ kind, hours: 24 * 7, ...extra } as never);
  live('transfer_in' as const, {});
  ctx.transaction(() => {
    // The pending intake's own order is already active; give the received items a putaway order.
    live('putaway', { itemIds: pendingPutaway.items.map((i) => i.id), gates: [], escorts: ['op-01', 'op-02'] });
  });
  const storedNow = unrestricted.filter((s) => !out.includes(s) && !disposed.includes(s));
  live('retrieve', { itemIds: storedNow.slice(0, 8).map((s) => s.id), gates: ['gate-main'], direction: 'out', escorts: ['op-01', 'op-02', 'op-03'], purpose: '出庭示证', dueAt: new Date(now + 5 * DAY).toISOString() });
  live('return', { itemIds: out.slice(6, 16).map((s) => s.id), gates: ['gate-main'], direction: 'in', escorts: ['op-01', 'op-02', 'op-03'] });
  // Valuables to the display room for a court's viewing (示证): out through the vault door. The
  // display room is a transit zone, so the storage rules let cash and jewellery stand there.
  const inVault = storedNow.slice(24).filter((s) => s.category === 'cash' || s.category === 'precious');
  live('move', { itemIds: inVault.slice(0, 6).map((s) => s.id), gates: ['gate-valuables'], direction: 'out', escorts: ['op-01', 'op-02'], zoneId: 'display' });
  live('circulate', { itemIds: storedNow.slice(14, 20).filter((s) => s.agency !== 'procuratorate').map((s) => s.id), toAgencyId: 'procuratorate' });
  live('dispose', { itemIds: storedNow.slice(20, 24).map((s) => s.id), gates: ['gate-main'], direction: 'out', escorts: ['op-01', 'op-02'],
    disposal: { method: 'returned_to_owner', decisionRef: '(2026)鲁09刑初31号', decidedBy: '市中级人民法院' } });
  const restrictedStored = stored.filter((s) => s.restricted);
  live('retrieve', { itemIds: restrictedStored.slice(0, 4).map((s) => s.id), gates: ['gate-restricted'], direction: 'out', escorts: ['dc-01', 'dc-02'], purpose: '谈话核查', dueAt: new Date(now + 2 * DAY).toISOString() });
  void pendingIntake;
  clock.t = now;
  // A case the platform said to keep until three days ago (保管期限): its stored items are kept past it (超期存放).
  const overkept = storedNow.slice(40).find((s) => s.category === 'documents' || s.category === 'electronics');
  if (overkept) {
    const caseId = (custody.db.prepare('SELECT case_id FROM items WHERE id = ?').get(overkept.id) as { case_id: string }).case_id;
    setCaseRetention(ctx, { by: 'platform', role: 'platform' }, caseId, new Date(now - 3 * DAY).toISOString());
  }
  const events = ctx.ledger.headNow.seq;
  const items = (custody.db.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n;
  return { items, events, cases: caseNo };
}
