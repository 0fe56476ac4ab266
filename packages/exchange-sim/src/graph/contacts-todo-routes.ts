/** Graph contact folders, contacts (+delta) and To Do lists, tasks (+delta). Distribution lists stay EWS-only. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Simulator } from '../simulator';
import type { Contact, Folder, Task } from '../store/types';
import {
  contactJson,
  parseContactInput,
  parseTaskInput,
  taskJson,
  taskListJson,
  withCompletionRule,
} from './contact-task-json';
import { type GraphCtx, graphContext, graphHandler } from './context';
import { serveDelta } from './delta-handler';
import { serveFolderDelta } from './folder-delta';
import {
  applySelect,
  badRequest,
  expandedExtendedProperties,
  extendedPropertyFilter,
  ifMatchChangeKey,
  notFound,
  parseSelect,
} from './wire';

type Q = Record<string, string | undefined>;
type Req<P> = FastifyRequest<{ Params: { user: string } & P; Querystring: Q; Body: Record<string, unknown> }>;

function folderOf(ctx: GraphCtx, kind: 'contacts' | 'tasks', id: string | undefined): Folder {
  if (!id || (kind === 'contacts' && id.toLowerCase() === 'contacts')) {
    return ctx.sim.store.distinguishedFolder(ctx.mailbox.id, kind);
  }
  const f = ctx.sim.store.findFolder(id);
  if (!f || f.mailboxId !== ctx.mailbox.id || f.kind !== kind) throw notFound();
  return f;
}

function itemOf<K extends 'contact' | 'task'>(ctx: GraphCtx, id: string, kind: K, folder?: Folder) {
  const it = ctx.sim.store.findItem(id);
  if (!it || it.kind !== kind || it.mailboxId !== ctx.mailbox.id || (folder && it.folderKey !== folder.key))
    throw notFound();
  return it as K extends 'contact' ? Contact : Task;
}

function list<T>(ctx: GraphCtx, all: T[], query: Q, render: (t: T) => Record<string, unknown>, context: string) {
  const top = Math.min(Number(query.$top ?? ctx.prefer.maxPageSize ?? 10) || 10, 1000);
  const skip = Number(query.$skip ?? 0) || 0;
  const select = parseSelect(query.$select);
  const out: Record<string, unknown> = {
    '@odata.context': context,
    value: all.slice(skip, skip + top).map((t) => applySelect(render(t), select)),
  };
  if (skip + top < all.length) {
    const url = new URL(ctx.request.url, ctx.origin);
    url.searchParams.set('$skip', String(skip + top));
    url.searchParams.set('$top', String(top));
    out['@odata.nextLink'] = url.toString();
  }
  return out;
}

const contactFolderJson = (ctx: GraphCtx, f: Folder) => ({
  id: f.graphId,
  displayName: f.displayName,
  parentFolderId: ctx.sim.store.folderByKey(f.parentKey ?? -1)?.graphId ?? null,
});

export function registerContactsTodoRoutes(app: FastifyInstance, sim: Simulator): void {
  const P = '/v1.0/users/:user';

  /* ---------------- contacts ---------------- */

  app.get(
    `${P}/contactFolders`,
    graphHandler(sim, async (req: Req<object>, reply) => {
      const ctx = await graphContext(sim, req, reply, 'contacts', false);
      const folders = sim.store.listFolders(ctx.mailbox.id, 'contacts').filter((f) => !f.isDefault);
      return list(
        ctx,
        folders,
        req.query,
        (f) => contactFolderJson(ctx, f),
        'https://graph.microsoft.com/v1.0/$metadata#Collection(contactFolder)',
      );
    }),
  );

  app.post(
    `${P}/contactFolders`,
    graphHandler(sim, async (req: Req<object>, reply) => {
      const ctx = await graphContext(sim, req, reply, 'contacts', true);
      const name = req.body?.displayName;
      if (typeof name !== 'string' || !name.trim()) throw badRequest('A contact folder needs a displayName');
      reply.code(201);
      return contactFolderJson(ctx, sim.store.createFolder(ctx.mailbox.id, { kind: 'contacts', displayName: name }));
    }),
  );

  app.get(
    `${P}/contactFolders/delta`,
    graphHandler(sim, async (req: Req<object>, reply) => {
      const ctx = await graphContext(sim, req, reply, 'contacts', false);
      return serveFolderDelta(
        ctx,
        'contacts',
        req.query,
        (f) => contactFolderJson(ctx, f),
        (f) => !f.isDefault,
      );
    }),
  );

  app.get(
    `${P}/contactFolders/:fid`,
    graphHandler(sim, async (req: Req<{ fid: string }>, reply) => {
      const ctx = await graphContext(sim, req, reply, 'contacts', false);
      return contactFolderJson(ctx, folderOf(ctx, 'contacts', req.params.fid));
    }),
  );

  for (const path of [`${P}/contacts`, `${P}/contactFolders/:fid/contacts`]) {
    app.get(
      path,
      graphHandler(sim, async (req: Req<{ fid?: string }>, reply) => {
        const ctx = await graphContext(sim, req, reply, 'contacts', false);
        const folder = folderOf(ctx, 'contacts', req.params.fid);
        const filter = extendedPropertyFilter(req.query.$filter);
        const ext = expandedExtendedProperties(req.query.$expand);
        const items = sim.store
          .listItems(folder.id)
          .filter((i): i is Contact => i.kind === 'contact' && (!filter || filter(i.extendedProperties)));
        return list(
          ctx,
          items,
          req.query,
          (c) => contactJson(c, folder.graphId, ext, ctx.prefer.immutableIds),
          'https://graph.microsoft.com/v1.0/$metadata#Collection(contact)',
        );
      }),
    );

    app.post(
      path,
      graphHandler(sim, async (req: Req<{ fid?: string }>, reply) => {
        const ctx = await graphContext(sim, req, reply, 'contacts', true);
        const folder = folderOf(ctx, 'contacts', req.params.fid);
        const c = sim.store.createContact(folder.id, parseContactInput(req.body));
        reply.code(201);
        return contactJson(c, folder.graphId, undefined, ctx.prefer.immutableIds);
      }),
    );

    app.get(
      `${path}/delta`,
      graphHandler(sim, async (req: Req<{ fid?: string }>, reply) => {
        const ctx = await graphContext(sim, req, reply, 'contacts', false);
        return serveDelta(ctx, 'contacts', folderOf(ctx, 'contacts', req.params.fid), req.params.fid, req.query);
      }),
    );
  }

  for (const path of [`${P}/contacts/:id`, `${P}/contactFolders/:fid/contacts/:id`]) {
    app.get(
      path,
      graphHandler(sim, async (req: Req<{ id: string; fid?: string }>, reply) => {
        const ctx = await graphContext(sim, req, reply, 'contacts', false);
        const c = itemOf(
          ctx,
          req.params.id,
          'contact',
          req.params.fid ? folderOf(ctx, 'contacts', req.params.fid) : undefined,
        );
        const ext = expandedExtendedProperties(req.query.$expand);
        return applySelect(
          contactJson(c, sim.store.folderByKey(c.folderKey)!.graphId, ext, ctx.prefer.immutableIds),
          parseSelect(req.query.$select),
        );
      }),
    );

    app.patch(
      path,
      graphHandler(sim, async (req: Req<{ id: string; fid?: string }>, reply) => {
        const ctx = await graphContext(sim, req, reply, 'contacts', true);
        const c = itemOf(ctx, req.params.id, 'contact');
        const ck = ifMatchChangeKey(req.headers);
        sim.store.updateItem(c.id, parseContactInput(req.body), ck !== undefined ? { ifChangeKey: ck } : {});
        return contactJson(c, sim.store.folderByKey(c.folderKey)!.graphId, undefined, ctx.prefer.immutableIds);
      }),
    );

    app.delete(
      path,
      graphHandler(sim, async (req: Req<{ id: string; fid?: string }>, reply) => {
        const ctx = await graphContext(sim, req, reply, 'contacts', true);
        const c = itemOf(ctx, req.params.id, 'contact');
        const ck = ifMatchChangeKey(req.headers);
        sim.store.deleteItem(c.id, { ...(ck !== undefined ? { ifChangeKey: ck } : {}), moveToDeletedItems: true });
        reply.code(204);
        return undefined;
      }),
    );
  }

  /* ---------------- To Do ---------------- */

  const L = `${P}/todo/lists`;
  app.get(
    L,
    graphHandler(sim, async (req: Req<object>, reply) => {
      const ctx = await graphContext(sim, req, reply, 'tasks', false);
      return list(
        ctx,
        sim.store.listFolders(ctx.mailbox.id, 'tasks'),
        req.query,
        taskListJson,
        'https://graph.microsoft.com/v1.0/$metadata#Collection(todoTaskList)',
      );
    }),
  );

  app.post(
    L,
    graphHandler(sim, async (req: Req<object>, reply) => {
      const ctx = await graphContext(sim, req, reply, 'tasks', true);
      const name = req.body?.displayName;
      if (typeof name !== 'string' || !name.trim()) throw badRequest('A task list needs a displayName');
      reply.code(201);
      return taskListJson(sim.store.createFolder(ctx.mailbox.id, { kind: 'tasks', displayName: name }));
    }),
  );

  app.get(
    `${L}/delta`,
    graphHandler(sim, async (req: Req<object>, reply) => {
      const ctx = await graphContext(sim, req, reply, 'tasks', false);
      return serveFolderDelta(ctx, 'tasks', req.query, taskListJson, () => true);
    }),
  );

  app.get(
    `${L}/:lid`,
    graphHandler(sim, async (req: Req<{ lid: string }>, reply) => {
      const ctx = await graphContext(sim, req, reply, 'tasks', false);
      return taskListJson(folderOf(ctx, 'tasks', req.params.lid));
    }),
  );

  app.get(
    `${L}/:lid/tasks`,
    graphHandler(sim, async (req: Req<{ lid: string }>, reply) => {
      const ctx = await graphContext(sim, req, reply, 'tasks', false);
      const folder = folderOf(ctx, 'tasks', req.params.lid);
      const filter = extendedPropertyFilter(req.query.$filter);
      const ext = expandedExtendedProperties(req.query.$expand);
      const items = sim.store
        .listItems(folder.id)
        .filter((i): i is Task => i.kind === 'task' && (!filter || filter(i.extendedProperties)));
      return list(
        ctx,
        items,
        req.query,
        (t) => taskJson(t, ext, ctx.prefer.immutableIds),
        'https://graph.microsoft.com/v1.0/$metadata#Collection(todoTask)',
      );
    }),
  );

  app.post(
    `${L}/:lid/tasks`,
    graphHandler(sim, async (req: Req<{ lid: string }>, reply) => {
      const ctx = await graphContext(sim, req, reply, 'tasks', true);
      const folder = folderOf(ctx, 'tasks', req.params.lid);
      const t = sim.store.createTask(
        folder.id,
        withCompletionRule(parseTaskInput(req.body), undefined, sim.clock.now()),
      );
      reply.code(201);
      return taskJson(t, undefined, ctx.prefer.immutableIds);
    }),
  );

  app.get(
    `${L}/:lid/tasks/delta`,
    graphHandler(sim, async (req: Req<{ lid: string }>, reply) => {
      const ctx = await graphContext(sim, req, reply, 'tasks', false);
      return serveDelta(ctx, 'tasks', folderOf(ctx, 'tasks', req.params.lid), req.params.lid, req.query);
    }),
  );

  app.get(
    `${L}/:lid/tasks/:tid`,
    graphHandler(sim, async (req: Req<{ lid: string; tid: string }>, reply) => {
      const ctx = await graphContext(sim, req, reply, 'tasks', false);
      const t = itemOf(ctx, req.params.tid, 'task', folderOf(ctx, 'tasks', req.params.lid));
      return applySelect(
        taskJson(t, expandedExtendedProperties(req.query.$expand), ctx.prefer.immutableIds),
        parseSelect(req.query.$select),
      );
    }),
  );

  app.patch(
    `${L}/:lid/tasks/:tid`,
    graphHandler(sim, async (req: Req<{ lid: string; tid: string }>, reply) => {
      const ctx = await graphContext(sim, req, reply, 'tasks', true);
      const t = itemOf(ctx, req.params.tid, 'task', folderOf(ctx, 'tasks', req.params.lid));
      const ck = ifMatchChangeKey(req.headers);
      const input = withCompletionRule(parseTaskInput(req.body), t, sim.clock.now());
      sim.store.updateItem(t.id, input, ck !== undefined ? { ifChangeKey: ck } : {});
      return taskJson(t, undefined, ctx.prefer.immutableIds);
    }),
  );

  app.delete(
    `${L}/:lid/tasks/:tid`,
    graphHandler(sim, async (req: Req<{ lid: string; tid: string }>, reply) => {
      const ctx = await graphContext(sim, req, reply, 'tasks', true);
      const t = itemOf(ctx, req.params.tid, 'task', folderOf(ctx, 'tasks', req.params.lid));
      const ck = ifMatchChangeKey(req.headers);
      sim.store.deleteItem(t.id, ck !== undefined ? { ifChangeKey: ck } : {});
      reply.code(204);
      return undefined;
    }),
  );
}
