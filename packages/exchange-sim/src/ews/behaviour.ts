import type { Simulator } from '../simulator';

/**
 * Knobs for behaviours the reference marks uncertain. Tests change them with `configureEws(sim, {...})`.
 */
export interface EwsBehaviour {
  /** UpdateItem with a stale ChangeKey under ConflictResolution=AutoResolve: overwrite (reported in ConflictResults) or refuse. */
  autoResolveStale: 'overwrite' | 'refuse';
  /** Whether DeleteItem refuses a stale ChangeKey (ErrorIrresolvableConflict) or ignores it. */
  deleteChecksChangeKey: boolean;
  /** What a request without X-AnchorMailbox while impersonating gets: nothing but a log note, or a 503 / delay. */
  missingAnchor: 'log' | 'fail' | 'slow';
  /** Request budget per (caller, 10 s) before in-band ErrorServerBusy; 0 disables the budget. */
  budgetPer10s: number;
  /** BackOffMilliseconds advertised when the budget is exhausted. */
  budgetBackOffMs: number;
  /** Offer Basic and/or NTLM to unauthenticated requests. */
  challenges: readonly ('NTLM' | 'Basic' | 'Negotiate')[];
}

export const DEFAULT_EWS_BEHAVIOUR: EwsBehaviour = {
  autoResolveStale: 'overwrite',
  deleteChecksChangeKey: false,
  missingAnchor: 'log',
  budgetPer10s: 0,
  budgetBackOffMs: 5000,
  challenges: ['NTLM', 'Basic'],
};

const bySim = new WeakMap<Simulator, EwsBehaviour>();

export function ewsBehaviour(sim: Simulator): EwsBehaviour {
  let b = bySim.get(sim);
  if (!b) {
    b = { ...DEFAULT_EWS_BEHAVIOUR };
    bySim.set(sim, b);
  }
  return b;
}

export function configureEws(sim: Simulator, patch: Partial<EwsBehaviour>): EwsBehaviour {
  const b = Object.assign(ewsBehaviour(sim), patch);
  return b;
}
