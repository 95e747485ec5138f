// The local API: fastify with zod schemas for every input, OpenAPI at /api/docs, Bearer tokens,
// and the role table applied to every answer.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, type FastifySchema } from 'fastify';
import { z } from 'zod';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Custody } from '../custody.ts';
import { principalForToken, type Principal } from '../auth/principal.ts';
import { fail } from '../errors.ts';
import { clientErrorHandler, frameworkErrors, installErrorHandling, MAX_PARAM_LENGTH } from './errors.ts';
import { apiLogger } from './log.ts';
import { itemRoutes } from './routes/items.ts';
import { referenceRoutes } from './routes/reference.ts';
import { caseRoutes } from './routes/cases.ts';
import { orderRoutes } from './routes/orders.ts';
import { lifecycleRoutes } from './routes/lifecycle.ts';
import { confirmationRoutes } from './routes/confirmations.ts';
import { alarmRoutes } from './routes/alarms.ts';
import { ledgerRoutes } from './routes/ledger.ts';
import { epcisRoutes } from './routes/epcis.ts';
import { streamRoutes, ticketRoute, type StreamHub, type StreamRouteOptions } from './routes/stream.ts';
import { gateRoutes } from './routes/gates.ts';
import { floorPlanRoutes } from './routes/floor-plan.ts';
import { shelfRoutes } from './routes/shelves.ts';
import { enrolmentRoutes } from './routes/enrolments.ts';
import { countRoutes } from './routes/counts.ts';
import { environmentRoutes } from './routes/environment.ts';
import { syncRoutes } from './routes/sync.ts';
import { warningRoutes } from './routes/warnings.ts';
import { statisticsRoutes } from './routes/statistics.ts';
import { logRequests } from './request-log.ts';
import { StreamTickets } from '../stream/tickets.ts';
import type { ApiApp } from './app.ts';
import { ERROR_API, errors } from './schemas.ts';
import { ROLES } from '../site/schema.ts';

export type { ApiApp } from './app.ts';

declare module 'fastify' {
  interface FastifyRequest { principal: Principal }
  interface FastifyInstance {
    streamHub: StreamHub;
    /** Every route's schemas as declared, by `METHOD url`: what the contract tests check real answers against. */
    routeSchemas: ReadonlyMap<string, FastifySchema>;
  }
}

export const JSON_BODY_LIMIT = 1024 * 1024;

export interface ApiOptions {
  logger?: Logger | false;
  /** Extra routes from the gateway (gates, devices, stream), registered under /api/v1 with the same auth. */
  extensions?: ((app: ApiApp) => void)[];
  /** A hook to serve the dashboards (static files) at `/`. */
  serveDashboards?: (app: FastifyInstance) => Promise<void> | void;
  version?: string;
  /** Stream settings (tests shorten the heartbeat) and the ticket store. */
  stream?: StreamRouteOptions & { tickets?: StreamTickets };
}

const siteApi = { id: z.string(), name: z.string(), nameEn: z.string().nullable(), timezone: z.string().describe('the IANA zone the site counts days in') };
const healthApi = z.object({
  status: z.literal('ok'), site: siteApi.id, siteName: siteApi.name, siteNameEn: siteApi.nameEn, timezone: siteApi.timezone,
  ledgerHead: z.number().int().describe('the main chain\'s last seq'), time: z.string().describe('the gateway\'s clock'),
});
const meApi = z.object({
  userId: z.string(), name: z.string(), role: z.enum(ROLES), agencyId: z.string().nullable(), staffId: z.string().nullable(),
  site: z.object(siteApi),
  endpoints: z.array(z.string()).describe('the first path segment of every GET route this gateway serves under /api/v1'),
});

export async function buildApi(custody: Custody, opts: ApiOptions = {}): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: (opts.logger ? apiLogger(opts.logger) : undefined) as FastifyBaseLogger | undefined,
    bodyLimit: JSON_BODY_LIMIT,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
    clientErrorHandler,
    // fastify's two lines per request at info would bury everything else; request-log.ts writes one, at debug.
    logController: new LogController({ disableRequestLogging: true }),
  });
  logRequests(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app, (err) => custody.storage.noteFailure(err));

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: '涉案财物管理中心 gateway API',
        description: 'The local API of a case-property storage center gateway: items, orders, custody ledger, alarms. ' +
          'Every route but /api/health needs `Authorization: Bearer <token>`.',
        version: opts.version ?? '0.1.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: documentComponents,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });

  // The first path segment of every GET route under /api/v1, told on /me: the dashboards ask only for
  // what this gateway serves, instead of learning from a 404 that a feature is not built yet.
  const endpoints = new Set<string>();
  // Every route's schemas as declared: the contract tests check real answers against them.
  const routeSchemas = new Map<string, FastifySchema>();
  app.decorate('routeSchemas', routeSchemas);
  app.addHook('onRoute', (r) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    if (r.schema && !r.schema.hide) for (const m of methods) if (m !== 'HEAD') routeSchemas.set(`${m} ${r.url}`, r.schema);
    const m = /^\/api\/v1\/([^/:*]+)/.exec(r.url);
    if (m && methods.includes('GET')) endpoints.add(m[1]);
  });

  // Public and without input: nothing a client sends can make it answer 4xx.
  app.withTypeProvider<ZodTypeProvider>().get('/api/health', {
    schema: {
      security: [], tags: ['health'], response: { 200: healthApi, 500: ERROR_API[500] },
      description: 'Whether the gateway is up: its site, time zone, clock and ledger head (no token needed).',
    },
  }, async () => ({
    status: 'ok' as const, site: custody.ctx.site.site.id, siteName: custody.ctx.site.site.name, siteNameEn: custody.ctx.site.site.nameEn ?? null,
    // The zone the dashboards read every date in, so that a browser set to another zone shows the site's wall clock.
    timezone: custody.ctx.site.site.timezone, ledgerHead: custody.ctx.ledger.headNow.seq, time: custody.ctx.nowIso(),
  }));

  const { tickets = new StreamTickets(), ...streamOpts } = opts.stream ?? {};
  await app.register(async (v1) => {
    v1.decorateRequest('principal', null as unknown as Principal);
    v1.addHook('onRequest', async (req: FastifyRequest) => {
      req.principal = authenticate(custody, req.headers.authorization);
    });
    const typed = v1.withTypeProvider<ZodTypeProvider>();
    // Who the token belongs to, so that the dashboards show only what the role may do.
    typed.get('/me', {
      schema: { tags: ['health'], response: { 200: meApi, ...errors() }, description: 'Who the token belongs to, their role and agency, and which endpoints this gateway serves.' },
    }, async (req) => ({
      userId: req.principal.userId, name: req.principal.name, role: req.principal.role,
      agencyId: req.principal.agencyId, staffId: req.principal.staffId,
      site: { id: custody.ctx.site.site.id, name: custody.ctx.site.site.name, nameEn: custody.ctx.site.site.nameEn ?? null, timezone: custody.ctx.site.site.timezone },
      endpoints: [...endpoints].sort(),
    }));
    itemRoutes(typed, custody);
    referenceRoutes(typed, custody);
    caseRoutes(typed, custody);
    orderRoutes(typed, custody);
    lifecycleRoutes(typed, custody);
    confirmationRoutes(typed, custody);
    alarmRoutes(typed, custody);
    ledgerRoutes(typed, custody);
    epcisRoutes(typed, custody);
    gateRoutes(typed, custody);
    floorPlanRoutes(typed, custody);
    shelfRoutes(typed, custody);
    enrolmentRoutes(typed, custody);
    countRoutes(typed, custody);
    environmentRoutes(typed, custody);
    syncRoutes(typed, custody);
    warningRoutes(typed, custody);
    statisticsRoutes(typed, custody);
    ticketRoute(typed, tickets);
    for (const ext of opts.extensions ?? []) ext(typed);
  }, { prefix: '/api/v1' });

  // The stream authenticates itself (Bearer header or a one-time ticket): EventSource cannot send headers.
  app.decorate('streamHub', streamRoutes(app, custody, tickets, streamOpts));

  if (opts.serveDashboards) await opts.serveDashboards(app);
  return app;
}

/**
 * The schemas with an id (the error answers) once under components, referenced from each route.
 * The provider writes an input twin of each; only answers use them, so unreferenced twins go.
 */
function documentComponents(doc: Parameters<typeof jsonSchemaTransformObject>[0]) {
  const out = jsonSchemaTransformObject(doc);
  const schemas = 'components' in out ? out.components?.schemas : undefined;
  if (schemas) {
    const used = JSON.stringify('paths' in out ? out.paths : {});
    for (const id of Object.keys(schemas)) if (id.endsWith('Input') && !used.includes(`"#/components/schemas/${id}"`)) delete schemas[id];
  }
  return out;
}

function authenticate(custody: Custody, header: string | undefined): Principal {
  const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header ?? '');
  if (!m) fail('UNAUTHENTICATED');
  const p = principalForToken(custody.db, m[1]);
  if (!p) fail('UNAUTHENTICATED', 'The token is not valid');
  return p;
}

