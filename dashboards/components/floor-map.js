// The floor map (平面图) of the Operations page: the site file's plan drawn as SVG, one floor at a
// time. Zones are filled by their worst state (an open critical alarm red, an open warning amber,
// environment out of its limits yellow, otherwise neutral), gates are lit by their state, an open
// alarm's place (zone, location or gate) flashes, and a crossing runs through its gate in its
// direction. Clicking a zone opens its locations in the inventory. The SVG scales with its viewBox;
// labels are sized in screen pixels, whatever the scale.
import { h, s } from '../dom.js';
import { t, label, nameOf } from '../i18n.js';
import { navigate } from '../router.js';
import { zoneName, gateName } from '../refdata.js';

const STYLESHEET = '/floor-map.css';
function ensureStylesheet() {
  if (document.querySelector(`link[href="${STYLESHEET}"]`)) return;
  document.head.append(h('link', { rel: 'stylesheet', href: STYLESHEET }));
}

/** The area centroid of a simple polygon (its corners' mean when it is degenerate). */
function centroid(outline) {
  let a = 0, cx = 0, cy = 0;
  for (let i = 0; i < outline.length; i++) {
    const [x0, y0] = outline[i];
    const [x1, y1] = outline[(i + 1) % outline.length];
    const f = x0 * y1 - x1 * y0;
    a += f; cx += (x0 + x1) * f; cy += (y0 + y1) * f;
  }
  if (Math.abs(a) < 1e-9) return outline.reduce(([x, y], p) => [x + p[0] / outline.length, y + p[1] / outline.length], [0, 0]);
  return [cx / (3 * a), cy / (3 * a)];
}
function inside([px, py], outline) {
  let c = false;
  for (let i = 0, j = outline.length - 1; i < outline.length; j = i++) {
    const [xi, yi] = outline[i];
    const [xj, yj] = outline[j];
    if ((yi > py) !== (yj > py) && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) c = !c;
  }
  return c;
}
const bbox = (outline) => {
  const xs = outline.map((p) => p[0]);
  const ys = outline.map((p) => p[1]);
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
};
/** Where a zone's name goes: its centroid when that is inside it (an L or T shape may have it outside), else the middle of its widest horizontal run through the box's middle. */
function labelPoint(outline) {
  const c = centroid(outline);
  if (inside(c, outline)) return c;
  const b = bbox(outline);
  for (const fy of [0.5, 0.25, 0.75, 0.1, 0.9]) {
    const y = b.y0 + (b.y1 - b.y0) * fy;
    for (let k = 1; k < 40; k++) { const x = b.x0 + ((b.x1 - b.x0) * k) / 40; if (inside([x, y], outline)) { let e = x; while (e < b.x1 && inside([e, y], outline)) e += (b.x1 - b.x0) / 80; return [(x + e) / 2, y]; } }
  }
  return c;
}

const ZONE_RANK = { none: 0, env: 1, warning: 2, critical: 3 };
const ENV_TO_STATE = { ok: 'none', out: 'env', warning: 'env', critical: 'critical' };

/**
 * plan: GET /floor-plan's floors (at least one). Returns the element, and update(state) with
 * { alarms: [...], gates: Map id → state, environment: Map zoneId → level }, crossing(c) and destroy().
 */
export function floorMap(plan, ref) {
  ensureStylesheet();
  const floors = plan.floors;
  let current = floors[0];
  let last = { alarms: [], gates: new Map(), environment: new Map() };
  const svgHolder = h('div.fm-canvas');
  const switcher = floors.length > 1 ? h('div.fm-floors', { role: 'tablist', 'aria-label': t('fm.floors') }) : null;
  const legend = h('div.fm-legend', { 'aria-hidden': 'true' },
    ['critical', 'warning', 'env', 'none'].map((st) => h('span.fm-key', h(`span.fm-swatch.zone-${st}`), t(`fm.zone.${st}`))),
    ['idle', 'crossing', 'alarm'].map((st) => h('span.fm-key', h(`span.fm-gate-swatch.gate-${st}`), t('fm.gateState', { state: label('gate', st) }))));
  const el = h('div.floor-map', { 'data-testid': 'floor-map' }, switcher, svgHolder, legend);
  let parts = null; // the drawn floor: { svg, zones: Map, gates: Map, locations: Map, labels }
  let resizeObs = null;

  const zoneOfLocation = new Map(floors.flatMap((f) => f.locations.map((l) => [l.locationId, l.zoneId])));
  const floorOfGate = new Map(floors.flatMap((f) => f.gates.map((g) => [g.gateId, f.id])));

  function drawSwitcher() {
    if (!switcher) return;
    switcher.replaceChildren(...floors.map((f) => h('button.small', {
      type: 'button', role: 'tab', 'aria-selected': String(f === current), class: f === current ? 'selected' : '', 'data-floor': f.id,
      onclick: () => { current = f; draw(); update(last); },
    }, nameOf(f))));
  }

  /** The direction from the gate's outer side into its inner zone, in radians. */
  function gateAngle(g, zones) {
    if (g.angle !== null && g.angle !== undefined) return (g.angle * Math.PI) / 180;
    const inner = zones.get(g.innerZone);
    const [cx, cy] = inner ? inner.center : [current.width / 2, current.height / 2];
    return Math.atan2(cy - g.y, cx - g.x);
  }

  function draw() {
    drawSwitcher();
    const f = current;
    const unit = Math.max(f.width, f.height) / 100; // one hundredth of the floor: marker sizes scale with the plan
    // A margin around the floor: gates on its outer walls are drawn across them, half outside.
    const pad = unit * 3;
    const svg = s('svg', { viewBox: `${-pad} ${-pad} ${f.width + 2 * pad} ${f.height + 2 * pad}`, class: 'fm-svg', role: 'img', 'aria-label': t('fm.title', { floor: nameOf(f) }), preserveAspectRatio: 'xMidYMid meet' });
    const zones = new Map();
    const gZones = s('g', { class: 'fm-zones' });
    const gLabels = s('g', { class: 'fm-labels' });
    for (const z of f.zones) {
      const name = zoneName(ref, z.zoneId);
      const poly = s('polygon', {
        points: z.outline.map((p) => p.join(',')).join(' '), class: 'fm-zone zone-none', 'data-zone-id': z.zoneId, 'data-state': 'none',
        tabindex: 0, role: 'link', 'aria-label': t('fm.openZone', { zone: name }),
      });
      const title = s('title', {}, name);
      poly.append(title);
      const open = () => navigate(`/inventory/zones/${encodeURIComponent(z.zoneId)}`);
      poly.addEventListener('click', open);
      poly.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); } });
      gZones.append(poly);
      const center = labelPoint(z.outline);
      const b = bbox(z.outline);
      const text = s('text', { x: center[0], y: center[1], class: 'fm-label', 'text-anchor': 'middle', 'dominant-baseline': 'middle' }, name);
      gLabels.append(text);
      zones.set(z.zoneId, { poly, title, name, center, width: b.x1 - b.x0, text });
    }
    const gLocations = s('g', { class: 'fm-locations' });
    const locations = new Map();
    for (const l of f.locations) {
      const dot = s('circle', { cx: l.x, cy: l.y, r: unit * 0.55, class: 'fm-location', 'data-location-id': l.locationId },
        s('title', {}, `${l.locationId} · ${zoneName(ref, l.zoneId)}`));
      // A location opens its own items; the zone around it opens the zone's locations.
      dot.addEventListener('click', () => navigate(`/inventory/zones/${encodeURIComponent(l.zoneId)}/locations/${encodeURIComponent(l.locationId)}`));
      gLocations.append(dot);
      locations.set(l.locationId, dot);
    }
    const gGates = s('g', { class: 'fm-gates' });
    const gates = new Map();
    for (const g of f.gates) {
      const a = gateAngle(g, zones);
      const deg = (a * 180) / Math.PI;
      const len = unit * 5;
      const thick = unit * 1.4;
      const title = s('title', {}, '');
      // The door across the wall, and an arrow pointing into the gate's inner zone.
      const marker = s('g', { class: 'fm-gate gate-unknown', 'data-gate-id': g.gateId, 'data-state': 'unknown', transform: `translate(${g.x} ${g.y}) rotate(${deg})` },
        s('rect', { x: -thick / 2, y: -len / 2, width: thick, height: len, rx: thick / 3, class: 'fm-door' }),
        s('path', { d: `M ${thick} ${-unit} L ${thick + unit * 1.6} 0 L ${thick} ${unit} Z`, class: 'fm-arrow' }),
        title);
      gGates.append(marker);
      gates.set(g.gateId, { marker, title, g, angle: a, unit, name: gateName(ref, g.gateId) });
    }
    const gMoving = s('g', { class: 'fm-moving' });
    svg.append(s('rect', { x: 0, y: 0, width: f.width, height: f.height, class: 'fm-floor' }), gZones, gLocations, gLabels, gGates, gMoving);
    svgHolder.replaceChildren(svg);
    parts = { svg, zones, gates, locations, gMoving, unit };
    svg.dataset.floor = f.id;
    resizeObs?.disconnect();
    resizeObs = new ResizeObserver(() => sizeLabels());
    resizeObs.observe(svg);
    sizeLabels();
  }

  /** Labels 12-13 px on screen at any scale, shrunk to fit their zone, in two lines when the name has words to break at. */
  function sizeLabels() {
    if (!parts) return;
    const px = parts.svg.clientWidth || parts.svg.getBoundingClientRect().width;
    if (!px) return;
    const perPx = (current.width + 6 * parts.unit) / px; // plan units per screen pixel (the floor and its margin)
    for (const z of parts.zones.values()) {
      const words = z.name.split(/\s+/);
      const lines = words.length > 1 && z.name.length * 7 * perPx > z.width * 0.9 ? splitInTwo(words) : [z.name];
      const longest = Math.max(...lines.map((l) => [...l].reduce((n, ch) => n + (ch.charCodeAt(0) > 0x2e80 ? 1 : 0.58), 0)));
      const size = Math.max(7 * perPx, Math.min(13 * perPx, (z.width * 0.9) / Math.max(longest, 1)));
      z.text.setAttribute('font-size', String(size));
      z.text.replaceChildren(...lines.map((l, i) => s('tspan', { x: z.center[0], dy: i === 0 ? `${-(lines.length - 1) * 0.55}em` : '1.1em' }, l)));
    }
  }
  const splitInTwo = (words) => {
    let best = 1, diff = Infinity;
    for (let k = 1; k < words.length; k++) {
      const d = Math.abs(words.slice(0, k).join(' ').length - words.slice(k).join(' ').length);
      if (d < diff) { diff = d; best = k; }
    }
    return [words.slice(0, best).join(' '), words.slice(best).join(' ')];
  };

  /** Where an alarm is: its zone (or its location's, or its gate's inner one), its location, its gate. */
  function placesOf(a) {
    const gate = a.gateId ? ref.gate?.get(a.gateId) : null;
    const zone = a.zoneId ?? (a.locationId ? zoneOfLocation.get(a.locationId) : null) ?? (gate && gate.innerZone !== 'outside' ? gate.innerZone : null);
    return { zone, location: a.locationId, gate: a.gateId };
  }

  function update(state) {
    last = state;
    if (!parts) return;
    const zoneState = new Map();
    const raise = (zoneId, st) => { if (zoneId && ZONE_RANK[st] > ZONE_RANK[zoneState.get(zoneId) ?? 'none']) zoneState.set(zoneId, st); };
    for (const [zoneId, level] of state.environment) raise(zoneId, ENV_TO_STATE[level] ?? 'none');
    const flashing = { zone: new Set(), location: new Set(), gate: new Set() };
    const why = new Map(); // zoneId → alarm kinds, for the tooltip
    for (const a of state.alarms) {
      if (a.state !== 'open') continue;
      const p = placesOf(a);
      raise(p.zone, a.severity === 'critical' ? 'critical' : 'warning');
      if (p.zone) why.set(p.zone, [...(why.get(p.zone) ?? []), label('alarm', a.kind)]);
      // The alarm's place is the most precise one drawn: its gate, else its location, else its zone.
      if (p.gate && parts.gates.has(p.gate)) flashing.gate.add(p.gate);
      else if (p.location && parts.locations.has(p.location)) flashing.location.add(p.location);
      else if (p.zone) flashing.zone.add(p.zone);
    }
    for (const [zoneId, z] of parts.zones) {
      const st = zoneState.get(zoneId) ?? 'none';
      z.poly.setAttribute('class', `fm-zone zone-${st}${flashing.zone.has(zoneId) ? ' fm-flash' : ''}`);
      z.poly.dataset.state = st;
      z.poly.dataset.flashing = String(flashing.zone.has(zoneId));
      const kinds = [...new Set(why.get(zoneId) ?? [])];
      z.title.textContent = `${z.name} · ${t(`fm.zone.${st}`)}${kinds.length ? t('fm.because', { kinds: kinds.join(t('fm.listSep')) }) : ''}\n${t('fm.clickZone')}`;
    }
    for (const [id, dot] of parts.locations) {
      dot.classList.toggle('fm-flash', flashing.location.has(id));
      dot.dataset.flashing = String(flashing.location.has(id));
    }
    for (const [id, g] of parts.gates) {
      const st = state.gates.get(id) ?? 'unknown';
      g.marker.setAttribute('class', `fm-gate gate-${st}${flashing.gate.has(id) ? ' fm-flash' : ''}`);
      g.marker.dataset.state = st;
      g.marker.dataset.flashing = String(flashing.gate.has(id));
      g.title.textContent = `${g.name} · ${label('gate', st)}\n${zoneName(ref, g.g.outerZone)} ⇄ ${zoneName(ref, g.g.innerZone)}`;
    }
  }

  /** A tag going through its gate: a dot from one side to the other, in the crossing's direction. */
  function crossing(c) {
    if (!parts) return;
    if (floorOfGate.get(c.gateId) !== current.id && switcher) {
      // A crossing on another floor: say so on its floor's button rather than switching under the user.
      switcher.querySelector(`[data-floor="${CSS.escape(floorOfGate.get(c.gateId) ?? '')}"]`)?.classList.add('fm-floor-busy');
      return;
    }
    const g = parts.gates.get(c.gateId);
    if (!g) return;
    const sign = c.direction === 'out' ? -1 : 1;
    const reach = g.unit * 7;
    const dx = Math.cos(g.angle) * reach * sign;
    const dy = Math.sin(g.angle) * reach * sign;
    const dot = s('circle', { cx: 0, cy: 0, r: g.unit * 1.1, class: `fm-crossing ${c.decision === 'alarm' ? 'alarm' : ''}`, 'data-gate-id': c.gateId, 'data-direction': c.direction });
    parts.gMoving.append(dot);
    g.marker.dataset.lastCrossing = c.id ?? String(Date.now());
    const from = `translate(${g.g.x - dx}px, ${g.g.y - dy}px)`;
    const to = `translate(${g.g.x + dx}px, ${g.g.y + dy}px)`;
    const anim = dot.animate([{ transform: from, opacity: 0 }, { transform: from, opacity: 1, offset: 0.1 }, { transform: to, opacity: 1, offset: 0.85 }, { transform: to, opacity: 0 }],
      { duration: 1800, easing: 'ease-in-out' });
    anim.onfinish = () => dot.remove();
  }

  draw();
  return { el, update, crossing, destroy: () => resizeObs?.disconnect() };
}
