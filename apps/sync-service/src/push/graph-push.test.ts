import { describe, expect, it } from 'vitest';
import { GraphPush, maxLifetimeMinutes } from './graph-push';

describe('Graph change notification settings', () => {
  it("asks for Microsoft's documented maximum per resource: 10,080 min for events and contacts, 4,230 for To Do", () => {
    expect(maxLifetimeMinutes('/users/a%40b.c/calendars/X/events')).toBe(10_080);
    expect(maxLifetimeMinutes('/users/a%40b.c/contactFolders/X/contacts')).toBe(10_080);
    expect(maxLifetimeMinutes('/users/a%40b.c/todo/lists/X/tasks')).toBe(4_230);
  });

  it('keeps the path of a service published below one', () => {
    const push = (publicUrl: string) =>
      new GraphPush({ repos: {} as never, vault: {} as never, publicUrl }).notificationUrl;
    expect(push('https://sync.example.com/exsync/')).toBe('https://sync.example.com/exsync/v1/notifications/graph');
    expect(push('https://sync.example.com')).toBe('https://sync.example.com/v1/notifications/graph');
  });
});
