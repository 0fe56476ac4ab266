/**
 * `contactFolders/delta` and `todo/lists/delta`: folder-level change feeds from the store's hierarchy journal.
 * Folder feeds are small, so one page per round; the token carries the journal sequence itself.
 */
import type { Folder } from '../store/types';
import type { GraphCtx } from './context';
import { badRequest } from './wire';

interface FolderToken {
  q: number;
  k: 'contacts' | 'tasks';
}

export function serveFolderDelta(
  ctx: GraphCtx,
  kind: 'contacts' | 'tasks',
  query: Record<string, string | undefined>,
  render: (f: Folder) => Record<string, unknown>,
  include: (f: Folder) => boolean,
) {
  const store = ctx.sim.store;
  let since = -1;
  if (query.$deltatoken !== undefined) {
    try {
      const t = JSON.parse(Buffer.from(query.$deltatoken, 'base64url').toString('utf8')) as FolderToken;
      if (t.k !== kind || !Number.isInteger(t.q)) throw new Error('kind');
      since = t.q;
    } catch {
      throw badRequest('The delta token is malformed. Do not edit delta links; follow them as given.', 'BadRequest');
    }
  }
  const seq = store.currentSeq();
  const type = kind === 'contacts' ? '#microsoft.graph.contactFolder' : '#microsoft.graph.todoTaskList';
  const value: Record<string, unknown>[] = [];
  if (since < 0) {
    for (const f of store.listFolders(ctx.mailbox.id, kind))
      if (include(f)) value.push({ '@odata.type': type, ...render(f) });
  } else {
    for (const ch of store.hierarchyChangesSince(ctx.mailbox.id, since)) {
      if (ch.folder.kind !== kind || !include(ch.folder)) continue;
      value.push(
        ch.change === 'delete'
          ? { '@odata.type': type, id: ch.folder.graphId, '@removed': { reason: 'deleted' } }
          : { '@odata.type': type, ...render(ch.folder) },
      );
    }
  }
  const path = kind === 'contacts' ? 'contactFolders/delta' : 'todo/lists/delta';
  const token = Buffer.from(JSON.stringify({ q: seq, k: kind } satisfies FolderToken)).toString('base64url');
  return {
    '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#Collection(${kind === 'contacts' ? 'contactFolder' : 'todoTaskList'})`,
    '@odata.deltaLink': `${ctx.origin}/v1.0/users/${encodeURIComponent(ctx.user)}/${path}?$deltatoken=${token}`,
    value,
  };
}
