import type { Backend, SyncMetrics } from './metrics';

/** A fetch that counts every request it sends under `backend`, by the status class of its answer. */
export function countingFetch(metrics: SyncMetrics, backend: Backend, base: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    try {
      const response = await base(input, init);
      metrics.backendRequest(backend, response.status);
      return response;
    } catch (error) {
      metrics.backendRequest(backend, undefined);
      throw error;
    }
  };
}
