import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { errorCatalogue } from '../errors';

/** The API's version is the package's: one number to bump. */
export const SERVICE_VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export const API_DESCRIPTION = `REST API of the exsync sync service.

Authenticate every /v1 call with \`Authorization: Bearer <API key>\`. The **admin key** (operators) manages
tenants and issues tenant keys; a **tenant key** (the Nextcloud app) acts on its own tenant through
\`/v1/users\`, \`/v1/settings\` and \`/v1/exchange-connection\`. The admin key reaches the same resources under
\`/v1/tenants/{tenantId}/...\`, where a tenant key is accepted only for its own tenant.

Every error answers \`{ "code", "message" }\`; codes are stable: ${errorCatalogue()
  .map((e) => `\`${e.code}\` (${e.statusCode})`)
  .join(', ')}.`;

/** OpenAPI document from the route schemas, Swagger UI at /docs, the raw document at /openapi.json. */
async function swaggerPlugin(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'exsync sync service', version: SERVICE_VERSION, description: API_DESCRIPTION },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An exsync API key (admin or tenant).' },
        },
      },
      security: [{ bearerAuth: [] }],
      tags: [
        { name: 'health', description: 'Liveness and readiness for orchestrators' },
        { name: 'tenants', description: 'Tenants and their API keys (admin key)' },
        { name: 'exchange-connection', description: "The tenant's Exchange connection; secrets are write-only" },
        { name: 'users', description: 'Enrolled users and their Nextcloud app passwords' },
        { name: 'settings', description: "The tenant's sync settings" },
        { name: 'review', description: 'Held deletions and conflicts, for a person to decide' },
        { name: 'overview', description: "A tenant's sync health at a glance" },
        { name: 'admin', description: 'Operator actions on the running service (admin key)' },
        { name: 'metrics', description: 'Prometheus metrics (admin key or EXSYNC_METRICS_KEY)' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: false });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

export default fp(swaggerPlugin, { name: 'exsync-swagger' });
