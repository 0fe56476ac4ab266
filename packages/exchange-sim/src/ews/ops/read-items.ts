import type { EventInstance, Item } from '../../store/types';
import type { EwsContext } from '../context';
import { errorMessage, operationResponse, successMessage } from '../envelope';
import { EwsFault, EwsItemError } from '../errors';
import { parseDateTime } from '../items/common';
import { parseShape } from '../shape';
import { M } from '../xml/namespaces';
import { child, type XNode } from '../xml/parse';
import { el } from '../xml/write';
import { resolveFolder } from './folders';
import { itemXml } from './render-item';
import { requiredList } from './required-list';
import { resolveItem } from './resolve-item';
import { matchesRestriction, pathValue, sortByOrder } from './restriction';

export function getItem(ctx: EwsContext, op: XNode): string {
  const name = 'GetItem';
  const shape = parseShape(child(op, M, 'ItemShape'));
  const ids = requiredList(op, 'ItemIds');
  // One response message per requested id, in request order.
  return operationResponse(
    name,
    ids.map((n) => {
      try {
        const t = resolveItem(ctx, n);
        return successMessage(name, el('m:Items', undefined, itemXml(ctx, t.instance ?? t.item, shape)));
      } catch (e) {
        if (e instanceof EwsItemError) return errorMessage(name, e, '<m:Items/>');
        throw e;
      }
    }),
  );
}

const TWO_YEARS_MS = 2 * 366 * 86_400_000;

export function findItem(ctx: EwsContext, op: XNode): string {
  const name = 'FindItem';
  const shape = parseShape(child(op, M, 'ItemShape'));
  const traversal = op.attrs.Traversal ?? 'Shallow';
  if (traversal !== 'Shallow' && traversal !== 'SoftDeleted' && traversal !== 'Associated') {
    throw new EwsFault(
      'ErrorSchemaValidation',
      `The request failed schema validation: Traversal "${traversal}" is invalid.`,
    );
  }
  const calView = child(op, M, 'CalendarView');
  const paged = child(op, M, 'IndexedPageItemView');
  const parents = child(op, M, 'ParentFolderIds')?.children ?? [];
  const restriction = child(op, M, 'Restriction');
  const sortOrder = child(op, M, 'SortOrder');
  return operationResponse(
    name,
    parents.map((n) => {
      try {
        const folder = resolveFolder(ctx, n);
        if (calView) {
          if (restriction) throw new EwsItemError('ErrorInvalidRestriction');
          if (folder.kind !== 'calendar') throw new EwsItemError('ErrorCalendarFolderIsInvalidForCalendarView');
          const start = parseDateTime(calView.attrs.StartDate ?? '');
          const end = parseDateTime(calView.attrs.EndDate ?? '');
          const y = (t: number) => new Date(t).getUTCFullYear();
          if (y(start) <= 1 || y(end) >= 9999 || y(start) >= 9999) throw new EwsItemError('ErrorValueOutOfRange');
          if (end < start)
            throw new EwsItemError('ErrorInvalidRequest', 'EndDate must be greater than or equal to StartDate.');
          if (end - start > TWO_YEARS_MS) throw new EwsItemError('ErrorCalendarViewRangeTooBig');
          const maxAttr = calView.attrs.MaxEntriesReturned;
          const max = maxAttr === undefined ? 1000 : Number(maxAttr);
          if (!Number.isInteger(max) || max < 1)
            throw new EwsFault('ErrorSchemaValidation', 'MaxEntriesReturned must be a positive integer.');
          const all: EventInstance[] = ctx.store.calendarView(folder.id, start, end);
          const page = all.slice(0, max);
          // No offset paging in a CalendarView: the first N, with the true total (reference §1.4).
          return successMessage(
            name,
            el(
              'm:RootFolder',
              { TotalItemsInView: all.length, IncludesLastItemInRange: page.length === all.length },
              el('t:Items', undefined, ...page.map((i) => itemXml(ctx, i, shape))),
            ),
          );
        }
        // Without SortOrder, newest change first; SortOrder then orders stably by its keys.
        const items: Item[] = sortByOrder(
          ctx.store
            .listItems(folder.id)
            .filter((i) => matchesRestriction(i, restriction))
            .sort((a, b) => b.lastModifiedAt - a.lastModifiedAt || b.key - a.key),
          sortOrder,
          pathValue,
        );
        const max = paged?.attrs.MaxEntriesReturned ? Number(paged.attrs.MaxEntriesReturned) : 1000;
        const offset = Number(paged?.attrs.Offset ?? 0);
        const fromEnd = paged?.attrs.BasePoint === 'End';
        const start = fromEnd ? Math.max(0, items.length - offset - max) : offset;
        const page = items.slice(start, start + max);
        return successMessage(
          name,
          el(
            'm:RootFolder',
            {
              IndexedPagingOffset: start + page.length,
              TotalItemsInView: items.length,
              IncludesLastItemInRange: start + page.length >= items.length,
            },
            el('t:Items', undefined, ...page.map((i) => itemXml(ctx, i, shape))),
          ),
        );
      } catch (e) {
        if (e instanceof EwsItemError) return errorMessage(name, e);
        throw e;
      }
    }),
  );
}
