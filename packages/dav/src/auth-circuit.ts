import { createHash } from 'node:crypto';

/**
 * Remembers credentials a server refused. Nextcloud counts every 401 toward brute-force protection, which
 * throttles the whole sync host, so after one 401 no request may be sent with those credentials again — from
 * any store of that user — until they are replaced. Keys are hashes: the registry never holds a password.
 */
export class AuthCircuit {
  readonly #open = new Map<string, { readonly at: Date; readonly status: number }>();

  static keyOf(username: string, password: string): string {
    return createHash('sha256').update(`${username}\0${password}`).digest('hex');
  }

  isOpen(key: string): boolean {
    return this.#open.has(key);
  }

  trip(key: string, status: number): void {
    if (!this.#open.has(key)) this.#open.set(key, { at: new Date(), status });
  }

  /** Called when the user's credentials were renewed. */
  reset(key: string): void {
    this.#open.delete(key);
  }
}

/** One circuit per process, so every store of a user shares it. */
export const sharedAuthCircuit = new AuthCircuit();
