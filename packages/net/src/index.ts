export { headerRecord } from './header-record';
export { httpFetch } from './http-fetch';
export { type HttpAnswer, type HttpRequestInit, HttpTimeoutError, httpRequest } from './http-request';
export {
  DEFAULT_RETRY_POLICY,
  FailureLedger,
  type FailureVerdict,
  type PacedCall,
  type PaceOptions,
  pace,
  type RetryPolicy,
  retryDelay,
  sleep,
} from './pacer';
export { isReplaySafe, type ReplayShape } from './replay';
export { parseRetryAfter } from './retry-after';
