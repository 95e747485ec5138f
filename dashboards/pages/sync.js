// Platform sync (a place held for the city-platform issue).
import { h, clear } from '../dom.js';
import { t } from '../i18n.js';
import { panel, badge } from '../ui.js';

export default async function sync(root) {
  clear(root, h('div.page-head', h('h1', t('sync.title')), badge(t('placeholder.coming'), 'info')),
    panel(t('sync.title'), h('div.status.unavailable', { 'data-testid': 'placeholder' }, t('sync.note'))));
}
