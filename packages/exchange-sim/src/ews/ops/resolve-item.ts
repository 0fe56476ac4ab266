import { decodeId } from '../../store/ids';
import type { EventInstance, Item } from '../../store/types';
import { type EwsContext, mayReach } from '../context';
import { EwsFault, EwsItemError } from '../errors';
import type { XNode } from '../xml/parse';
import { storeErrorToEws } from './folders';

/** What an item id element names: a whole item, or one instance of a recurring series. */
export type Target = { readonly item: Item; readonly instance?: EventInstance; readonly changeKey: string | undefined };

function ownItem(ctx: EwsContext, id: string): Item {
  const item = ctx.store.findItem(id);
  // Ids compare exactly (a case-changed id is another, unknown id).
  if (!item || (decodeId(id)?.kind === 'item' && item.id !== id && item.graphId !== id))
    throw new EwsItemError('ErrorItemNotFound');
  const owner = ctx.store.findMailbox(item.mailboxId);
  // Exchange answers ErrorItemNotFound also when the caller lacks access to the item.
  if (!owner || !mayReach(ctx, owner)) throw new EwsItemError('ErrorItemNotFound');
  return item;
}

/** Resolves t:ItemId, t:OccurrenceItemId or t:RecurringMasterItemId. */
export function resolveItem(ctx: EwsContext, n: XNode): Target {
  try {
    switch (n.name) {
      case 'ItemId': {
        const id = n.attrs.Id ?? '';
        const d = decodeId(id);
        if (!d) throw new EwsItemError(id ? 'ErrorInvalidIdMalformed' : 'ErrorItemNotFound');
        const item = ownItem(ctx, id);
        if (d.kind === 'occurrence') {
          const instance = ctx.store.getInstance(id);
          if (instance.id !== id) throw new EwsItemError('ErrorItemNotFound');
          return { item, instance, changeKey: n.attrs.ChangeKey };
        }
        return { item, changeKey: n.attrs.ChangeKey };
      }
      case 'OccurrenceItemId': {
        const master = ownItem(ctx, n.attrs.RecurringMasterId ?? '');
        const index = Number(n.attrs.InstanceIndex);
        if (!Number.isInteger(index) || index < 1)
          throw new EwsItemError('ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange');
        if (master.kind !== 'event' || !master.recurrence) throw new EwsItemError('ErrorItemNotFound');
        const instance = ctx.store.instanceByIndex(master.id, index);
        return { item: master, instance, changeKey: n.attrs.ChangeKey };
      }
      case 'RecurringMasterItemId': {
        const item = ownItem(ctx, n.attrs.OccurrenceId ?? '');
        if (item.kind !== 'event' || !item.recurrence) throw new EwsItemError('ErrorItemNotFound');
        return { item, changeKey: n.attrs.ChangeKey };
      }
      default:
        throw new EwsFault(
          'ErrorSchemaValidation',
          `The request failed schema validation: ${n.name} is not an item id.`,
        );
    }
  } catch (e) {
    if (e instanceof EwsItemError || e instanceof EwsFault) throw e;
    storeErrorToEws(e);
  }
}
