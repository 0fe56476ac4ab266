import { InvalidItemError } from '@exsync/core';
import ICAL from 'ical.js';
import { type SplitText, splitContentLines } from './content-lines';
import { decodeText } from './decode';
import type { JComp, JProp } from './jcal';
import { repairText } from './repair';

/**
 * A parsed iCalendar or vCard object that remembers the exact bytes of every line it came from, so that
 * `serializeDocument` can write back untouched properties and components unchanged.
 */
export interface PimDocument {
  readonly root: JComp;
  /** The text that was parsed: the input itself unless repairs were needed. */
  readonly text: string;
  readonly repairs: readonly string[];
  readonly newline: string;
  /** @internal */
  readonly origin: Origin;
}

export interface Origin {
  readonly lead: string;
  readonly props: WeakMap<JProp, { raw: string; snapshot: string }>;
  readonly comps: WeakMap<JComp, { begin: string; end: string; slots: (JProp | JComp)[] }>;
}

export type RootKind = 'vcalendar' | 'vcard';

export interface ParseOptions {
  /**
   * Whether to remember each line's bytes for `serializeDocument` (default true). Without, the document can only
   * be read (its tree, as a hash or a model needs it): the same tree, the same checks and errors, without a JSON
   * snapshot of every property — most of the parse's own cost beside ical.js.
   */
  readonly origin?: boolean;
}

/** For a document that is only read, never written back. */
export const READ_ONLY: ParseOptions = { origin: false };

export function parseDocument(input: string | Uint8Array, expected?: RootKind, options?: ParseOptions): PimDocument {
  const decoded = decodeText(input);
  if (decoded.trim() === '') throw new InvalidItemError('The item is empty.');
  const { text, repairs, split: repairedSplit } = repairText(decoded);
  const split = repairedSplit ?? splitContentLines(text);
  checkNesting(split);
  let parsed: unknown;
  try {
    parsed = ICAL.parse(text);
  } catch (error) {
    throw new InvalidItemError(`The item is not valid iCalendar/vCard: ${messageOf(error)}`, { cause: error });
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw new InvalidItemError('The item holds no component.');
  if (Array.isArray(parsed[0])) {
    throw new InvalidItemError(
      `The item holds ${parsed.length} top-level objects; one is expected (split multi-object files first).`,
    );
  }
  const root = parsed as JComp;
  if (root[0] !== 'vcalendar' && root[0] !== 'vcard') {
    throw new InvalidItemError(`The item is a ${root[0].toUpperCase()}, not a VCALENDAR or VCARD.`);
  }
  if (expected && root[0] !== expected) {
    throw new InvalidItemError(`Expected a ${expected.toUpperCase()} but found a ${root[0].toUpperCase()}.`);
  }
  const origin = mapOrigin(split, root, options?.origin ?? true);
  const firstBreak = /\r?\n/.exec(text);
  return { root, text, repairs, newline: firstBreak?.[0] ?? '\r\n', origin };
}

/**
 * Walks the content lines beside ical.js's tree. ical.js keeps line order within properties and within
 * subcomponents, so the n-th property line of a component is its n-th jCal property. With `record` false it only
 * checks that they match (the same errors) and the origin stays empty.
 */
function mapOrigin({ lead, lines }: SplitText, root: JComp, record: boolean): Origin {
  const origin: Origin = { lead, props: new WeakMap(), comps: new WeakMap() };
  type Frame = { comp: JComp; name: string; p: number; c: number; slots: (JProp | JComp)[]; begin: string };
  const stack: Frame[] = [];
  let done = false;
  for (const [index, line] of lines.entries()) {
    const m = /^(BEGIN|END):(.*)$/i.exec(line.text);
    const top = stack[stack.length - 1];
    if (done) throw new InvalidItemError(`Content after the end of the object at line ${index + 1}.`);
    if (m && m[1]!.toUpperCase() === 'BEGIN') {
      const name = m[2]!.trim().toLowerCase();
      const comp = top ? top.comp[2][top.c++] : root;
      if (!comp || comp[0] !== name) throw new InvalidItemError(`Unexpected BEGIN:${name.toUpperCase()}.`);
      top?.slots.push(comp);
      stack.push({ comp, name, p: 0, c: 0, slots: [], begin: line.raw });
    } else if (m) {
      const name = m[2]!.trim().toLowerCase();
      if (!top || top.name !== name) {
        throw new InvalidItemError(
          `END:${name.toUpperCase()} does not close ${top ? `BEGIN:${top.name.toUpperCase()}` : 'anything'}.`,
        );
      }
      stack.pop();
      if (record) origin.comps.set(top.comp, { begin: top.begin, end: line.raw, slots: top.slots });
      if (stack.length === 0) done = true;
    } else {
      if (!top) throw new InvalidItemError(`Content outside any component at line ${index + 1}.`);
      const p = top.comp[1][top.p++];
      if (!p) throw new InvalidItemError(`Unparseable line ${index + 1}.`);
      top.slots.push(p);
      if (record) origin.props.set(p, { raw: line.raw, snapshot: JSON.stringify(p) });
    }
  }
  if (stack.length > 0) {
    throw new InvalidItemError(
      `The item is truncated: BEGIN:${stack[stack.length - 1]!.name.toUpperCase()} has no END.`,
    );
  }
  return origin;
}

/**
 * ical.js trusts END lines: one that closes the wrong component (or none) makes it fail with a TypeError. Checked
 * here first so the error names the line. A BEGIN without END is left to ical.js, which says so.
 */
function checkNesting(split: SplitText): void {
  const open: string[] = [];
  for (const [index, line] of split.lines.entries()) {
    const m = /^(BEGIN|END):(.*)$/i.exec(line.text);
    if (!m) continue;
    const name = m[2]!.trim().toUpperCase();
    if (m[1]!.toUpperCase() === 'BEGIN') open.push(name);
    else {
      const closes = open.pop();
      if (closes !== name) {
        throw new InvalidItemError(
          `Line ${index + 1}: END:${name} ${closes ? `where BEGIN:${closes} is open` : 'closes no component'}.`,
        );
      }
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
