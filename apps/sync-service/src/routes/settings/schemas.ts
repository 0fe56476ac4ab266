import { Type } from 'typebox';
import { CONFLICT_POLICIES, DEFAULT_SETTINGS, DIRECTIONS } from '../../settings';

const closed = { additionalProperties: false } as const;

const ItemKindSettings = (name: string) =>
  Type.Object(
    {
      enabled: Type.Boolean({ description: `Sync ${name}.` }),
      direction: Type.Enum(DIRECTIONS, { description: 'Which way changes flow.' }),
    },
    closed,
  );

const settingsFields = {
  window: Type.Object(
    {
      daysBack: Type.Integer({ minimum: 0, maximum: 3650, description: 'Days before today to sync (default 30).' }),
      daysAhead: Type.Integer({ minimum: 1, maximum: 3650, description: 'Days after today to sync (default 180).' }),
    },
    { ...closed, description: 'The time window of calendar items kept in sync.' },
  ),
  intervalMinutes: Type.Integer({
    minimum: 1,
    maximum: 1440,
    description: 'Minutes between two sync runs of a user (default 15).',
  }),
  itemKinds: Type.Object(
    {
      events: ItemKindSettings('calendar events'),
      contacts: ItemKindSettings('contacts'),
      tasks: ItemKindSettings('tasks'),
    },
    { ...closed, description: 'What is synced, and in which direction.' },
  ),
  conflictPolicy: Type.Object(
    {
      kind: Type.Enum(CONFLICT_POLICIES, {
        description: 'Who wins when the same field changed on both sides (default exchange-wins).',
      }),
    },
    closed,
  ),
  deletionPolicy: Type.Object(
    {
      kind: Type.Enum(['propagate', 'never'], {
        description:
          'propagate: mirror deletions, but quarantine them for review when one run would delete more than maxPercent of a collection or more than maxCount items; never: quarantine every deletion.',
      }),
      maxPercent: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Default 20.' })),
      maxCount: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'Default 50.' })),
    },
    closed,
  ),
};

export const SettingsView = Type.Object(settingsFields, { ...closed, examples: [DEFAULT_SETTINGS] });

export const SettingsBody = Type.Object(
  {
    window: Type.Optional(settingsFields.window),
    intervalMinutes: Type.Optional(settingsFields.intervalMinutes),
    itemKinds: Type.Optional(
      Type.Object(
        {
          events: Type.Optional(settingsFields.itemKinds.properties.events),
          contacts: Type.Optional(settingsFields.itemKinds.properties.contacts),
          tasks: Type.Optional(settingsFields.itemKinds.properties.tasks),
        },
        closed,
      ),
    ),
    conflictPolicy: Type.Optional(settingsFields.conflictPolicy),
    deletionPolicy: Type.Optional(settingsFields.deletionPolicy),
  },
  {
    ...closed,
    description: 'The complete settings. PUT replaces them: a field left out returns to its default.',
  },
);
