/**
 * Fault injection: "the next N requests matching (face, method, path) get this fault". The server hook applies
 * the generic kinds for every face; `ewsServerBusy` is left on the request for the EWS face to render, because the
 * in-band variant lives inside the operation's own response message.
 */

export type Face = 'ews' | 'graph' | 'entra' | 'control' | 'other';

export type FaultAction =
  /** 401/403/404/429/503 with the face's usual error body; 429/503 carry Retry-After. */
  | { kind: 'status'; status: 401 | 403 | 404 | 429 | 503 | 504; retryAfterSeconds?: number; code?: string }
  /** HTTP 500 with a JSON error (Graph/Entra), a SOAP fault (EWS), an HTML page or nothing at all. */
  | { kind: 'error500'; body: 'json' | 'soap' | 'html' | 'empty' }
  /** EWS ErrorServerBusy: as a SOAP fault (HTTP 500) or in-band (HTTP 200, ResponseClass="Error"). */
  | { kind: 'ewsServerBusy'; channel: 'fault' | 'inBand'; backOffMs: number }
  /** Delay the response (then answer normally). */
  | { kind: 'slow'; delayMs: number }
  /** Destroy the connection without an answer. */
  | { kind: 'reset' }
  /**
   * Applied, reply lost: the request is carried out (a create is stored) but the client never gets the answer —
   * the connection is reset (`reset`), or held silent for `holdMs` so the client's own timeout fires (`timeout`).
   */
  | { kind: 'replyLost'; after: 'reset' | 'timeout'; holdMs?: number };

export interface FaultMatch {
  face?: Face | 'any';
  /** HTTP method, case-insensitive. */
  method?: string;
  /** Substring of the path+query, or a regular expression when written as `re:<source>`. */
  path?: string;
  /** EWS operation name (first element of soap:Body), matched by the EWS face. */
  operation?: string;
  /** Mailbox (SMTP/UPN/id) the request targets, when the face knows it. */
  mailbox?: string;
}

export interface FaultRule extends FaultMatch {
  id: number;
  action: FaultAction;
  /** How many more requests it applies to. */
  remaining: number;
  /** How many requests it was applied to. */
  applied: number;
}

export interface FaultRequestInfo {
  face: Face;
  method: string;
  path: string;
  operation?: string;
  mailbox?: string;
}

export class FaultInjector {
  private nextId = 1;
  private rules: FaultRule[] = [];

  inject(match: FaultMatch, action: FaultAction, count = 1): FaultRule {
    if (!Number.isInteger(count) || count < 1) throw new RangeError('Fault count must be a positive integer');
    validateAction(action);
    if (match.path?.startsWith('re:')) new RegExp(match.path.slice(3)); // throws SyntaxError early on a bad pattern
    const rule: FaultRule = { ...match, action, remaining: count, applied: 0, id: this.nextId++ };
    this.rules.push(rule);
    return rule;
  }

  /** Whether any rule is armed: every request asks, and almost always none is. */
  get armed(): boolean {
    return this.rules.length > 0;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  clear(): void {
    this.rules = [];
  }

  /** Does a rule match? (without consuming it) */
  peek(req: FaultRequestInfo): FaultRule | undefined {
    return this.rules.find((r) => r.remaining > 0 && matches(r, req));
  }

  /** Consume one application of the first matching rule. */
  take(req: FaultRequestInfo): FaultRule | undefined {
    const r = this.peek(req);
    if (!r) return undefined;
    r.remaining--;
    r.applied++;
    if (r.remaining === 0) this.rules = this.rules.filter((x) => x !== r);
    return { ...r };
  }
}

function matches(r: FaultRule, req: FaultRequestInfo): boolean {
  if (r.face && r.face !== 'any' && r.face !== req.face) return false;
  if (r.method && r.method.toUpperCase() !== req.method.toUpperCase()) return false;
  if (r.path) {
    if (r.path.startsWith('re:') ? !new RegExp(r.path.slice(3)).test(req.path) : !req.path.includes(r.path))
      return false;
  }
  if (r.operation && r.operation !== req.operation) return false;
  if (r.mailbox && r.mailbox.toLowerCase() !== req.mailbox?.toLowerCase()) return false;
  return true;
}

function validateAction(a: FaultAction): void {
  const ok =
    (a.kind === 'status' && [401, 403, 404, 429, 503, 504].includes(a.status)) ||
    (a.kind === 'error500' && ['json', 'soap', 'html', 'empty'].includes(a.body)) ||
    (a.kind === 'ewsServerBusy' && ['fault', 'inBand'].includes(a.channel) && a.backOffMs >= 0) ||
    (a.kind === 'slow' && a.delayMs >= 0) ||
    (a.kind === 'replyLost' && ['reset', 'timeout'].includes(a.after) && (a.holdMs ?? 0) >= 0) ||
    a.kind === 'reset';
  if (!ok) throw new RangeError(`Unsupported fault action ${JSON.stringify(a)}`);
}
