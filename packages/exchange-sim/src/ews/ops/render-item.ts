import type { EventInstance, Item } from '../../store/types';
import type { EwsContext } from '../context';
import { calendarItemXml } from '../items/calendar';
import { contactXml, distributionListXml } from '../items/contact';
import { taskXml } from '../items/task';
import type { Shape } from '../shape';

/** One item (or calendar instance) in the requested shape, as its types.xsd element. */
export function itemXml(ctx: EwsContext, item: Item | EventInstance, shape: Shape): string {
  const rc = { store: ctx.store, shape };
  if ('master' in item) return calendarItemXml(rc, item);
  switch (item.kind) {
    case 'event':
      return calendarItemXml(rc, item);
    case 'contact':
      return contactXml(rc, item);
    case 'distributionList':
      return distributionListXml(rc, item);
    case 'task':
      return taskXml(rc, item);
  }
}

export const ELEMENT_OF_KIND: Record<Item['kind'], string> = {
  event: 't:CalendarItem',
  contact: 't:Contact',
  distributionList: 't:DistributionList',
  task: 't:Task',
};
