import { describe, expect, it } from 'vitest';
import type { ItemGroup } from './planner';
import { groupObservations } from './planner';
import { fetched, gone, linked, obs, present, task } from './test-support';
import type { StatusRow } from './types';

/**
 * Which observations end up in one item (pnpm mutation showed the rare cases untested: random histories with fresh
 * UIDs never make two unknown objects share a UID or a marker, nor find a row's slot taken).
 */
const shape = (groups: ItemGroup[]) =>
  groups
    .map((g) => ({
      ident: g.ident,
      row: g.row !== undefined,
      a: g.a && (g.a.type === 'present' ? g.a.fetched.ref.href : g.a.type),
      b: g.b && (g.b.type === 'present' ? g.b.fetched.ref.href : g.b.type),
    }))
    .sort((x, y) => x.ident.localeCompare(y.ident));

describe('groupObservations', () => {
  it('two unknown objects with one UID on a side: the first is paired with the other side, the second gets an ident of its own', () => {
    const groups = groupObservations(
      [],
      obs(present(fetched('/a/1', 'v', task('u1'))), present(fetched('/a/2', 'v', task('u1')))),
      obs(present(fetched('/b/1', 'v', task('u1')))),
    );
    expect(shape(groups)).toEqual([
      { ident: 'u1', row: false, a: '/a/1', b: '/b/1' },
      { ident: 'u1~2', row: false, a: '/a/2', b: undefined },
    ]);
  });

  it('an unknown object whose UID names a fully linked row gets a fresh ident, never the row', () => {
    const a1 = fetched('/a/u1', 'v', task('u1'));
    const b1 = fetched('/b/u1', 'v', task('u1'));
    const rows = [linked('u1', a1, b1), linked('u1~2', fetched('/a/x', 'v', task('x')), undefined)];
    const groups = groupObservations(rows, obs(present(fetched('/a/copy', 'v', task('u1')))), obs());
    expect(shape(groups)).toEqual([
      { ident: 'u1~2', row: true, a: undefined, b: undefined }, // listed: its b side is missing
      { ident: 'u1~3', row: false, a: '/a/copy', b: undefined },
    ]);
  });

  it('our marker links before the UID: an object we created is re-linked to the row it names', () => {
    const rows: StatusRow[] = [
      { ident: 'm1', a: linked('m1', fetched('/a/m1', 'v', task('m1')), undefined).a!, pendingCreate: 'b' },
      { ident: 'u9', a: linked('u9', fetched('/a/u9', 'v', task('u9')), undefined).a! },
    ];
    const created = fetched('/b/srv', 'v', task('u9'), { marker: 'm1' });
    expect(shape(groupObservations(rows, obs(), obs(present(created))))).toEqual([
      { ident: 'm1', row: true, a: undefined, b: '/b/srv' },
      { ident: 'u9', row: true, a: undefined, b: undefined },
    ]);
  });

  it('a row whose slot on that side holds another live object is not re-linked; a slot just deleted is', () => {
    const a1 = fetched('/a/u1', 'v', task('u1'));
    const b1 = fetched('/b/u1', 'v', task('u1'));
    const row = linked('u1', a1, b1);
    const other = fetched('/b/other', 'v', task('u1'));
    expect(shape(groupObservations([row], obs(), obs(present(b1), present(other))))).toEqual([
      { ident: 'u1', row: true, a: undefined, b: '/b/u1' },
      { ident: 'u1~2', row: false, a: undefined, b: '/b/other' },
    ]);
    // The old object gone and a new one with the same UID: the new one takes the row's slot.
    expect(shape(groupObservations([row], obs(), obs(gone('/b/u1'), present(other))))).toEqual([
      { ident: 'u1', row: true, a: undefined, b: '/b/other' },
    ]);
  });

  it('two unknown objects naming one row with a free slot: only the first takes the slot', () => {
    const row = linked('u1', fetched('/a/u1', 'v', task('u1')), undefined);
    const b = obs(present(fetched('/b/1', 'v', task('u1'))), present(fetched('/b/2', 'v', task('u1'))));
    expect(shape(groupObservations([row], obs(), b))).toEqual([
      { ident: 'u1', row: true, a: undefined, b: '/b/1' },
      { ident: 'u1~2', row: false, a: undefined, b: '/b/2' },
    ]);
  });

  it('unknown objects pair across sides by our marker too, under the marker’s ident', () => {
    const fa = fetched('/a/1', 'v', task('u1'));
    const fb = fetched('/b/1', 'v', task('server-id'), { marker: 'u1' });
    expect(shape(groupObservations([], obs(present(fa)), obs(present(fb))))).toEqual([
      { ident: 'u1', row: false, a: '/a/1', b: '/b/1' },
    ]);
    const fa2 = fetched('/a/2', 'v', task('server-id-2'), { marker: 'mk' });
    const fb2 = fetched('/b/2', 'v', task('mk'));
    expect(shape(groupObservations([], obs(present(fa2)), obs(present(fb2))))).toEqual([
      { ident: 'mk', row: false, a: '/a/2', b: '/b/2' },
    ]);
  });

  it('rows nobody reported on are planned only when a side is missing or a create is pending', () => {
    const a1 = fetched('/a/u1', 'v', task('u1'));
    const b1 = fetched('/b/u1', 'v', task('u1'));
    const rows = [
      linked('full', a1, b1),
      linked('half', a1, undefined),
      { ...linked('p', a1, b1), pendingCreate: 'b' as const },
    ];
    expect(shape(groupObservations(rows, obs(), obs())).map((g) => g.ident)).toEqual(['half', 'p']);
  });
});
