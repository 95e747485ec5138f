// The floor-map pages' texts, zh and en, merged into the one dictionary by i18n.js.
export default {
  zh: {
    'fm.panel': '平面图', 'fm.floors': '楼层', 'fm.title': '{floor}平面图', 'fm.gateState': '出入口{state}',
    'fm.zone.critical': '严重告警', 'fm.zone.warning': '警告', 'fm.zone.env': '环境超限', 'fm.zone.none': '正常',
    'fm.openZone': '打开{zone}的货位', 'fm.clickZone': '点击查看该库区的货位',
    'fm.because': '：{kinds}', 'fm.listSep': '、',
  },
  en: {
    'fm.panel': 'Floor map', 'fm.floors': 'Floors', 'fm.title': 'Floor map: {floor}', 'fm.gateState': 'Gate {state}',
    'fm.zone.critical': 'Critical alarm', 'fm.zone.warning': 'Warning', 'fm.zone.env': 'Environment out of limits', 'fm.zone.none': 'Normal',
    'fm.openZone': 'Open the locations of {zone}', 'fm.clickZone': 'Click to see the zone\'s locations',
    'fm.because': ': {kinds}', 'fm.listSep': ', ',
  },
};
