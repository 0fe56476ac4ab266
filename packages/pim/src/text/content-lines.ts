/**
 * Splits text into logical content lines the way ical.js does (LF or CRLF breaks, a leading space or tab
 * continues the previous line, empty lines are skipped), but keeps each line's exact original bytes. The patcher
 * re-emits untouched lines from `raw`, which is what makes an unchanged property byte-identical.
 */
export interface ContentLine {
  /** The line exactly as written: its folded physical lines with their terminators, plus skipped empty lines. */
  raw: string;
  /** Unfolded text without terminator. */
  text: string;
}

export interface SplitText {
  /** Whatever preceded the first line (whitespace ical.js skips too). */
  readonly lead: string;
  readonly lines: ContentLine[];
}

export function splitContentLines(text: string): SplitText {
  const start = text.search(/\S/);
  if (start === -1) return { lead: text, lines: [] };
  const lines: ContentLine[] = [];
  let current: ContentLine | undefined;
  let pos = start;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl === -1 ? text.length : nl + 1;
    const physical = text.slice(pos, end);
    const body = physical.replace(/\r?\n$/, '');
    const first = body[0];
    if (current && (first === ' ' || first === '\t')) {
      current.raw += physical;
      current.text += body.slice(1);
    } else if (body.trim() === '') {
      // Leading whitespace was skipped above, so an empty line always follows a real one.
      if (current) current.raw += physical;
    } else {
      current = { raw: physical, text: body };
      lines.push(current);
    }
    pos = end;
  }
  return { lead: text.slice(0, start), lines };
}

/** The property name of an unfolded line (upper-case, without a vCard group prefix), or '' when it has none. */
export function lineName(text: string): string {
  const m = /^([A-Za-z0-9-]+\.)?([A-Za-z0-9-]+)[;:]/.exec(text);
  return m ? m[2]!.toUpperCase() : '';
}

/** Folds a line at 75 octets without splitting a UTF-8 character (RFC 5545 3.1). */
export function foldLine(text: string, newline = '\r\n'): string {
  const parts: string[] = [];
  let line = '';
  let octets = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (octets + size > 75) {
      parts.push(line);
      line = ' ';
      octets = 1;
    }
    line += ch;
    octets += size;
  }
  parts.push(line);
  return parts.join(newline) + newline;
}
