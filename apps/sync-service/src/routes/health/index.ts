import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Errors } from '../../errors';
import { NotReadyError, type ServiceStore } from '../../store/port';
import { ErrorBody } from '../common';

const Ok = Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false });

/** Unauthenticated probes for orchestrators; they reveal nothing but up/down. */
export const healthRoutes: FastifyPluginAsyncTypebox<{ store: ServiceStore }> = async (app, { store }) => {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        operationId: 'health',
        summary: 'Liveness: the process answers',
        security: [],
        response: { 200: Ok },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        operationId: 'ready',
        summary: 'Readiness: the database answers and every migration is applied',
        security: [],
        response: { 200: Ok, 503: ErrorBody },
      },
    },
    async (request) => {
      try {
        await store.checkReady();
      } catch (e) {
        request.log.warn({ err: e }, 'not ready');
        throw new Errors.NOT_READY(e instanceof NotReadyError ? e.message : 'the database does not answer');
      }
      return { status: 'ok' as const };
    },
  );
};
