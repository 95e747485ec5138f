// Serves the dashboards (static files in dashboards/) at `/`. They talk to the API only.
// Beside them, under /vendor/, the few files of browser libraries the pages load as they are
// published (no build step): each one named in VENDOR, read from the package npm installed, and
// nothing else of node_modules reachable.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dashboards');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json; charset=utf-8', '.ico': 'image/x-icon',
};

/** URL under /vendor/ → the package file it is (resolved as Node resolves it, so a hoisted or nested install both work). */
const VENDOR: Record<string, string> = {
  'uplot/uPlot.iife.min.js': 'uplot/dist/uPlot.iife.min.js',
  'uplot/uPlot.min.css': 'uplot/dist/uPlot.min.css',
};
const require = createRequire(import.meta.url);

/** The whitelisted files, read once: they change only with `npm install`, which restarts the gateway anyway. */
const vendorCache = new Map<string, { body: Buffer; etag: string; type: string }>();
function vendorFile(rel: string): { body: Buffer; etag: string; type: string } | null {
  const spec = Object.hasOwn(VENDOR, rel) ? VENDOR[rel] : undefined;
  if (!spec) return null;
  let f = vendorCache.get(rel);
  if (!f) {
    const body = fs.readFileSync(require.resolve(spec));
    f = { body, etag: `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`, type: TYPES[path.extname(spec)] ?? 'application/octet-stream' };
    vendorCache.set(rel, f);
  }
  return f;
}

export function serveDashboards(app: FastifyInstance): void {
  app.get('/vendor/*', { schema: { hide: true } as never }, async (req, reply) => {
    const rel = (req.params as { '*': string })['*'];
    const f = vendorFile(rel);
    if (!f) return reply.status(404).send({ code: 'NOT_FOUND', message: `No file vendor/${rel}`, details: {} });
    // Revalidated on every load like the pages (no-cache), but a 304 when unchanged: the library is most of the bytes.
    reply.header('cache-control', 'no-cache').header('etag', f.etag);
    if (req.headers['if-none-match'] === f.etag) return reply.status(304).send();
    return reply.type(f.type).send(f.body);
  });

  app.get('/*', { schema: { hide: true } as never }, async (req, reply) => {
    const rel = decodeURIComponent((req.params as { '*': string })['*'] || 'index.html');
    // An unknown API path is an API error, never the dashboards' page.
    if (rel === 'api' || rel.startsWith('api/')) {
      return reply.status(404).send({ code: 'NOT_FOUND', message: `No route ${req.method} /${rel}`, details: {} });
    }
    const file = path.resolve(ROOT, rel);
    // Never serve anything outside dashboards/ (../ in the path).
    if (!file.startsWith(ROOT + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      const index = path.join(ROOT, 'index.html');
      if (!rel.includes('.') && fs.existsSync(index)) return reply.type(TYPES['.html']).send(fs.readFileSync(index));
      return reply.status(404).send({ code: 'NOT_FOUND', message: `No file ${rel}`, details: {} });
    }
    return reply.type(TYPES[path.extname(file)] ?? 'application/octet-stream').header('cache-control', 'no-cache').send(fs.readFileSync(file));
  });
}
