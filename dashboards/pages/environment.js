// Environment (a place held for the environment issue): one chart per zone and measure, drawn
// with the zone's limits. Readings come from GET /api/v1/environment?zone= once it exists.
import { apiOptional } from '../api.js';
import { h, clear } from '../dom.js';
import { t, nameOf } from '../i18n.js';
import { panel, badge } from '../ui.js';
import { lineChart } from '../components/chart.js';

const MEASURES = [{ id: 'temperature', unit: '°C', key: 'env.temperature' }, { id: 'humidity', unit: '%', key: 'env.humidity' }];

export default async function environment(root, { ref }) {
  const zones = ref.zones.filter((z) => Object.keys(z.limits ?? {}).length);
  const grid = h('div.env-grid', { 'data-testid': 'environment' });
  clear(root, h('div.page-head', h('h1', t('env.title')), badge(t('placeholder.coming'), 'info')), h('p.status.unavailable', t('env.note')), grid);
  for (const z of zones) {
    const readings = await apiOptional('/environment', { query: { zone: z.id } }, null).catch(() => null);
    const charts = MEASURES.filter((m) => z.limits[m.id]).map((m) => lineChart({
      title: t(m.key), unit: m.unit, limits: z.limits[m.id], height: 200, width: 380,
      series: [{ name: t(m.key), points: readings?.data?.filter((r) => r.measure === m.id).map((r) => ({ t: r.at, v: r.value })) ?? [] }],
      emptyText: t('common.empty'),
    }));
    grid.append(panel(nameOf(z), charts.length ? h('div.chart-pair', charts) : h('p.muted', t('env.noLimits'))));
  }
}
