/** Microsoft Graph face under /v1.0. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Simulator } from '../simulator';
import { registerBatch } from './batch';
import { registerCalendarRoutes } from './calendar-routes';
import { registerContactsTodoRoutes } from './contacts-todo-routes';
import { authenticate, graphContext, graphHandler } from './context';
import { graphRouteTable } from './inner-requests';
import { registerSubscriptionRoutes } from './subscription-routes';
import { GraphError } from './wire';

export function registerGraph(app: FastifyInstance, sim: Simulator): void {
  // Before any route: the table `$batch` dispatches its inner requests through.
  const routes = graphRouteTable(app);
  app.get(
    '/v1.0/users/:user',
    graphHandler(sim, async (req: FastifyRequest<{ Params: { user: string } }>, reply) => {
      const ctx = await graphContext(sim, req, reply, 'user', false);
      const m = ctx.mailbox;
      return {
        '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users/$entity',
        id: m.id,
        displayName: m.displayName,
        mail: m.smtpAddress,
        userPrincipalName: m.userPrincipalName,
      };
    }),
  );

  app.all('/v1.0/me', meRefused(sim));
  app.all('/v1.0/me/*', meRefused(sim));

  registerCalendarRoutes(app, sim);
  registerContactsTodoRoutes(app, sim);
  registerBatch(app, sim, routes);
  registerSubscriptionRoutes(app, sim);

  app.all(
    '/v1.0/*',
    graphHandler(sim, async (req) => {
      await authenticate(sim, req);
      throw new GraphError(
        400,
        'BadRequest',
        `Resource not found for the segment '${req.url.split('?')[0]!.split('/').pop()}'.`,
      );
    }),
  );
}

function meRefused(sim: Simulator) {
  return graphHandler(sim, async (req) => {
    await authenticate(sim, req);
    throw new GraphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
  });
}
