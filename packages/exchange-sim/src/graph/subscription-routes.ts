/** `/v1.0/subscriptions`: create (with validation), read, renew, delete. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Simulator } from '../simulator';
import { authenticate, graphHandler } from './context';
import { badRequest, GraphError } from './wire';

type Req = FastifyRequest<{ Params: { id: string }; Body: Record<string, unknown> }>;

const ROLE_FOR = { calendar: 'Calendars', contacts: 'Contacts', tasks: 'Tasks' } as const;

export function registerSubscriptionRoutes(app: FastifyInstance, sim: Simulator): void {
  const subs = sim.subscriptions;
  const find = (id: string, appId: string) => {
    const s = subs.subscriptions.get(id);
    if (!s || s.applicationId !== appId)
      throw new GraphError(404, 'ResourceNotFound', `Subscription '${id}' was not found.`);
    return s;
  };

  app.post(
    '/v1.0/subscriptions',
    graphHandler(sim, async (req: Req, reply) => {
      const claims = await authenticate(sim, req);
      const b = req.body ?? {};
      if (typeof b.resource !== 'string' || typeof b.notificationUrl !== 'string' || typeof b.changeType !== 'string') {
        throw badRequest('resource, notificationUrl and changeType are required.', 'InvalidRequest');
      }
      const target = subs.parseResource(b.resource);
      if (!claims.roles?.some((r) => r.startsWith(ROLE_FOR[target.kind]))) {
        throw new GraphError(
          403,
          'ExtensionError',
          'Operation: Create; Exception: [Status Code: Forbidden; Reason: Access is denied.]',
        );
      }
      const changeType = b.changeType.split(',').map((c) => c.trim());
      if (changeType.some((c) => !['created', 'updated', 'deleted'].includes(c)))
        throw badRequest('changeType must be created, updated and/or deleted.');
      const expirationDateTime = subs.validateExpiration(b.expirationDateTime);
      const lifecycle = typeof b.lifecycleNotificationUrl === 'string' ? b.lifecycleNotificationUrl : undefined;
      await subs.validate(b.notificationUrl);
      if (lifecycle) await subs.validate(lifecycle, true);
      const s = subs.add({
        resource: b.resource,
        changeType,
        notificationUrl: b.notificationUrl,
        lifecycleNotificationUrl: lifecycle,
        clientState: typeof b.clientState === 'string' ? b.clientState : undefined,
        expirationDateTime,
        applicationId: claims.appid,
        mailboxId: target.mailboxId,
        kind: target.kind,
        folderKey: target.folder?.key,
      });
      reply.code(201);
      return { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity', ...subs.json(s) };
    }),
  );

  app.get(
    '/v1.0/subscriptions/:id',
    graphHandler(sim, async (req: Req) => {
      const claims = await authenticate(sim, req);
      return subs.json(find(req.params.id, claims.appid));
    }),
  );

  app.patch(
    '/v1.0/subscriptions/:id',
    graphHandler(sim, async (req: Req) => {
      const claims = await authenticate(sim, req);
      const s = find(req.params.id, claims.appid);
      if (req.body?.lifecycleNotificationUrl !== undefined) {
        throw badRequest(
          'lifecycleNotificationUrl can only be set when the subscription is created.',
          'InvalidRequest',
        );
      }
      s.expirationDateTime = subs.validateExpiration(req.body?.expirationDateTime);
      return subs.json(s);
    }),
  );

  app.delete(
    '/v1.0/subscriptions/:id',
    graphHandler(sim, async (req: Req, reply) => {
      const claims = await authenticate(sim, req);
      subs.subscriptions.delete(find(req.params.id, claims.appid).id);
      reply.code(204);
      return undefined;
    }),
  );
}
