// Simplified Chinese by default, English on request; numbers and dates through Intl in the
// language the user chose (and their own regional variant of English when they have one).
import statistics from './i18n-statistics.js';
import floorMap from './i18n-floor-map.js';
import caseTexts from './i18n-case.js';

const LANG_KEY = 'custody.lang';
let lang = localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh';
const listeners = new Set();

export const getLang = () => lang;
export function setLang(l) {
  lang = l === 'en' ? 'en' : 'zh';
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const fn of listeners) fn(lang);
}
export const onLang = (fn) => { listeners.add(fn); return () => listeners.delete(fn); };
document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';

export function locale() {
  if (lang === 'zh') return 'zh-CN';
  const nav = (navigator.languages ?? [navigator.language]).find((l) => /^en\b/i.test(l));
  return nav ?? 'en-GB';
}

const D = {
  zh: {
    'app.title': '涉案财物管理中心', 'app.subtitle': '边缘网关',
    'signin.title': '登录', 'signin.token': '访问令牌', 'signin.hint': '令牌仅保存在本次浏览器会话中，关闭浏览器即失效。',
    'signin.submit': '登录', 'signin.bad': '令牌无效，请检查后重试。', 'signin.down': '无法连接网关，请稍后重试。',
    'signout': '退出', 'lang.switch': 'English', 'sound.on': '声音开', 'sound.off': '声音关',
    'nav.operations': '运行监控', 'nav.inventory': '库存', 'nav.orders': '指令', 'nav.devices': '设备',
    'nav.environment': '环境', 'nav.shelves': '货架', 'nav.sync': '平台同步',
    'role.operator': '运营人员', 'role.supervisor': '主管', 'role.agency': '办案单位', 'role.discipline': '纪委监委',
    'role.auditor': '审计', 'role.admin': '管理员', 'role.unknown': '未知角色',
    'offline.banner': '无法连接网关。数据可能不是最新的，正在自动重试…', 'offline.retryIn': '{s} 秒后重试', 'offline.retryNow': '立即重试',
    'stream.live': '实时', 'stream.polling': '轮询', 'stream.down': '离线',
    'common.loading': '加载中…', 'common.empty': '暂无数据', 'common.notAvailable': '此功能尚未在网关上提供。',
    'common.error': '出错了：{msg}', 'common.forbidden': '当前角色无权查看。', 'common.more': '加载更多', 'common.back': '返回',
    'common.cancel': '取消', 'common.submit': '提交', 'common.close': '关闭', 'common.none': '—', 'common.all': '全部',
    'common.updated': '更新于 {t}',
    // operations
    'ops.alarms': '告警', 'ops.openAlarms': '未处理告警', 'ops.noAlarms': '没有未处理的告警。', 'ops.gates': '出入口',
    'ops.crossings': '通行记录（实时）', 'ops.noCrossings': '暂无通行记录。', 'ops.badgeOf': '工牌：', 'ops.events': '最近的保管事件',
    'ops.ack': '确认', 'ops.resolve': '处置完毕', 'ops.note': '备注（必填）', 'ops.noteRequired': '请填写备注。',
    'ops.ackedBy': '{who} 于 {t} 确认：{note}', 'ops.occurrences': '{n} 次', 'ops.selfResolving': '原因消除后自动恢复',
    'ops.showAcked': '含已确认', 'ops.msg.overdue': '应于 {due} 归还，领取人：{who}', 'ops.msg.unauthorized': '无有效指令通过 {gate}（{dir}）', 'ops.gatesUnavailable': '出入口状态尚未提供。', 'ops.crossingsUnavailable': '通行记录尚未提供。',
    'col.time': '时间', 'col.gate': '出入口', 'col.item': '涉案财物', 'col.direction': '方向', 'col.order': '指令',
    'col.escort': '押运人员', 'col.decision': '判定', 'col.kind': '类型', 'col.severity': '级别', 'col.state': '状态',
    'col.epc': 'EPC', 'col.case': '案件编号', 'col.agency': '办案单位', 'col.zone': '库区', 'col.location': '货位',
    'col.category': '类别', 'col.quantity': '数量', 'col.name': '名称', 'col.items': '件数', 'col.dueAt': '应归还时间',
    'col.overdueBy': '超期', 'col.who': '操作人', 'col.what': '事项', 'col.where': '位置', 'col.readers': '读写器',
    'col.device': '设备', 'col.format': '格式', 'col.online': '在线状态', 'col.lastSeen': '最后通信', 'col.rate': '读取速率',
    'col.accepted': '已接收', 'col.rejected': '已拒绝', 'col.window': '有效期', 'col.approvedBy': '批准人', 'col.purpose': '用途',
    'col.message': '内容',
    'dir.in': '进入', 'dir.out': '离开', 'dir.any': '双向',
    'decision.authorised': '已授权', 'decision.alarm': '告警', 'decision.ignored': '忽略', 'decision.badge': '工牌通行', 'decision.undetermined': '方向未定', 'decision.failed': '判定失败', 'decision.unknown_tag': '未知标签',
    'gate.idle': '空闲', 'gate.crossing': '通行中', 'gate.alarm': '告警', 'gate.unknown': '未知',
    'sev.critical': '严重', 'sev.warning': '警告',
    'alarmState.open': '未处理', 'alarmState.acknowledged': '已确认', 'alarmState.resolved': '已处置',
    'alarm.unauthorized_movement': '未授权移动', 'alarm.escort_missing': '缺少押运人员', 'alarm.restricted_zone_breach': '专区闯入',
    'alarm.unexpected_removal': '异常取出', 'alarm.misplaced': '错放', 'alarm.overdue_return': '超期未还', 'alarm.unknown_tag': '未知标签',
    'alarm.environment': '环境异常', 'alarm.device_offline': '设备离线', 'alarm.manifest_discrepancy': '清单不符', 'alarm.decision_failed': '判定失败', 'alarm.order_cancelled_upstream': '上级撤销指令（物品在外）', 'alarm.sync_refused': '平台拒收账本', 'alarm.storage_full': '存储空间已满',
    'alarm.due_soon': '即将到期', 'alarm.retention_exceeded': '超期存放',
    'ops.msg.dueSoon': '应于 {due} 归还（{rel}），领取人：{who}', 'ops.msg.retention': '案件 {case}：{basis}已于 {until} 届满',
    // warnings before the fact (GET /warnings)
    'warn.title': '预警：即将到期与超期存放', 'warn.dueSoon': '即将到期（24 小时内应归还）', 'warn.retention': '超期存放',
    'warn.noDueSoon': '24 小时内没有应归还的涉案财物。', 'warn.noRetention': '没有超期存放的涉案财物。', 'warn.more': '另有 {n} 件未列出。',
    'col.retainUntil': '保管期限', 'col.basis': '依据', 'col.dueIn': '剩余', 'col.takenBy': '领取人',
    'basis.category': '分类存放期限（{n} 天）', 'basis.case': '案件保管期限',
    // inventory
    'inv.zones': '库区', 'inv.search': '搜索', 'inv.searchPlaceholder': '输入 EPC、案件编号或财物名称', 'inv.searchAgency': '办案单位',
    'inv.results': '搜索结果', 'inv.noResults': '没有符合条件的涉案财物。', 'inv.locations': '{zone} 的货位',
    'inv.itemsAt': '{location} 的涉案财物', 'inv.overdue': '超期未还', 'inv.noOverdue': '没有超期未还的涉案财物。',
    'inv.stored': '在库', 'inv.out': '调出', 'inv.received': '待入库', 'inv.locationsN': '{n} 个货位', 'inv.itemsInZone': '{zone} 的涉案财物',
    'inv.missingNote': '缺失与错放清单将随货架功能提供。',
    'item.detail': '涉案财物详情', 'item.timeline': '保管链（时间线）', 'item.checkout': '调用记录', 'item.taken': '领取人',
    'item.due': '应归还', 'item.returnedAt': '归还时间', 'item.ledger': '账本校验', 'item.ledgerOk': '账本完整：共 {n} 条事件，哈希链与签名链头一致',
    'item.ledgerBad': '账本校验失败（第 {seq} 条事件）：{msg}', 'item.ledgerUnavailable': '无法获取账本校验结果。', 'item.hash': '哈希', 'chain.main': '主账本', 'chain.restricted': '专区账本',
    'nav.confirmations': '双人确认', 'dc.title': '双人确认', 'dc.onItem': '双人操作（须第二人确认）', 'dc.none': '没有待确认的双人操作。', 'dc.noneOnItem': '该涉案财物没有双人操作记录。',
    'dc.state.pending': '待第二人确认', 'dc.state.confirmed': '已确认', 'dc.state.expired': '已过期', 'dc.state.refused': '已拒绝',
    'dc.tab.pending': '待确认', 'dc.tab.all': '全部',
    'dc.confirm': '确认（第二人）', 'dc.refuse': '拒绝', 'dc.withdraw': '撤回申请', 'dc.reason': '理由（必填）', 'dc.reasonRequired': '请填写理由。',
    'dc.waitingForOther': '等待另一名工作人员确认', 'dc.requestedBy': '{who} 于 {t} 申请', 'dc.expiresIn': '{t}过期', 'dc.expiredAt': '已于 {t} 过期',
    'dc.confirmedBy': '{who} 于 {t} 确认', 'dc.refusedBy': '{who} 于 {t} 拒绝', 'dc.viaBadge': '刷工牌确认', 'dc.attempts': '申请人本人确认被拒 {n} 次',
    'dc.condition': '状况', 'dc.reasonOf': '原因', 'dc.returnedBy': '归还人', 'dc.second': '第二人', 'dc.requested': '双人操作已提交，等待第二人确认。',
    'dc.err.CONFIRMATION_SAME_PERSON': '须由申请人以外的工作人员确认。', 'dc.err.CONFIRMATION_EXPIRED': '已超过确认时限，请重新申请。',
    'dc.err.CONFIRMATION_NOT_PENDING': '该操作已不在待确认状态。', 'dc.err.CONFIRMATION_NOT_FOUND': '找不到该待确认操作。', 'dc.err.FORBIDDEN': '当前角色不能确认此操作。',
    'item.dual': '双人管控', 'item.photos': '照片 {n} 张', 'item.notFound': '找不到该涉案财物（或无权查看）。',
    'state.announced': '已通知移交', 'state.received': '已接收', 'state.stored': '在库', 'state.out': '已调出', 'state.withdrawn': '已撤回',
    'state.rejected': '已拒收', 'state.disposed': '已处置',
    'ev.announced': '通知移交', 'ev.received': '接收', 'ev.rejected': '拒收', 'ev.withdrawn': '撤回', 'ev.putaway': '入库上架',
    'ev.moved': '移库', 'ev.retrieved': '调用出库', 'ev.returned': '归还入库', 'ev.circulated': '流转', 'ev.disposed': '处置',
    'ev.photo_added': '添加照片',
    // orders
    'ord.active': '生效中', 'ord.upcoming': '待生效', 'ord.recent': '已结束', 'ord.none': '没有指令。', 'ord.emergency': '紧急指令',
    'ord.issue': '签发紧急指令', 'ord.items': '涉案财物（{done}/{n} 已完成）', 'ord.done': '已完成', 'ord.pending': '未完成',
    'ord.issued': '紧急指令 {id} 已签发。', 'ord.kind': '指令类型', 'ord.itemIds': '涉案财物', 'ord.addItem': '按 EPC、名称或案件编号查找并添加',
    'ord.validFrom': '生效时间', 'ord.validUntil': '失效时间', 'ord.gates': '允许的出入口', 'ord.direction': '方向',
    'ord.escorts': '押运人员', 'ord.dueAt': '应归还时间', 'ord.zone': '目标库区', 'ord.toAgency': '接收单位', 'ord.note': '备注',
    'ord.source.platform': '平台下发', 'ord.source.local': '现场签发', 'ord.noItems': '请至少添加一件涉案财物。',
    'ordState.open': '待生效', 'ordState.active': '生效中', 'ordState.completed': '已完成', 'ordState.expired': '已过期', 'ordState.cancelled': '已取消',
    'ordKind.transfer_in': '移交', 'ordKind.putaway': '入库', 'ordKind.move': '移库', 'ordKind.retrieve': '调用', 'ordKind.return': '归还',
    'ordKind.circulate': '流转', 'ordKind.dispose': '处置',
    // devices
    'dev.title': '读写器与传感器', 'dev.unavailable': '设备状态尚未提供。', 'dev.online': '在线', 'dev.offline': '离线', 'dev.unknown': '未知',
    'dev.perSecond': '{n} 次/秒', 'dev.summary': '{online}/{n} 台在线',
    'col.clock': '设备时钟', 'dev.clockAhead': '快 {d}', 'dev.clockBehind': '慢 {d}', 'dev.clockOk': '准确', 'dev.clockOff': '需校时',
    'dev.ignoredAntenna': '未配置天线的读数 {n}', 'dev.ignoredAntennaHint': '该读写器在站点文件未列出的天线上读到的标签，门禁不予计入：检查天线接线或站点配置。',
    'dev.ignoredLate': '迟到读数 {n}', 'dev.ignoredLateHint': '到达时该次通行已判定的读数，不再计入。',
    'dev.clockJumps': '跳变 {n} 次', 'dev.clockHint': '与网关时钟之差（含网络延迟）。判定一律以网关时钟为准，设备时间仅作记录。',
    'kind.rfid_reader': 'RFID 读写器', 'kind.env_monitor': '环境监测仪',
    // environment
    'env.title': '环境监测', 'env.subtitle': '各库区当前读数与限值，点击库区查看趋势',
    'env.none': '本中心尚未配置环境监测。', 'env.noReading': '暂无读数', 'env.pick': '点击上方库区，查看其趋势、超限记录和本月温湿度记录。',
    'env.limit': '限值 {range}', 'env.limitOf': '{metric}限值 {range}', 'env.time': '时间', 'env.lastValue': '最新读数 {when}', 'env.stale': '读数已过时',
    'envLevel.ok': '正常', 'envLevel.out': '超出限值', 'envLevel.warning': '超限告警', 'envLevel.critical': '严重超限',
    'metric.temperature': '温度', 'metric.humidity': '湿度', 'metric.smoke': '烟感', 'metric.water': '水浸', 'metric.door': '库门',
    'switch.smoke.0': '正常', 'switch.smoke.1': '报警', 'switch.water.0': '正常', 'switch.water.1': '报警', 'switch.door.0': '关闭', 'switch.door.1': '打开',
    'envLink.at.serial': '串口 {target}', 'envLink.at.tcp': '串口服务器 {target}', 'envLink.at.mqtt': 'MQTT 代理', 'envLink.at.opcua': 'OPC UA 服务器 {target}',
    'envLink.fail.open_failed': '无法打开{place}', 'envLink.fail.read_error': '{place} 读取出错', 'envLink.fail.write_error': '{place} 写入出错',
    'envLink.fail.silence': '{place} 上的设备没有应答', 'envLink.fail.closed': '{place} 的连接被关闭', 'envLink.fail.other': '{place} 故障',
    'envLink.faultWhy': '{what}：{why}',
    'envLink.opcua.unreachable': '连不上 {place}：请检查监控柜是否通电、网线和站点文件中的端点地址', 'envLink.opcua.noEndpoint': '{place} 不提供站点文件要求的安全模式：请核对 securityMode 和 securityPolicy',
    'envLink.opcua.ourCertificate': '{place} 不信任网关的证书：请在服务器上信任网关的证书', 'envLink.opcua.theirCertificate': '网关不信任 {place} 的证书：请把其证书放入信任目录，或在站点文件中固定其指纹',
    'envLink.opcua.login': '{place} 拒绝登录：请核对用户名和密码', 'envLink.opcua.password': '缺少登录 {place} 的密码：请设置站点文件指定的环境变量',
    'envLink.opcua.pki': '网关的证书目录不可用：请检查数据目录的权限和磁盘空间', 'envLink.opcua.silent': '{place} 的订阅没有数据：网关正在重建订阅，持续出现请检查服务器',
    'envLink.opcua.reset': '与 {place} 的连接断开，网关会自动重连', 'envLink.opcua.other': '{place} 故障',
    'envHint.missing': '找不到该端口，请检查 USB 转换器是否插好、站点文件中的路径是否正确', 'envHint.permission': '没有权限，网关的运行用户需加入 dialout 组',
    'envHint.busy': '端口被其他程序占用', 'envHint.refused': '串口服务器拒绝连接，请检查其 IP 地址、端口和 TCP 服务器模式',
    'envHint.unreachable': '连不上串口服务器，请检查网线和网络', 'envHint.io': '读写出错，USB 转换器可能已被拔出',
    'envHint.reset': '连接被对方断开，网关会自动重连', 'envHint.silence': '请检查设备电源、RS-485 接线（A/B）和设备地址',
    'envLink.deviceSilent': '设备没有应答（{place} 正常），请检查设备电源、接线和地址', 'envLink.reconnects': '已重连 {n} 次', 'envLink.notOpen': '{place} 尚未打开', 'envLink.noMonitor': '监测仪状态未知',
    'env.trendOf': '{zone}：趋势', 'env.range': '时间范围', 'env.range.24h': '24 小时', 'env.range.48h': '48 小时', 'env.range.7d': '7 天', 'env.range.30d': '30 天',
    'envRes.raw': '每个读数', 'envRes.1m': '每分钟最低/平均/最高', 'envRes.1h': '每小时最低/平均/最高', 'envRes.1d': '每天最低/平均/最高',
    'env.served': '显示：{res}', 'env.coarser': '（原始读数超过每条曲线 {cap} 个点的上限，网关已汇总）',
    'env.reading': '读数', 'env.avg': '平均', 'env.min': '最低', 'env.max': '最高', 'env.upper': '上限', 'env.lower': '下限',
    'env.noData': '该时段没有读数。', 'env.noTrend': '该库区没有可绘制的读数。',
    'env.excursions': '超限记录', 'env.noExcursions': '该时段没有超限。',
    'env.col.opened': '开始', 'env.col.ended': '结束', 'env.col.metric': '指标', 'env.col.what': '情况', 'env.col.alarm': '告警',
    'env.ongoing': '仍在持续', 'env.lasted': '持续 {d}', 'env.openAlarm': '查看告警',
    'env.worstHigh': '最高 {v}（上限 {lim}）', 'env.worstLow': '最低 {v}（下限 {lim}）', 'env.outOfLimits': '超出限值',
    'envAlarm.smoke': '检测到烟雾', 'envAlarm.water': '检测到漏水', 'envAlarm.door': '非工作时间开门',
    'env.csv': '下载本月温湿度记录（CSV）', 'env.csvFailed': '下载失败：{msg}',
    'alarmPage.title': '告警详情', 'alarmPage.notFound': '找不到该告警（或无权查看）。', 'alarmPage.envWhat': '{metric}：{what}',
    'alarmPage.opened': '发生时间', 'alarmPage.when': '{t}（{rel}）', 'alarmPage.updated': '最后更新', 'alarmPage.occurrences': '触发次数',
    'alarmPage.acknowledged': '确认', 'alarmPage.resolved': '恢复/处置', 'alarmPage.byGateway': '原因消除后由网关自动恢复', 'alarmPage.handle': '到运行监控页处理此告警',
    'item.untagged': '未贴签', 'nav.intake': '标签绑定', 'nav.counts': '盘点',
    'intake.title': '入库贴签（一物一码）', 'intake.subtitle': '为未贴签的物品绑定新标签，或为损坏的标签换签',
    'intake.step1': '① 选择物品', 'intake.step2': '② 选择发卡台', 'intake.start': '开始绑定',
    'intake.chooseBoth': '请选择物品和发卡台。', 'intake.chooseDesk': '请选择发卡台', 'intake.willBind': '将为「{item}」绑定新标签',
    'intake.willReplace': '将为「{item}」换签：旧标签作废', 'intake.searchReplace': '换签：按名称或案号查找已贴签的物品',
    'intake.replace': '换签', 'intake.noUntagged': '没有等待贴签的物品。', 'intake.noDesk': '本中心尚未配置发卡台读写器。',
    'intake.tagTail': '尾号 {tail}', 'intake.runTitle': '绑定：{item}',
    'intake.step.choose': '选择物品', 'intake.step.place': '放上新标签', 'intake.step.done': '完成',
    'intake.place': '请将一枚新标签放到发卡台上（台上只放这一枚）。', 'intake.placeReplace': '请将一枚新标签放到发卡台上；旧标签将作废。',
    'intake.waitingFor': '{desk} 等待中，还剩 {s} 秒', 'intake.cancel': '取消绑定', 'intake.again': '继续下一件',
    'intake.bound': '已为「{item}」绑定标签（{tag}）。', 'intake.replaced': '已为「{item}」换签：新标签 {tag}，旧标签 {old} 已作废。',
    'intake.openItem': '查看物品', 'intake.severalTags': '发卡台上同时读到 {n} 枚新标签，未绑定。请只放一枚后重试。',
    'intake.refused.epc_in_use': '这枚标签已属于「{item}」，未绑定。请换一枚新标签。',
    'intake.refused.epc_retired': '这枚标签曾属于「{item}」，已作废，不能再用。',
    'intake.refused.badge': '读到的是工作人员的工牌，不是物品标签。', 'intake.refused.location_tag': '读到的是货位标签，不是物品标签。',
    'intake.refusedHidden.epc_in_use': '这枚标签已属于另一件物品，未绑定。', 'intake.refusedHidden.epc_retired': '这枚标签已作废，不能再用。',
    'intake.refusedHidden.badge': '读到的是工作人员的工牌，不是物品标签。', 'intake.refusedHidden.location_tag': '读到的是货位标签，不是物品标签。',
    'intake.timedOut': '时限内未读到新标签，未绑定。', 'intake.cancelled': '已取消。',
    'intake.recent': '最近的绑定', 'intake.noneYet': '还没有绑定记录。', 'intake.col.desk': '发卡台', 'intake.col.by': '操作人', 'intake.col.at': '时间',
    'enrol.waiting': '等待标签', 'enrol.bound': '已绑定', 'enrol.several_tags': '多枚标签', 'enrol.refused': '已拒绝', 'enrol.timed_out': '已超时', 'enrol.cancelled': '已取消',
    'counts.title': '盘点', 'counts.subtitle': '货架读写器和手持机读到的，与台账应在的逐一比对',
    'counts.new': '开始盘点', 'counts.open': '开始盘点', 'counts.notePlaceholder': '备注（可选）',
    'counts.howto': '开始后，货架读写器每一轮的读数和手持机（先读货位标签，再读物品）都会计入；结束后生成报告并记入保管台账。',
    'counts.list': '盘点记录', 'counts.none': '还没有盘点记录。', 'counts.locationsN': '{n} 个货位',
    'counts.col.opened': '开始', 'counts.col.closed': '结束', 'counts.col.note': '备注', 'counts.col.class': '结果',
    'counts.col.expectedAt': '应在货位', 'counts.col.seenAt': '读到位置', 'counts.col.via': '读取方式',
    'countState.open': '进行中', 'countState.closed': '已结束',
    'counts.running': '正在盘点：{scope}', 'counts.openedBy': '{who} 于 {when} 开始',
    'counts.fig.expected': '应在', 'counts.fig.found': '已找到', 'counts.fig.misplaced': '错位', 'counts.fig.unexpected': '多出',
    'counts.coverage': '已读到 {n}/{of} 个货位', 'counts.loc.covered': '已读到', 'counts.loc.notYet': '尚未读到',
    'counts.close': '结束盘点并生成报告', 'counts.locations': '货位',
    'counts.reportOf': '盘点报告：{scope}', 'counts.closedBy': '{opened} 至 {closed}，{who} 结束',
    'counts.fingerprint': '报告指纹（SHA-256）：', 'counts.event': '台账事件 #{seq}', 'counts.csv': '下载 CSV', 'counts.json': '下载 JSON',
    'counts.lines': '明细', 'counts.noLines': '范围内没有物品。', 'counts.hiddenItem': '（无权查看）', 'counts.noItem': '不是本中心的物品',
    'countClass.found': '找到', 'countClass.missing': '缺失', 'countClass.misplaced': '错位', 'countClass.unexpected': '多出',
    'countClass.weight_mismatch': '重量不符', 'countClass.not_counted': '未盘到', 'countClass.checked_out': '已调出',
    'countVia.shelf': '货架读写器', 'countVia.handheld': '手持机',
    'shelves.title': '货架', 'shelves.unavailable': '货架状态尚未提供。', 'shelves.none': '本中心尚未配置货架读写器。',
    'shelves.summary': '{watched}/{n} 个货位在监测，{bad} 个需要处理',
    'shelf.state.confirmed': '在位已确认', 'shelf.state.seen': '在位', 'shelf.state.missing': '有物品未见', 'shelf.state.misplaced': '有错放',
    'shelf.state.offline': '读写器离线，未监测', 'shelf.state.unwatched': '无读写器', 'shelf.state.empty': '空', 'shelf.state.weighed': '称重正常', 'shelf.weighs': '重 {g}',
    'shelf.inPlace': '在位 {n}/{of}', 'shelf.notSeenN': '未见 {n}', 'shelf.strangersN': '外来 {n}',
    'shelf.location': '货位 {name}', 'shelf.watchedBy': '由 {devices} 监测', 'shelf.notWatchedBy': '{devices} 离线，当前未监测', 'shelf.lastRound': '上次盘读 {when}',
    'shelf.weight': '称重：实测 {measured}，应为 {expected}（允差 {tolerance}）', 'shelf.weightMissing': '少 {g}',
    'shelf.col.status': '状态', 'shelf.col.lastSeen': '最后读到', 'shelf.col.confirmed': '上架确认', 'shelf.never': '从未读到', 'shelf.noItems': '此货位没有应在的物品。',
    'shelf.item.confirmed': '在位已确认', 'shelf.item.seen': '在位', 'shelf.item.not_seen': '未见', 'shelf.item.misplaced_here': '错放到此', 'shelf.item.away': '在别处',
    'unit.kg': '{n} 千克', 'unit.g': '{n} 克',
    'kind.shelf_reader': '货架读写器', 'kind.desk_reader': '登记台读写器', 'kind.load_cell': '称重传感器',
    'sync.title': '平台同步', 'sync.unavailable': '同步状态暂不可读。', 'sync.notConfigured': '本站未配置市级平台：账本完整保存在本地，暂不上传。',
    'sync.summaryOk': '已全部上传', 'sync.summaryDraining': '正在上传 {n} 条', 'sync.summaryFailing': '连接中断，{n} 条待上传',
    'sync.dest.platform:main': '市级平台 · 主账本', 'sync.dest.platform:restricted': '市级平台 · 专区账本锚点', 'sync.dest.commission:restricted': '纪委监委 · 专区账本',
    'sync.state': '状态', 'sync.state.idle': '正常', 'sync.state.sending': '上传中', 'sync.state.retrying': '等待重试', 'sync.state.not_configured': '未配置密钥',
    'sync.backlog': '待上传事件', 'sync.backlogAnchor': '未锚定事件', 'sync.oldestUnsent': '最早待上传', 'sync.ackedThrough': '平台已确认至', 'sync.seq': '第 {n} 条',
    'sync.lastSuccess': '最后成功', 'sync.nextAttempt': '下次重试', 'sync.never': '尚无', 'sync.since': '自 {when}',
    'sync.anchorNote': '专区账本的内容不上传市级平台，只上传其签名的账本头（序号与哈希）作为锚点。',
    'sync.inbox': '平台下发', 'sync.lastPoll': '最后收到', 'sync.refused': '拒收的下发', 'sync.alarmsPending': '待上传告警', 'sync.inventorySent': '库存快照上传',
    'sync.refusals': '拒收记录', 'sync.noRefusals': '没有拒收的下发。', 'sync.col.change': '下发内容', 'sync.col.reason': '拒收原因',
    'sync.kind.order': '指令', 'sync.kind.staff': '人员', 'sync.kind.item': '清单物品',
    'sync.err.NETWORK': '平台不可达', 'sync.err.TIMEOUT': '平台无响应（超时）', 'sync.err.CLOCK_SKEW': '时钟偏差超过5分钟，平台拒绝', 'sync.err.REPLY_CLOCK_SKEW': '平台应答时钟偏差超过5分钟',
    'sync.err.BAD_REPLY_SIGNATURE': '应答签名不符（不是平台的应答）', 'sync.err.UNSIGNED_REPLY': '应答未签名（可能是代理或错误页）', 'sync.err.NOT_JSON': '应答格式错误',
    'sync.err.BAD_SIGNATURE': '平台拒绝本站签名（密钥不符）', 'sync.err.UNKNOWN_KEY': '平台不认识本站密钥', 'sync.err.CHAIN_BROKEN': '平台拒收：账本链不一致', 'sync.err.SEQUENCE_GAP': '序号不连续',
    'sync.err.ACK_BEYOND_SENT': '平台确认了未发送的事件', 'sync.err.ACK_BEHIND': '平台确认倒退', 'sync.err.ACK_HASH_MISMATCH': '平台确认的哈希与本地不符', 'sync.err.BAD_ACK': '确认格式错误',
    'sync.err.LEDGER_SHORTER_THAN_PLATFORM': '本地账本比平台确认的短：请核验账本', 'sync.err.NOT_CONFIGURED': '未配置密钥', 'sync.err.INTERNAL': '平台内部错误', 'sync.err.GATEWAY_ERROR': '网关内部错误',
    'sync.err.HTTP_500': '平台内部错误', 'sync.err.HTTP_502': '平台网关错误', 'sync.err.HTTP_503': '平台暂不可用', 'sync.err.BAD_CHANGES': '下发格式错误', 'sync.err.TOO_LARGE': '批次过大',
    'sync.refusal.VALIDATION_FAILED': '格式不符', 'sync.refusal.SITE_OWNED': '由本站配置文件管理', 'sync.refusal.NOT_PLATFORM_ORDER': '本站签发的指令', 'sync.refusal.BADGE_IN_USE': '工牌已属他人',
    'sync.refusal.EPC_IN_USE': '标签已被使用', 'sync.refusal.ITEM_NOT_FOUND': '物品不存在', 'sync.refusal.ORDER_NOT_FOUND': '指令不存在', 'sync.refusal.UNKNOWN_AGENCY': '单位不存在',
    'sync.refusal.UNKNOWN_STAFF': '人员不存在', 'sync.refusal.UNKNOWN_CATEGORY': '类别不存在', 'sync.refusal.ITEM_EXISTS': '物品编号已存在', 'sync.refusal.STORAGE_NOT_ALLOWED': '违反分类存放', 'sync.refusal.CONSTRAINT': '与本地数据冲突',
    'placeholder.coming': '即将提供', 'zone.outside': '库外',
  },
  en: {
    'app.title': 'Case-Property Storage Center', 'app.subtitle': 'Edge gateway',
    'signin.title': 'Sign in', 'signin.token': 'Access token', 'signin.hint': 'The token is kept for this browser session only.',
    'signin.submit': 'Sign in', 'signin.bad': 'That token is not valid.', 'signin.down': 'The gateway cannot be reached; try again shortly.',
    'signout': 'Sign out', 'lang.switch': '中文', 'sound.on': 'Sound on', 'sound.off': 'Sound off',
    'nav.operations': 'Operations', 'nav.inventory': 'Inventory', 'nav.orders': 'Orders', 'nav.devices': 'Devices',
    'nav.environment': 'Environment', 'nav.shelves': 'Shelves', 'nav.sync': 'Platform sync',
    'role.operator': 'Operator', 'role.supervisor': 'Supervisor', 'role.agency': 'Handling unit', 'role.discipline': 'Discipline commission',
    'role.auditor': 'Auditor', 'role.admin': 'Administrator', 'role.unknown': 'Unknown role',
    'offline.banner': 'The gateway cannot be reached. Data may be out of date; retrying automatically…', 'offline.retryIn': 'retry in {s} s', 'offline.retryNow': 'Retry now',
    'stream.live': 'Live', 'stream.polling': 'Polling', 'stream.down': 'Offline',
    'common.loading': 'Loading…', 'common.empty': 'Nothing here', 'common.notAvailable': 'This is not available on the gateway yet.',
    'common.error': 'Something went wrong: {msg}', 'common.forbidden': 'Your role may not see this.', 'common.more': 'Load more', 'common.back': 'Back',
    'common.cancel': 'Cancel', 'common.submit': 'Submit', 'common.close': 'Close', 'common.none': '—', 'common.all': 'All',
    'common.updated': 'Updated {t}',
    'ops.alarms': 'Alarms', 'ops.openAlarms': 'Open alarms', 'ops.noAlarms': 'No open alarms.', 'ops.gates': 'Gates',
    'ops.crossings': 'Gate crossings (live)', 'ops.noCrossings': 'No crossings yet.', 'ops.badgeOf': 'Badge:', 'ops.events': 'Recent custody events',
    'ops.ack': 'Acknowledge', 'ops.resolve': 'Resolve', 'ops.note': 'Note (required)', 'ops.noteRequired': 'A note is required.',
    'ops.ackedBy': 'Acknowledged by {who} at {t}: {note}', 'ops.occurrences': '{n}×', 'ops.selfResolving': 'Resolves itself when the cause ends',
    'ops.showAcked': 'Include acknowledged', 'ops.msg.overdue': 'Was due back {due}; taken by {who}', 'ops.msg.unauthorized': 'Crossed {gate} ({dir}) with no order covering it', 'ops.gatesUnavailable': 'Gate states are not available yet.', 'ops.crossingsUnavailable': 'Crossings are not available yet.',
    'col.time': 'Time', 'col.gate': 'Gate', 'col.item': 'Item', 'col.direction': 'Direction', 'col.order': 'Order',
    'col.escort': 'Escort', 'col.decision': 'Decision', 'col.kind': 'Kind', 'col.severity': 'Severity', 'col.state': 'State',
    'col.epc': 'EPC', 'col.case': 'Case number', 'col.agency': 'Handling unit', 'col.zone': 'Zone', 'col.location': 'Location',
    'col.category': 'Category', 'col.quantity': 'Quantity', 'col.name': 'Name', 'col.items': 'Items', 'col.dueAt': 'Due back',
    'col.overdueBy': 'Overdue by', 'col.who': 'Who', 'col.what': 'What', 'col.where': 'Where', 'col.readers': 'Readers',
    'col.device': 'Device', 'col.format': 'Format', 'col.online': 'State', 'col.lastSeen': 'Last seen', 'col.rate': 'Read rate',
    'col.accepted': 'Accepted', 'col.rejected': 'Rejected', 'col.window': 'Valid', 'col.approvedBy': 'Approved by', 'col.purpose': 'Purpose',
    'col.message': 'Message',
    'dir.in': 'In', 'dir.out': 'Out', 'dir.any': 'Either',
    'decision.authorised': 'Authorised', 'decision.alarm': 'Alarm', 'decision.ignored': 'Ignored', 'decision.badge': 'Staff badge', 'decision.undetermined': 'Undetermined', 'decision.failed': 'Decision failed', 'decision.unknown_tag': 'Unknown tag',
    'gate.idle': 'Idle', 'gate.crossing': 'Crossing', 'gate.alarm': 'Alarm', 'gate.unknown': 'Unknown',
    'sev.critical': 'Critical', 'sev.warning': 'Warning',
    'alarmState.open': 'Open', 'alarmState.acknowledged': 'Acknowledged', 'alarmState.resolved': 'Resolved',
    'alarm.unauthorized_movement': 'Unauthorised movement', 'alarm.escort_missing': 'Escort missing', 'alarm.restricted_zone_breach': 'Restricted-zone breach',
    'alarm.unexpected_removal': 'Unexpected removal', 'alarm.misplaced': 'Misplaced', 'alarm.overdue_return': 'Overdue return', 'alarm.unknown_tag': 'Unknown tag',
    'alarm.environment': 'Environment', 'alarm.device_offline': 'Device offline', 'alarm.manifest_discrepancy': 'Manifest discrepancy', 'alarm.decision_failed': 'Decision failed', 'alarm.order_cancelled_upstream': 'Order cancelled upstream (items out)', 'alarm.sync_refused': 'Ledger refused by the platform', 'alarm.storage_full': 'Storage full',
    'alarm.due_soon': 'Due soon', 'alarm.retention_exceeded': 'Retention exceeded',
    'ops.msg.dueSoon': 'Due back {due} ({rel}); taken by {who}', 'ops.msg.retention': 'Case {case}: {basis} ended {until}',
    'warn.title': 'Warnings: due soon and retention exceeded', 'warn.dueSoon': 'Due soon (back within 24 hours)', 'warn.retention': 'Retention exceeded',
    'warn.noDueSoon': 'Nothing is due back within 24 hours.', 'warn.noRetention': 'No item is kept past its retention period.', 'warn.more': '{n} more not listed.',
    'col.retainUntil': 'Keep until', 'col.basis': 'Basis', 'col.dueIn': 'Due in', 'col.takenBy': 'Taken by',
    'basis.category': 'category retention period ({n} days)', 'basis.case': 'case retention date',
    'inv.zones': 'Zones', 'inv.search': 'Search', 'inv.searchPlaceholder': 'EPC, case number or item name', 'inv.searchAgency': 'Handling unit',
    'inv.results': 'Search results', 'inv.noResults': 'No items match.', 'inv.locations': 'Locations in {zone}',
    'inv.itemsAt': 'Items at {location}', 'inv.overdue': 'Overdue', 'inv.noOverdue': 'No item is overdue.',
    'inv.stored': 'Stored', 'inv.out': 'Out', 'inv.received': 'Awaiting putaway', 'inv.locationsN': '{n} locations', 'inv.itemsInZone': 'Items in {zone}',
    'inv.missingNote': 'The missing and misplaced lists come with the shelves feature.',
    'item.detail': 'Item', 'item.timeline': 'Chain of custody', 'item.checkout': 'Retrieval', 'item.taken': 'Taken by',
    'item.due': 'Due back', 'item.returnedAt': 'Returned', 'item.ledger': 'Ledger verification', 'item.ledgerOk': 'Ledger intact: {n} events, hash chain and signed head match',
    'item.ledgerBad': 'Ledger verification FAILED at seq {seq}: {msg}', 'item.ledgerUnavailable': 'The ledger verification is not available.', 'item.hash': 'Hash', 'chain.main': 'Main ledger', 'chain.restricted': 'Restricted-zone ledger',
    'nav.confirmations': 'Two-person', 'dc.title': 'Two-person confirmations', 'dc.onItem': 'Two-person operations (second person confirms)', 'dc.none': 'No two-person operation waits.', 'dc.noneOnItem': 'No two-person operations on this item.',
    'dc.state.pending': 'Waiting for a second person', 'dc.state.confirmed': 'Confirmed', 'dc.state.expired': 'Expired', 'dc.state.refused': 'Refused',
    'dc.tab.pending': 'Waiting', 'dc.tab.all': 'All',
    'dc.confirm': 'Confirm (second person)', 'dc.refuse': 'Refuse', 'dc.withdraw': 'Withdraw', 'dc.reason': 'Reason (required)', 'dc.reasonRequired': 'A reason is required.',
    'dc.waitingForOther': 'Waiting for another staff member to confirm', 'dc.requestedBy': 'Asked by {who} at {t}', 'dc.expiresIn': 'expires {t}', 'dc.expiredAt': 'expired at {t}',
    'dc.confirmedBy': 'Confirmed by {who} at {t}', 'dc.refusedBy': 'Refused by {who} at {t}', 'dc.viaBadge': 'badge at the desk', 'dc.attempts': 'The requester tried to confirm it {n}× (refused)',
    'dc.condition': 'Condition', 'dc.reasonOf': 'Reason', 'dc.returnedBy': 'Returned by', 'dc.second': 'Second person', 'dc.requested': 'Two-person operation submitted; waiting for a second person.',
    'dc.err.CONFIRMATION_SAME_PERSON': 'Someone other than the requester must confirm it.', 'dc.err.CONFIRMATION_EXPIRED': 'The time to confirm has passed; ask again.',
    'dc.err.CONFIRMATION_NOT_PENDING': 'This operation no longer waits for a confirmation.', 'dc.err.CONFIRMATION_NOT_FOUND': 'No such pending operation.', 'dc.err.FORBIDDEN': 'Your role may not confirm this operation.',
    'item.dual': 'Dual control', 'item.photos': '{n} photos', 'item.notFound': 'No such item (or you may not see it).',
    'state.announced': 'Announced', 'state.received': 'Received', 'state.stored': 'Stored', 'state.out': 'Out', 'state.withdrawn': 'Withdrawn',
    'state.rejected': 'Rejected', 'state.disposed': 'Disposed',
    'ev.announced': 'Announced', 'ev.received': 'Received', 'ev.rejected': 'Rejected', 'ev.withdrawn': 'Withdrawn', 'ev.putaway': 'Put away',
    'ev.moved': 'Moved', 'ev.retrieved': 'Retrieved', 'ev.returned': 'Returned', 'ev.circulated': 'Circulated', 'ev.disposed': 'Disposed',
    'ev.photo_added': 'Photo added',
    'ord.active': 'Active', 'ord.upcoming': 'Upcoming', 'ord.recent': 'Ended', 'ord.none': 'No orders.', 'ord.emergency': 'Emergency',
    'ord.issue': 'Issue an emergency order', 'ord.items': 'Items ({done}/{n} done)', 'ord.done': 'Done', 'ord.pending': 'Pending',
    'ord.issued': 'Emergency order {id} issued.', 'ord.kind': 'Kind', 'ord.itemIds': 'Items', 'ord.addItem': 'Find by EPC, name or case number and add',
    'ord.validFrom': 'Valid from', 'ord.validUntil': 'Valid until', 'ord.gates': 'Gates allowed', 'ord.direction': 'Direction',
    'ord.escorts': 'Escorts', 'ord.dueAt': 'Due back', 'ord.zone': 'Target zone', 'ord.toAgency': 'To handling unit', 'ord.note': 'Note',
    'ord.source.platform': 'From the platform', 'ord.source.local': 'Issued on site', 'ord.noItems': 'Add at least one item.',
    'ordState.open': 'Upcoming', 'ordState.active': 'Active', 'ordState.completed': 'Completed', 'ordState.expired': 'Expired', 'ordState.cancelled': 'Cancelled',
    'ordKind.transfer_in': 'Transfer in', 'ordKind.putaway': 'Putaway', 'ordKind.move': 'Move', 'ordKind.retrieve': 'Retrieve', 'ordKind.return': 'Return',
    'ordKind.circulate': 'Circulate', 'ordKind.dispose': 'Dispose',
    'dev.title': 'Readers and sensors', 'dev.unavailable': 'Device states are not available yet.', 'dev.online': 'Online', 'dev.offline': 'Offline', 'dev.unknown': 'Unknown',
    'dev.perSecond': '{n}/s', 'dev.summary': '{online} of {n} online',
    'col.clock': 'Device clock', 'dev.clockAhead': '{d} ahead', 'dev.clockBehind': '{d} behind', 'dev.clockOk': 'on time', 'dev.clockOff': 'needs setting',
    'dev.ignoredAntenna': 'reads on unmapped antennas: {n}', 'dev.ignoredAntennaHint': 'Tags this reader saw on an antenna the site file does not list; the gate leaves them out. Check the antenna cabling or the site file.',
    'dev.ignoredLate': 'late reads: {n}', 'dev.ignoredLateHint': 'Reads that arrived after their pass was decided; left out.',
    'dev.clockJumps': 'jumped {n}×', 'dev.clockHint': 'Difference from the gateway\'s clock (network delay included). Decisions always use the gateway\'s clock; device times are kept as evidence.',
    'kind.rfid_reader': 'RFID reader', 'kind.env_monitor': 'Environment monitor',
    'env.title': 'Environment', 'env.subtitle': 'Each zone\'s current values against its limits; pick a zone for its trend',
    'env.none': 'This center has no environment monitoring configured.', 'env.noReading': 'No reading yet', 'env.pick': 'Pick a zone above for its trend, its excursions and this month\'s log.',
    'env.limit': 'limit {range}', 'env.limitOf': '{metric} limit {range}', 'env.time': 'Time', 'env.lastValue': 'Last value {when}', 'env.stale': 'stale',
    'envLevel.ok': 'Normal', 'envLevel.out': 'Out of limits', 'envLevel.warning': 'Warning alarm', 'envLevel.critical': 'Critical alarm',
    'metric.temperature': 'Temperature', 'metric.humidity': 'Humidity', 'metric.smoke': 'Smoke', 'metric.water': 'Water', 'metric.door': 'Door',
    'switch.smoke.0': 'Normal', 'switch.smoke.1': 'Alarm', 'switch.water.0': 'Normal', 'switch.water.1': 'Alarm', 'switch.door.0': 'Closed', 'switch.door.1': 'Open',
    'envLink.at.serial': 'serial port {target}', 'envLink.at.tcp': 'device server {target}', 'envLink.at.mqtt': 'the MQTT broker', 'envLink.at.opcua': 'OPC UA server {target}',
    'envLink.fail.open_failed': 'cannot open {place}', 'envLink.fail.read_error': 'error reading {place}', 'envLink.fail.write_error': 'error writing to {place}',
    'envLink.fail.silence': 'no answer on {place}', 'envLink.fail.closed': '{place} closed the connection', 'envLink.fail.other': 'fault on {place}',
    'envLink.faultWhy': '{what}: {why}',
    'envLink.opcua.unreachable': 'cannot reach {place}: check that the cabinet has power, the cable, and the endpoint in the site file', 'envLink.opcua.noEndpoint': '{place} does not offer the security the site file asks for: check securityMode and securityPolicy',
    'envLink.opcua.ourCertificate': '{place} does not trust the gateway\'s certificate: have the server trust it', 'envLink.opcua.theirCertificate': 'the gateway does not trust the certificate of {place}: put it in the trust folder, or pin its fingerprint in the site file',
    'envLink.opcua.login': '{place} refused the login: check the user and password', 'envLink.opcua.password': 'the password for {place} is missing: set the environment variable the site file names',
    'envLink.opcua.pki': 'the gateway\'s certificate folder cannot be used: check the data folder\'s permissions and free space', 'envLink.opcua.silent': 'no data from {place}: the gateway is recreating the subscription; if it lasts, check the server',
    'envLink.opcua.reset': 'the connection to {place} dropped; the gateway reconnects by itself', 'envLink.opcua.other': 'fault on {place}',
    'envHint.missing': 'no such port: check that the USB adapter is plugged in and the path in the site file', 'envHint.permission': 'permission denied: the gateway\'s user must be in the dialout group',
    'envHint.busy': 'another program holds the port', 'envHint.refused': 'the device server refused the connection: check its IP address, port and TCP server mode',
    'envHint.unreachable': 'the device server cannot be reached: check the cable and the network', 'envHint.io': 'input/output error: the USB adapter may have been pulled out',
    'envHint.reset': 'the other end dropped the connection; the gateway reconnects by itself', 'envHint.silence': 'check the device\'s power, the RS-485 wiring (A/B) and its address',
    'envLink.deviceSilent': 'the device does not answer ({place} is fine): check its power, wiring and address', 'envLink.reconnects': 'reconnected {n}×', 'envLink.notOpen': '{place} is not open yet', 'envLink.noMonitor': 'monitor state unknown',
    'env.trendOf': '{zone}: trend', 'env.range': 'Range', 'env.range.24h': '24 h', 'env.range.48h': '48 h', 'env.range.7d': '7 days', 'env.range.30d': '30 days',
    'envRes.raw': 'every reading', 'envRes.1m': 'min/avg/max per minute', 'envRes.1h': 'min/avg/max per hour', 'envRes.1d': 'min/avg/max per day',
    'env.served': 'Shown: {res}', 'env.coarser': '(more raw values than the cap of {cap} points a series: the gateway aggregated them)',
    'env.reading': 'Reading', 'env.avg': 'Average', 'env.min': 'Min', 'env.max': 'Max', 'env.upper': 'Upper limit', 'env.lower': 'Lower limit',
    'env.noData': 'No values in this range.', 'env.noTrend': 'This zone has no values to chart.',
    'env.excursions': 'Excursions', 'env.noExcursions': 'No excursion in this range.',
    'env.col.opened': 'Began', 'env.col.ended': 'Ended', 'env.col.metric': 'Measure', 'env.col.what': 'What happened', 'env.col.alarm': 'Alarm',
    'env.ongoing': 'Still going', 'env.lasted': 'lasted {d}', 'env.openAlarm': 'Open the alarm',
    'env.worstHigh': 'up to {v} (limit {lim})', 'env.worstLow': 'down to {v} (limit {lim})', 'env.outOfLimits': 'out of limits',
    'envAlarm.smoke': 'Smoke detected', 'envAlarm.water': 'Water detected', 'envAlarm.door': 'Opened out of hours',
    'env.csv': 'Download this month\'s log (CSV)', 'env.csvFailed': 'Download failed: {msg}',
    'alarmPage.title': 'Alarm', 'alarmPage.notFound': 'No such alarm (or you may not see it).', 'alarmPage.envWhat': '{metric}: {what}',
    'alarmPage.opened': 'Opened', 'alarmPage.when': '{t} ({rel})', 'alarmPage.updated': 'Last updated', 'alarmPage.occurrences': 'Occurrences',
    'alarmPage.acknowledged': 'Acknowledged', 'alarmPage.resolved': 'Resolved', 'alarmPage.byGateway': 'resolved by the gateway once the cause ended', 'alarmPage.handle': 'Handle this alarm on the Operations page',
    'item.untagged': 'Not tagged yet', 'nav.intake': 'Tagging', 'nav.counts': 'Counts',
    'intake.title': 'Intake tagging (one item, one tag)', 'intake.subtitle': 'Bind a new tag to an untagged item, or replace a damaged tag',
    'intake.step1': '1. Choose the item', 'intake.step2': '2. Choose the desk', 'intake.start': 'Start',
    'intake.chooseBoth': 'Choose an item and a desk.', 'intake.chooseDesk': 'choose a desk', 'intake.willBind': 'A new tag will be bound to “{item}”',
    'intake.willReplace': '“{item}” will be re-tagged: its old tag is retired', 'intake.searchReplace': 'Re-tag: find a tagged item by name or case number',
    'intake.replace': 'Re-tag', 'intake.noUntagged': 'No item is waiting for a tag.', 'intake.noDesk': 'This center has no desk reader configured.',
    'intake.tagTail': 'ending {tail}', 'intake.runTitle': 'Tagging: {item}',
    'intake.step.choose': 'Choose the item', 'intake.step.place': 'Put the new tag down', 'intake.step.done': 'Done',
    'intake.place': 'Put one new tag on the desk (and only that one).', 'intake.placeReplace': 'Put one new tag on the desk; the old tag will be retired.',
    'intake.waitingFor': '{desk} waiting, {s} s left', 'intake.cancel': 'Cancel', 'intake.again': 'Next item',
    'intake.bound': 'Tag {tag} is now bound to “{item}”.', 'intake.replaced': '“{item}” re-tagged: new tag {tag}, old tag {old} retired.',
    'intake.openItem': 'Open the item', 'intake.severalTags': '{n} new tags were on the desk at once: nothing bound. Leave only one and try again.',
    'intake.refused.epc_in_use': 'This tag already belongs to “{item}”: not bound. Use a new tag.',
    'intake.refused.epc_retired': 'This tag belonged to “{item}” and was retired: it cannot be used again.',
    'intake.refused.badge': 'That is a staff badge, not an item tag.', 'intake.refused.location_tag': 'That is a location tag, not an item tag.',
    'intake.refusedHidden.epc_in_use': 'This tag already belongs to another item: not bound.', 'intake.refusedHidden.epc_retired': 'This tag was retired: it cannot be used again.',
    'intake.refusedHidden.badge': 'That is a staff badge, not an item tag.', 'intake.refusedHidden.location_tag': 'That is a location tag, not an item tag.',
    'intake.timedOut': 'No new tag was read in time: nothing bound.', 'intake.cancelled': 'Cancelled.',
    'intake.recent': 'Recent tagging', 'intake.noneYet': 'No tagging yet.', 'intake.col.desk': 'Desk', 'intake.col.by': 'By', 'intake.col.at': 'When',
    'enrol.waiting': 'Waiting for a tag', 'enrol.bound': 'Bound', 'enrol.several_tags': 'Several tags', 'enrol.refused': 'Refused', 'enrol.timed_out': 'Timed out', 'enrol.cancelled': 'Cancelled',
    'counts.title': 'Cycle counts', 'counts.subtitle': 'What the shelf readers and handhelds read, item by item against the ledger',
    'counts.new': 'Start a count', 'counts.open': 'Start', 'counts.notePlaceholder': 'Note (optional)',
    'counts.howto': 'Once started, every round of the shelf readers and every handheld read (a location tag first, then its items) counts; closing it makes the report and records it in the custody ledger.',
    'counts.list': 'Counts', 'counts.none': 'No count yet.', 'counts.locationsN': '{n} locations',
    'counts.col.opened': 'Started', 'counts.col.closed': 'Closed', 'counts.col.note': 'Note', 'counts.col.class': 'Result',
    'counts.col.expectedAt': 'Should be at', 'counts.col.seenAt': 'Read at', 'counts.col.via': 'Read by',
    'countState.open': 'Running', 'countState.closed': 'Closed',
    'counts.running': 'Counting: {scope}', 'counts.openedBy': 'Started by {who} at {when}',
    'counts.fig.expected': 'Expected', 'counts.fig.found': 'Found', 'counts.fig.misplaced': 'Misplaced', 'counts.fig.unexpected': 'Unexpected',
    'counts.coverage': '{n} of {of} locations read', 'counts.loc.covered': 'Read', 'counts.loc.notYet': 'Not read yet',
    'counts.close': 'Close the count and make the report', 'counts.locations': 'Locations',
    'counts.reportOf': 'Count report: {scope}', 'counts.closedBy': '{opened} to {closed}, closed by {who}',
    'counts.fingerprint': 'Report fingerprint (SHA-256):', 'counts.event': 'ledger event #{seq}', 'counts.csv': 'Download CSV', 'counts.json': 'Download JSON',
    'counts.lines': 'Lines', 'counts.noLines': 'No item in scope.', 'counts.hiddenItem': '(not visible to you)', 'counts.noItem': 'Not an item of this center',
    'countClass.found': 'Found', 'countClass.missing': 'Missing', 'countClass.misplaced': 'Misplaced', 'countClass.unexpected': 'Unexpected',
    'countClass.weight_mismatch': 'Weight mismatch', 'countClass.not_counted': 'Not counted', 'countClass.checked_out': 'Checked out',
    'countVia.shelf': 'Shelf reader', 'countVia.handheld': 'Handheld',
    'shelves.title': 'Shelves', 'shelves.unavailable': 'Shelf states are not available yet.', 'shelves.none': 'This center has no shelf readers configured.',
    'shelves.summary': '{watched} of {n} locations watched, {bad} need attention',
    'shelf.state.confirmed': 'In place, confirmed', 'shelf.state.seen': 'In place', 'shelf.state.missing': 'Item not seen', 'shelf.state.misplaced': 'Misplaced item',
    'shelf.state.offline': 'Reader offline, not watched', 'shelf.state.unwatched': 'No reader', 'shelf.state.empty': 'Empty', 'shelf.state.weighed': 'Weight as expected', 'shelf.weighs': 'weighs {g}',
    'shelf.inPlace': '{n}/{of} in place', 'shelf.notSeenN': '{n} not seen', 'shelf.strangersN': '{n} foreign',
    'shelf.location': 'Location {name}', 'shelf.watchedBy': 'Watched by {devices}', 'shelf.notWatchedBy': '{devices} offline: not watched now', 'shelf.lastRound': 'last round {when}',
    'shelf.weight': 'Weight: measured {measured}, expected {expected} (tolerance {tolerance})', 'shelf.weightMissing': '{g} short',
    'shelf.col.status': 'Status', 'shelf.col.lastSeen': 'Last seen', 'shelf.col.confirmed': 'Putaway confirmed', 'shelf.never': 'Never seen', 'shelf.noItems': 'No item belongs at this location.',
    'shelf.item.confirmed': 'In place, confirmed', 'shelf.item.seen': 'In place', 'shelf.item.not_seen': 'Not seen', 'shelf.item.misplaced_here': 'Misplaced here', 'shelf.item.away': 'Elsewhere',
    'unit.kg': '{n} kg', 'unit.g': '{n} g',
    'kind.shelf_reader': 'Shelf reader', 'kind.desk_reader': 'Desk reader', 'kind.load_cell': 'Load cell',
    'sync.title': 'Platform sync', 'sync.unavailable': 'The sync state cannot be read now.', 'sync.notConfigured': 'No city platform is configured for this site: the ledger is kept whole here; nothing goes up.',
    'sync.summaryOk': 'All sent', 'sync.summaryDraining': 'Sending {n}', 'sync.summaryFailing': 'Link down, {n} waiting',
    'sync.dest.platform:main': 'City platform · main ledger', 'sync.dest.platform:restricted': 'City platform · restricted ledger anchor', 'sync.dest.commission:restricted': 'Discipline commission · restricted ledger',
    'sync.state': 'State', 'sync.state.idle': 'OK', 'sync.state.sending': 'Sending', 'sync.state.retrying': 'Waiting to retry', 'sync.state.not_configured': 'No secret set',
    'sync.backlog': 'Events waiting', 'sync.backlogAnchor': 'Events not anchored', 'sync.oldestUnsent': 'Oldest waiting', 'sync.ackedThrough': 'Acknowledged through', 'sync.seq': 'event {n}',
    'sync.lastSuccess': 'Last success', 'sync.nextAttempt': 'Next attempt', 'sync.never': 'Not yet', 'sync.since': 'since {when}',
    'sync.anchorNote': 'The restricted ledger\'s content never goes to the city platform: only its signed head (seq and hash) does, as an anchor.',
    'sync.inbox': 'From the platform', 'sync.lastPoll': 'Last heard', 'sync.refused': 'Changes refused', 'sync.alarmsPending': 'Alarms waiting', 'sync.inventorySent': 'Inventory snapshot sent',
    'sync.refusals': 'Refused changes', 'sync.noRefusals': 'No change was refused.', 'sync.col.change': 'Change', 'sync.col.reason': 'Reason',
    'sync.kind.order': 'Order', 'sync.kind.staff': 'Staff', 'sync.kind.item': 'Manifest item',
    'sync.err.NETWORK': 'Platform unreachable', 'sync.err.TIMEOUT': 'No answer (timeout)', 'sync.err.CLOCK_SKEW': 'Clocks more than 5 minutes apart: refused', 'sync.err.REPLY_CLOCK_SKEW': 'Reply signed more than 5 minutes off our clock',
    'sync.err.BAD_REPLY_SIGNATURE': 'Reply signature does not verify (not the platform)', 'sync.err.UNSIGNED_REPLY': 'Unsigned reply (a proxy or an error page?)', 'sync.err.NOT_JSON': 'Malformed reply',
    'sync.err.BAD_SIGNATURE': 'The platform refuses our signature (wrong secret)', 'sync.err.UNKNOWN_KEY': 'The platform does not know our key', 'sync.err.CHAIN_BROKEN': 'Refused: the chains disagree', 'sync.err.SEQUENCE_GAP': 'Sequence gap',
    'sync.err.ACK_BEYOND_SENT': 'Acknowledged events never sent', 'sync.err.ACK_BEHIND': 'Acknowledgement went backwards', 'sync.err.ACK_HASH_MISMATCH': 'Acknowledged hash is not ours', 'sync.err.BAD_ACK': 'Malformed acknowledgement',
    'sync.err.LEDGER_SHORTER_THAN_PLATFORM': 'Local ledger shorter than the platform acknowledged: verify it', 'sync.err.NOT_CONFIGURED': 'No secret set', 'sync.err.INTERNAL': 'Platform error', 'sync.err.GATEWAY_ERROR': 'Gateway error',
    'sync.err.HTTP_500': 'Platform error', 'sync.err.HTTP_502': 'Bad gateway', 'sync.err.HTTP_503': 'Platform unavailable', 'sync.err.BAD_CHANGES': 'Malformed changes', 'sync.err.TOO_LARGE': 'Batch too large',
    'sync.refusal.VALIDATION_FAILED': 'Does not match its schema', 'sync.refusal.SITE_OWNED': 'Owned by the site file', 'sync.refusal.NOT_PLATFORM_ORDER': 'An order issued on site', 'sync.refusal.BADGE_IN_USE': 'Badge belongs to someone else',
    'sync.refusal.EPC_IN_USE': 'Tag already in use', 'sync.refusal.ITEM_NOT_FOUND': 'No such item', 'sync.refusal.ORDER_NOT_FOUND': 'No such order', 'sync.refusal.UNKNOWN_AGENCY': 'No such agency',
    'sync.refusal.UNKNOWN_STAFF': 'No such staff member', 'sync.refusal.UNKNOWN_CATEGORY': 'No such category', 'sync.refusal.ITEM_EXISTS': 'Item id exists', 'sync.refusal.STORAGE_NOT_ALLOWED': 'Against the storage rules', 'sync.refusal.CONSTRAINT': 'Conflicts with local data',
    'placeholder.coming': 'Coming', 'zone.outside': 'Outside',
  },
};
// Each feature's texts live in a file of their own, so that features added side by side do not edit one block.
for (const part of [statistics, floorMap, caseTexts]) for (const l of ['zh', 'en']) Object.assign(D[l], part[l]);

/** The text for `key` in the current language, with {name} placeholders filled. */
export function t(key, params = {}) {
  const s = D[lang][key] ?? D.zh[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (params[k] ?? `{${k}}`));
}
/** A label from a family ('alarm', 'state', …) with a fallback to the raw value. */
export function label(family, value) {
  if (value === null || value === undefined) return t('common.none');
  const k = `${family}.${value}`;
  return D[lang][k] ?? D.zh[k] ?? String(value);
}
/** The name of a thing with a Chinese name and an optional English one. */
export const nameOf = (x) => (x ? (lang === 'en' && x.nameEn ? x.nameEn : x.name) : t('common.none'));

export const fmtNumber = (n, opts) => (n === null || n === undefined ? t('common.none') : new Intl.NumberFormat(locale(), opts).format(n));

// Every date is shown on the site's wall clock (site.timezone, from /api/health and /api/v1/me), not
// the browser's: a supervisor on a laptop set to another zone reads the same due time as the desk.
let timeZone = 'Asia/Shanghai';
export const getTimeZone = () => timeZone;
export function setTimeZone(tz) {
  if (!tz || tz === timeZone) return;
  try { new Intl.DateTimeFormat('en-US', { timeZone: tz }); timeZone = tz; } catch { /* a zone this browser does not know: keep the last good one */ }
}
/** An Intl.DateTimeFormat in the user's language and the site's zone. */
export const dateFormat = (opts) => new Intl.DateTimeFormat(locale(), { ...opts, timeZone });

export function fmtDateTime(iso, opts = { dateStyle: 'medium', timeStyle: 'short' }) {
  if (!iso) return t('common.none');
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : dateFormat(opts).format(d);
}

/** The site's wall clock at an instant, as parts (month from 1). */
function siteParts(ms) {
  const p = {};
  for (const x of new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(ms)) p[x.type] = Number(x.value);
  return p;
}
const siteOffset = (ms) => { const p = siteParts(ms); return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - (ms - (((ms % 1000) + 1000) % 1000)); };
/** A Date as the value of an <input type="datetime-local">, on the site's wall clock. */
export function toSiteInput(d) {
  const p = siteParts(d.getTime());
  const z = (n) => String(n).padStart(2, '0');
  return `${p.year}-${z(p.month)}-${z(p.day)}T${z(p.hour)}:${z(p.minute)}`;
}
/** The UTC instant (ISO) that an <input type="datetime-local"> value means on the site's wall clock. */
export function fromSiteInput(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value ?? '');
  if (!m) return null; // the API refuses it by the field's name
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0));
  const first = wall - siteOffset(wall);
  return new Date(Math.min(first, wall - siteOffset(first))).toISOString();
}
export const fmtTime = (iso) => fmtDateTime(iso, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
/** "3 days ago", "in 2 hours" … */
export function fmtRelative(iso, now = Date.now()) {
  if (!iso) return t('common.none');
  const diff = (new Date(iso).getTime() - now) / 1000;
  const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
  const abs = Math.abs(diff);
  if (abs < 60) return rtf.format(Math.round(diff), 'second');
  if (abs < 3600) return rtf.format(Math.round(diff / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), 'hour');
  return rtf.format(Math.round(diff / 86400), 'day');
}
/** A short span (a clock's error): its two largest units of days, hours, minutes and seconds, in the user's locale. */
export function fmtSpan(ms) {
  // Rounded to the second before it is split, so that 4 min 59.99 s reads as 5 min, not 4.
  const s = Math.round(ms / 1000);
  const parts = [[Math.floor(s / 86400), 'day'], [Math.floor(s / 3600) % 24, 'hour'], [Math.floor(s / 60) % 60, 'minute'], [s % 60, 'second']];
  const first = parts.findIndex(([n]) => n > 0);
  const unit = (n, u) => new Intl.NumberFormat(locale(), { style: 'unit', unit: u, unitDisplay: 'short' }).format(n);
  return parts.slice(Math.max(first, 0), Math.max(first, 0) + 2).filter(([n], i) => i === 0 || n > 0).map(([n, u]) => unit(n, u)).join(' ');
}
/** A duration in days and hours, in the user's locale. */
export function fmtDuration(ms) {
  const days = Math.floor(ms / 86400000);
  const hours = Math.floor((ms % 86400000) / 3600000);
  const unit = (n, u) => new Intl.NumberFormat(locale(), { style: 'unit', unit: u, unitDisplay: 'short' }).format(n);
  return days > 0 ? unit(days, 'day') : unit(hours, 'hour');
}
