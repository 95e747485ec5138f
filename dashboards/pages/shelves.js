// Shelves (a place held for the shelves issue): shelf sensors, missing and misplaced lists.
import { h, clear } from '../dom.js';
import { t } from '../i18n.js';
import { panel, badge } from '../ui.js';

export default async function shelves(root) {
  clear(root, h('div.page-head', h('h1', t('shelves.title')), badge(t('placeholder.coming'), 'info')),
    panel(t('shelves.title'), h('div.status.unavailable', { 'data-testid': 'placeholder' }, t('shelves.note'))));
}
