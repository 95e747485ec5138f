// The shell: sign-in, header (site, user and role, language, sound), navigation, the offline
// banner, and the router that mounts one page module at a time.
import { api, ApiError, onReachability, isReachable, nextProbeAt } from './api.js';
import { session } from './session.js';
import { h, clear } from './dom.js';
import { t, label, getLang, setLang, onLang, nameOf, setTimeZone } from './i18n.js';
import { route, resolve, onRoute, navigate, currentRoute } from './router.js';
import { refData, resetRefData } from './refdata.js';
import { startStream, stopStream, on as onStream, streamMode } from './stream.js';
import { unlock, isMuted, setMuted } from './sound.js';

const app = document.getElementById('app');
let site = null;
let mounted = null; // { cleanup }

const NAV = [
  { path: '/operations', key: 'nav.operations', page: () => import('./pages/operations.js') },
  { path: '/inventory', key: 'nav.inventory', page: () => import('./pages/inventory.js') },
  { path: '/orders', key: 'nav.orders', page: () => import('./pages/orders.js') },
  { path: '/confirmations', key: 'nav.confirmations', page: () => import('./pages/confirmations.js'), hide: (role) => role === 'admin' },
  { path: '/devices', key: 'nav.devices', page: () => import('./pages/devices.js'), hide: (role) => role === 'agency' },
  { path: '/environment', key: 'nav.environment', page: () => import('./pages/environment.js') },
  { path: '/shelves', key: 'nav.shelves', page: () => import('./pages/shelves.js') },
  { path: '/intake', key: 'nav.intake', page: () => import('./pages/intake.js'), hide: (role) => ['agency', 'auditor', 'admin'].includes(role) },
  { path: '/counts', key: 'nav.counts', page: () => import('./pages/counts.js'), hide: (role) => ['agency', 'admin'].includes(role) },
  { path: '/statistics', key: 'nav.statistics', page: () => import('./pages/statistics.js') },
  { path: '/sync', key: 'nav.sync', page: () => import('./pages/sync.js'), hide: (role) => role === 'agency' || role === 'operator' },
];

route('/', null);
route('/operations', () => import('./pages/operations.js'));
route('/inventory', () => import('./pages/inventory.js'));
route('/inventory/zones/:zone', () => import('./pages/inventory.js'));
route('/inventory/zones/:zone/locations/:location', () => import('./pages/inventory.js'));
route('/items/:id', () => import('./pages/item.js'));
route('/cases/:id', () => import('./pages/case.js'));
route('/print/checkout/:orderId/:itemId', () => import('./pages/print.js'));
route('/print/receipt/:orderId', () => import('./pages/print.js'));
route('/print/custody/:itemId', () => import('./pages/print.js'));
route('/orders', () => import('./pages/orders.js'));
route('/orders/new', () => import('./pages/order-form.js'));
route('/confirmations', () => import('./pages/confirmations.js'));
route('/devices', () => import('./pages/devices.js'));
route('/environment', () => import('./pages/environment.js'));
route('/environment/:zone', () => import('./pages/environment.js'));
route('/alarms/:id', () => import('./pages/alarm.js'));
route('/shelves', () => import('./pages/shelves.js'));
route('/shelves/:location', () => import('./pages/shelves.js'));
route('/intake', () => import('./pages/intake.js'));
route('/counts', () => import('./pages/counts.js'));
route('/counts/:id', () => import('./pages/counts.js'));
route('/statistics', () => import('./pages/statistics.js'));
route('/sync', () => import('./pages/sync.js'));

/** Who does this token belong to (its role decides which actions the pages offer). */
async function whoAmI(token) {
  const me = await api('/me', { token });
  setTimeZone(me?.site?.timezone);
  return me;
}

async function loadSite() {
  try { site = await api('/api/health'); } catch { site = null; }
  // Every page reads dates in the site's zone: set it before any page draws one.
  setTimeZone(site?.timezone);
}

function renderSignIn(message) {
  stopStream();
  mounted?.cleanup?.();
  mounted = null;
  const input = h('input#token', { type: 'password', autocomplete: 'off', required: true, name: 'token', 'aria-label': t('signin.token') });
  const msg = h('p.form-error', { role: 'alert' }, message ?? '');
  const button = h('button.primary', { type: 'submit' }, t('signin.submit'));
  const form = h('form.signin-card', {
    onsubmit: async (e) => {
      e.preventDefault();
      unlock();
      const token = input.value.trim();
      if (!token) return;
      button.disabled = true;
      msg.textContent = '';
      try {
        const user = await whoAmI(token);
        session.signIn(token, user);
        await startApp();
      } catch (err) {
        msg.textContent = err.status === 401 ? t('signin.bad') : err.unreachable ? t('signin.down') : t('common.error', { msg: err.message });
      } finally { button.disabled = false; }
    },
  },
  h('h1', t('app.title')),
  h('p.muted', site?.site ? `${t('app.subtitle')} · ${site.site}` : t('app.subtitle')),
  h('label', { for: 'token' }, t('signin.token')), input,
  h('p.hint', t('signin.hint')), msg, button,
  h('button.link.lang-switch', { type: 'button', onclick: () => setLang(getLang() === 'zh' ? 'en' : 'zh') }, t('lang.switch')));
  clear(app, h('div.signin', form), banner());
  input.focus();
}

// ---- offline banner ------------------------------------------------------------------------
let bannerEl = null;
let bannerTimer = null;
function banner() {
  bannerEl = h('div.offline-banner', { role: 'alert', 'data-testid': 'offline-banner', hidden: isReachable() });
  updateBanner();
  return bannerEl;
}
function updateBanner() {
  if (!bannerEl) return;
  const down = !isReachable();
  bannerEl.hidden = !down;
  clearInterval(bannerTimer);
  if (!down) return;
  const draw = () => {
    const s = Math.max(0, Math.ceil((nextProbeAt - Date.now()) / 1000));
    clear(bannerEl, h('strong', '⚠ '), t('offline.banner'), ' ', h('span.muted', t('offline.retryIn', { s })), ' ',
      h('button.small', { type: 'button', onclick: () => api('/api/health').catch(() => {}) }, t('offline.retryNow')));
  };
  draw();
  bannerTimer = setInterval(draw, 1000);
}
onReachability((up) => {
  updateBanner();
  document.body.classList.toggle('offline', !up);
  if (!up && streamBadgeEl) { streamBadgeEl.dataset.mode = 'down'; streamBadgeEl.textContent = t('stream.down'); }
  if (up && session.user) { resetRefData(); mountRoute(currentRoute()); }
});

// ---- the signed-in shell --------------------------------------------------------------------
let shell = null;
let streamBadgeEl = null;
onStream('mode', (m) => { if (streamBadgeEl) { streamBadgeEl.dataset.mode = m; streamBadgeEl.textContent = t(`stream.${m}`); } });
function renderShell() {
  const role = session.role;
  const roleText = [label('role', role), session.user?.agencyId && refCache ? nameOf(refCache.agency.get(session.user.agencyId)) : null].filter(Boolean).join(' · ');
  const streamBadge = h('span.stream-mode', { 'data-mode': streamMode(), title: 'SSE' }, t(`stream.${streamMode()}`));
  streamBadgeEl = streamBadge;
  const soundBtn = h('button.small.ghost', { type: 'button', 'aria-pressed': String(!isMuted()), onclick: () => { setMuted(!isMuted()); unlock(); renderShell(); } }, isMuted() ? `♪ ${t('sound.off')}` : `♪ ${t('sound.on')}`);
  const nav = h('nav.main-nav', { 'aria-label': 'main' }, NAV.filter((n) => !n.hide?.(role)).map((n) =>
    h('a', { href: n.path, 'data-link': '', 'data-nav': n.path.slice(1), class: n.later ? 'later' : '' }, t(n.key))));
  // On a phone the menu folds behind one button that names the page you are on, so that no entry is cut off.
  const current = h('span.nav-current');
  const toggle = h('button.small.ghost.nav-toggle', { type: 'button', 'aria-expanded': 'false', 'data-testid': 'nav-toggle',
    onclick: () => { const open = !header.classList.contains('nav-open'); header.classList.toggle('nav-open', open); toggle.setAttribute('aria-expanded', String(open)); } },
  '☰ ', current);
  nav.addEventListener('click', (e) => { if (e.target.closest('a')) { header.classList.remove('nav-open'); toggle.setAttribute('aria-expanded', 'false'); } });
  const header = h('header.app-header',
    h('div.brand', h('span.logo', '涉'), h('div', h('div.brand-title', t('app.title')), h('div.brand-site', site?.site ? `${siteName()} ` : '', streamBadge))),
    toggle,
    nav,
    h('div.user-box',
      h('span.user', { 'data-testid': 'user-role', 'data-role': role }, session.user?.name ? `${session.user.name} · ${roleText}` : roleText),
      soundBtn,
      h('button.small.ghost.lang-switch', { type: 'button', 'data-testid': 'lang-switch', onclick: () => setLang(getLang() === 'zh' ? 'en' : 'zh') }, t('lang.switch')),
      h('button.small.ghost', { type: 'button', 'data-testid': 'sign-out', onclick: () => { session.signOut(); renderSignIn(); } }, t('signout'))));
  const main = h('main#page', { tabindex: '-1' });
  shell = { header, main, nav, current };
  clear(app, header, banner(), main);
  highlightNav();
  if (currentRoute()) mountRoute(currentRoute());
}

function siteName() { return site?.siteName ?? site?.name ?? site?.site ?? ''; }

function highlightNav() {
  if (!shell) return;
  const path = location.pathname;
  for (const a of shell.nav.querySelectorAll('a')) {
    const p = a.getAttribute('href');
    const active = path === p || path.startsWith(`${p}/`) || (p === '/inventory' && (path.startsWith('/items/') || path.startsWith('/cases/')));
    a.classList.toggle('active', active);
    if (active) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    if (active) shell.current.textContent = a.textContent;
  }
}

let mountSeq = 0;
async function mountRoute(r) {
  if (!shell || !r) return;
  if (!r.load) { navigate('/operations', { replace: true }); return; }
  highlightNav();
  const seq = ++mountSeq;
  mounted?.cleanup?.();
  mounted = null;
  const main = shell.main;
  clear(main, h('div.status.loading', h('span.spinner'), t('common.loading')));
  try {
    const [mod, ref] = await Promise.all([r.load(), refData()]);
    if (seq !== mountSeq) return;
    clear(main);
    const cleanup = await mod.default(main, { params: r.params, query: r.query, ref });
    if (seq !== mountSeq) { cleanup?.(); return; }
    mounted = { cleanup };
    document.title = `${main.querySelector('h1')?.textContent ?? ''} · ${t('app.title')}`;
  } catch (e) {
    if (seq !== mountSeq) return;
    clear(main, h('div.status.error', { role: 'alert' }, t('common.error', { msg: e.message })));
    if (e.status === 0) return; // the banner says it; remount on reconnect
  }
}

let refCache = null;
async function startApp() {
  await loadSite();
  try { refCache = await refData(); } catch { refCache = null; }
  startStream();
  renderShell();
  resolve();
}

onRoute((r) => { if (session.user) mountRoute(r); });
onLang(() => { if (session.user) renderShell(); else renderSignIn(); });
session.onExpired = () => { session.signOut(); resetRefData(); renderSignIn(t('signin.bad')); };
document.addEventListener('click', unlock, { once: true });

(async function boot() {
  await loadSite();
  if (session.token) {
    try {
      session.user = await whoAmI(session.token);
      await startApp();
      return;
    } catch (e) {
      if (e.status === 401) session.signOut();
      else if (e.unreachable) {
        // Keep the token and try again when the gateway is back.
        renderSignIn(t('signin.down'));
        const off = onReachability(async (up) => { if (up && session.token) { off(); session.user = await whoAmI(session.token); startApp(); } });
        return;
      }
    }
  }
  renderSignIn();
})();
