// A count's report as a spreadsheet: UTF-8 with a byte-order mark, so that Excel on a Chinese
// Windows reads the names right, and Chinese headings and classes for the people who sign it.
// Only a rendering: the JSON report is what the ledger fingerprints.
import type { CountClass, CountVia } from './report.ts';
import type { CountReport } from './view.ts';
import { calendarOf } from '../../time/calendar.ts';
import { csvText } from '../../csv.ts';

const CLASS_ZH: Record<CountClass, string> = {
  found: '找到', missing: '缺失', misplaced: '错位', unexpected: '多出', weight_mismatch: '重量不符', not_counted: '未盘到', checked_out: '已调出',
};
const VIA_ZH: Record<CountVia, string> = { shelf: '货架读写器', handheld: '手持机' };
const HEAD = ['结果', '物品编号', '物品名称', '案件编号', '标签EPC', '应在货位', '读到货位', '读到时间', '读取方式', '称得重量(克)', '应有重量(克)'];


export function countReportCsv(r: CountReport, locationName: (id: string) => string, sha256: string, timeZone: string): string {
  const place = (id: string | null) => (id ? locationName(id) : null);
  const cal = calendarOf(timeZone);
  const when = (at: string | null) => (at ? cal.format(at, 'zh') : null);
  const rows = [
    ['盘点编号', r.countId], ['开始', when(r.openedAt), r.openedBy.name], ['结束', when(r.closedAt), r.closedBy.name], ['报告SHA-256', sha256], [],
    HEAD,
    ...r.lines.map((l) => [CLASS_ZH[l.class], l.itemId, l.itemName, l.caseNumber, l.epc, place(l.expectedLocationId), place(l.seenLocationId),
      when(l.seenAt), l.via ? VIA_ZH[l.via] : null, l.measuredGrams, l.expectedGrams]),
  ];
  return csvText(rows);
}
