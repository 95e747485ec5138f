// Serves the dashboards (static files in dashboards/) at `/`. They talk to the API only.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dashboards');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json; charset=utf-8', '.ico': 'image/x-icon',
};

export function serveDashboards(app: FastifyInstance): void {
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
