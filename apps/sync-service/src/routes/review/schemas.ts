import { Type } from 'typebox';
import { PendingJob } from '../sync/schemas';

const closed = { additionalProperties: false } as const;

const Side = Type.Enum(['exchange', 'nextcloud']);
const Kind = Type.Enum(['event', 'task', 'contact'], { description: 'The item kind of the collection pair.' });
const Item = Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], {
  description: 'The item as exsync models it (fields as in iCalendar/vCard: summary, start, formattedName, …).',
});

export const HeldDeletionView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kind: Kind,
    deletedIn: Type.Enum(['exchange', 'nextcloud'], {
      description: 'Where the item was deleted; applying the deletion removes it from the other side too.',
    }),
    reason: Type.Enum(['threshold', 'emptied-side', 'policy'], {
      description:
        'threshold: the run deleted more than the deletion policy allows; emptied-side: a side suddenly looked empty; policy: the deletion policy holds every deletion.',
    }),
    heldAt: Type.String({ format: 'date-time' }),
    summary: Type.Union([Type.String(), Type.Null()], { description: 'Title, name or summary of the item.' }),
    decision: Type.Union([Type.Enum(['apply', 'restore']), Type.Null()], {
      description: 'A decision taken and waiting for the next sync, which carries it out; null while undecided.',
    }),
    item: Item,
  },
  closed,
);

export const HeldDeletionList = Type.Object({ items: Type.Array(HeldDeletionView) }, closed);

export const DecisionBody = Type.Object(
  {
    decision: Type.Enum(['apply', 'restore'], {
      description:
        'apply: the deletion was meant — remove the item from the side that still holds it; restore: it was not — bring the item back on the side that deleted it.',
    }),
    ids: Type.Optional(
      Type.Array(Type.String({ format: 'uuid' }), {
        minItems: 1,
        maxItems: 1000,
        uniqueItems: true,
        description: 'The held deletions to decide. Give either `ids` or `all: true`.',
      }),
    ),
    all: Type.Optional(Type.Literal(true, { description: "Decide every one of the user's held deletions." })),
  },
  closed,
);

export const DecisionResult = Type.Object(
  {
    decided: Type.Integer({ description: 'How many held deletions now carry this decision.' }),
    notHeld: Type.Array(Type.String(), {
      description: 'Ids that are not (or no longer) held deletions of this user: nothing was done with them.',
    }),
    job: PendingJob,
  },
  closed,
);

export const ConflictView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kind: Kind,
    fields: Type.Array(Type.String(), { description: 'The fields both sides changed differently.' }),
    policy: Type.String({ description: 'The conflict policy that decided (side-wins, newest, keep-both).' }),
    winner: Type.Union([Side, Type.Null()], { description: 'Whose values the conflicting fields took.' }),
    exchange: Item,
    nextcloud: Item,
    at: Type.String({ format: 'date-time' }),
  },
  closed,
);

export const ConflictList = Type.Object(
  {
    items: Type.Array(ConflictView),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` to get older conflicts; null on the last page.',
    }),
  },
  closed,
);

export const ConflictQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.String({ pattern: '^(?:[1-9][0-9]?|100)$', description: 'Page size, 1 to 100 (default 20).' }),
    ),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  closed,
);
