// The statistics pages' texts, zh and en, merged into the one dictionary by i18n.js.
export default { zh: {}, en: {} };
