// uPlot (the charting library, pinned in package.json) as the gateway serves it from node_modules
// at /vendor/uplot/: its minified IIFE build and its stylesheet, loaded the first time a chart is
// drawn, once per page load. The IIFE, not the ESM build: a third of the bytes, and the global it
// sets is the whole API.
let loading = null;

/** Resolves to the uPlot constructor. */
export function loadUplot() {
  if (window.uPlot) return Promise.resolve(window.uPlot);
  loading ??= new Promise((resolve, reject) => {
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = '/vendor/uplot/uPlot.min.css';
    document.head.append(css);
    const js = document.createElement('script');
    js.src = '/vendor/uplot/uPlot.iife.min.js';
    js.onload = () => resolve(window.uPlot);
    // Forgotten on failure, so that the next chart tries again (the gateway may have been down).
    js.onerror = () => { loading = null; js.remove(); reject(new Error('the chart library could not be loaded')); };
    document.head.append(js);
  });
  return loading;
}
