// History-API routing: the gateway answers index.html for every path without a dot.
const routes = [];
let current = null;
let onChange = () => {};

export function route(pattern, load) {
  const keys = [];
  const re = new RegExp(`^${pattern.replace(/:(\w+)/g, (_, k) => { keys.push(k); return '([^/]+)'; })}/?$`);
  routes.push({ re, keys, load, pattern });
}

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path); else history.pushState(null, '', path);
  resolve();
}

export function onRoute(fn) { onChange = fn; }

export function resolve() {
  const path = location.pathname;
  for (const r of routes) {
    const m = r.re.exec(path);
    if (m) {
      const params = Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1])]));
      current = { ...r, params, query: new URLSearchParams(location.search), path };
      onChange(current);
      return;
    }
  }
  navigate('/operations', { replace: true });
}

export const currentRoute = () => current;

window.addEventListener('popstate', resolve);
document.addEventListener('click', (e) => {
  const a = e.target.closest?.('a[data-link]');
  if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(a.getAttribute('href'));
});
