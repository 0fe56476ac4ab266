import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { SyncMetrics } from '../../metrics/metrics';
import { errorResponses } from '../common';

/**
 * Prometheus scrape target. Guarded like the API: the admin key, or EXSYNC_METRICS_KEY — a key that opens this
 * route only, so the credential stored in Prometheus' configuration cannot manage tenants.
 */
export const metricsRoutes: FastifyPluginAsyncTypebox<{ metrics: SyncMetrics }> = async (app, { metrics }) => {
  app.get(
    '/metrics',
    {
      config: { access: 'metrics' },
      schema: {
        tags: ['metrics'],
        operationId: 'metrics',
        summary: 'Prometheus metrics (text exposition format)',
        description:
          'Runs by kind and outcome, run durations, items written by kind/action/direction, errors by code, backend requests by status class, throttling waits, queue depth and users per state. Send the admin key or EXSYNC_METRICS_KEY.',
        produces: ['text/plain'],
        response: {
          200: Type.String({ description: 'Prometheus text format 0.0.4.' }),
          ...errorResponses(),
        },
      },
    },
    async (_request, reply) => {
      const text = await metrics.registry.metrics();
      reply.type(metrics.registry.contentType);
      return text;
    },
  );
};
